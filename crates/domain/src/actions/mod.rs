//! Action plans: the actions behind an item response, and their progress updates, which
//! are appended and never overwritten.

pub mod model;
pub mod rules;
pub mod service;
