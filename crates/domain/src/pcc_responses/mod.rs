//! The PCC response under Section 55: comments, the office checklist, publication (refused
//! until every recommendation addressed to the force has a response), and revisions.

pub mod model;
pub mod service;
