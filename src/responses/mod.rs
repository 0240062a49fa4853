//! The chief constable's side of an inspection: the force response (one per force per
//! inspection) and the item responses (one per force per item addressed to it).

pub mod graphql;
pub mod model;
pub mod rest;
pub mod service;
