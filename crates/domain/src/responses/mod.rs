//! The chief constable's side of an inspection: the force response (one per force per
//! inspection) and the item responses (one per force per item addressed to it).

pub mod model;
pub mod service;
