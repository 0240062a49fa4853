//! Section 55 of the Police Act 1996: the deadline rule, each force's status against it, and
//! the document each local policing body publishes.

pub mod document;
pub mod render;
pub mod rules;
