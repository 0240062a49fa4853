//! Oversight's domain: HMICFRS inspections, force responses, action plans and Section 55 PCC
//! responses, their rules, the access policy, storage and the services every way out reads
//! through. It knows no transport: REST (the `oversight` crate) and GraphQL
//! (`oversight-graphql`) build a [`context::Ctx`] for each request and call the services.

pub mod actions; // action plans and their progress updates
pub mod audit; // the audit trail, written in the transaction of every change
pub mod auth; // the principal, and `policy`: every access rule
pub mod compliance; // Section 55 compliance across forces
pub mod context; // the per-request context services take, built by each transport
pub mod csv; // CSV reading and writing
pub mod db; // pool, MultiConnection, schema, migrations
pub mod demo; // the demo data: the published Norfolk Section 55 response
pub mod error; // one error type, with a code and an HTTP status
pub mod events; // the change feed, in commit order
pub mod forces; // forces and their policing bodies over time
pub mod inspections; // inspections, their scope and Section 55 deadline
pub mod items; // recommendations, areas for improvement, causes of concern
pub mod pcc_responses; // the PCC response under Section 55, publication and revisions
pub mod reminders; // deadline reminders in the change feed, each emitted once
pub mod responses; // the chief constable's response and item responses
pub mod section55; // the deadline rule, Section 55 status, the published document
pub mod seed; // the national data set, generated deterministically
pub mod types; // dates, times, ids, enums, pages, cursors
pub mod validate; // input checks shared by all domains
pub mod webhooks; // webhook targets (no private addresses) and Standard Webhooks signatures
pub mod write; // write bodies, preconditions, the optimistic update
