//! Token checking: one signing secret or key (`jwt`), or the identity providers a trust file
//! names (`trust`, `jwks`, `federated`). What a verified token yields, the `Principal`, and the
//! access rules are the domain's (`oversight_domain::auth`).

pub use oversight_domain::auth::*;

pub mod federated;
pub mod jwks;
pub mod jwt;
pub mod trust;
