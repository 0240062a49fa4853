//! The audit trail: every change, who made it, before and after, written in the transaction
//! that makes the change. It also orders the change feed.

pub mod model;
pub mod service;
