//! Webhooks: where a change may be delivered, and how a delivery is signed.

pub mod model;
pub mod rules;
pub mod seal;
pub mod service;
