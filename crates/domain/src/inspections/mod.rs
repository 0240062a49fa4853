//! Inspections: what HMICFRS publishes, its scope, and its Section 55 deadline.

pub mod model;
pub mod service;
