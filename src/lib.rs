//! Oversight: HMICFRS inspections, force responses, action plans and Section 55 PCC responses
//! for the police forces of England and Wales, over REST and GraphQL.

pub mod actions; // action plans and their progress updates
pub mod app; // the actix application, shared state and the per-request context
pub mod audit; // the audit trail, written in the transaction of every change
pub mod auth; // tokens, the principal, and `policy`: every access rule
pub mod cli; // the command line: serve, migrate, seed, token
pub mod compliance; // Section 55 compliance across forces
pub mod config; // configuration from the environment
pub mod context; // the per-request context services take, built by each transport
pub mod csv; // CSV reading and writing
pub mod db; // pool, MultiConnection, schema, migrations
pub mod demo; // the demo data: the published Norfolk Section 55 response
pub mod error; // one error type: problem+json and GraphQL extensions
pub mod events; // the change feed, in commit order
pub mod forces; // forces and their policing bodies over time
pub mod graphql; // the schema, limits, loaders and handlers
pub mod inspections; // inspections, their scope and Section 55 deadline
pub mod items; // recommendations, areas for improvement, causes of concern
pub mod limits; // the request rate limit
pub mod ops;
pub mod pcc_responses; // the PCC response under Section 55, publication and revisions // health, readiness, metrics
pub mod responses; // the chief constable's response and item responses
pub mod rest; // ETags, preconditions, list parameters, problem+json for framework errors
pub mod section55;
pub mod seed; // the national data set, generated deterministically // the deadline rule and Section 55 status
pub mod types; // dates, times, ids, enums, pages, cursors
pub mod validate; // input checks shared by all domains
pub mod write; // write bodies and preconditions
