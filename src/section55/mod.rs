//! Section 55 of the Police Act 1996: the deadline rule and each force's status against it.

pub mod rules;
