//! Deadline reminders in the change feed: a Section 55 response coming due or overdue, an
//! action overdue. Each is emitted once per force and subject, whoever looks and how often.

pub mod rules;
pub mod service;
