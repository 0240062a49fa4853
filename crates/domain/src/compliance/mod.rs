//! Section 55 compliance across forces: for each force, how many of the inspections in a
//! period stand in each Section 55 state.

pub mod figures;
pub mod service;
