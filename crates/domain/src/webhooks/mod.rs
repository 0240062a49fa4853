//! Webhooks: where a change may be delivered, and how a delivery is signed.

pub mod rules;
