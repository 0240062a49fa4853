//! Items of an inspection: numbered recommendations, areas for improvement and causes of
//! concern, and whom each is addressed to.

pub mod model;
pub mod service;
