//! The resolvers of each domain: queries, mutations, fields the domain types do not hold
//! (`#[ComplexObject]`), and the loaders they batch through.

pub mod actions;
pub mod compliance;
pub mod forces;
pub mod inspections;
pub mod items;
pub mod pcc_responses;
pub mod responses;
