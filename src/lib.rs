//! Oversight: HMICFRS inspections, force responses, action plans and Section 55 PCC responses
//! for the police forces of England and Wales, over REST and GraphQL. This crate is the
//! service: the actix application, REST, token checking, limits and the command line. The
//! domain is `oversight-domain`, the GraphQL schema `oversight-graphql`; both are re-exported
//! here under the paths they have always had.

pub use oversight_domain::{
    actions, audit, compliance, context, csv, db, demo, error, events, forces, inspections, items,
    pcc_responses, reminders, responses, section55, seed, types, validate, webhooks, write,
};
pub use oversight_graphql as graphql;

pub mod app; // the actix application, shared state, the request's principal and context
pub mod auth; // token checking: one secret or key, or the providers of a trust file
pub mod cli; // the command line: serve, migrate, seed, token, trust check
pub mod config; // configuration from the environment
pub mod delivery; // sending webhooks: the worker, its HTTP client, the sealing key
pub mod graphql_http; // `/graphql`: the handlers, the answer cache, GraphiQL
pub mod jobs; // beside serving: the reminder loop
pub mod limits; // the request rate limit
pub mod ops; // health, readiness, metrics
pub mod rest; // the REST handlers, ETags, preconditions, problem+json
