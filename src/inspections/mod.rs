//! Inspections: what HMICFRS publishes, its scope, and its Section 55 deadline.

pub mod graphql;
pub mod model;
pub mod rest;
pub mod service;
