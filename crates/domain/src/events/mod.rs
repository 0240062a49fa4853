//! The change feed: every change in commit order, with a stable cursor, filtered to what the
//! caller may read, so an integration can mirror a force's data without polling everything.

pub mod cursor;
pub mod service;
