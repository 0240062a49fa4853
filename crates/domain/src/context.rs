//! One request's view as the domain sees it: the database, the caller, the facts the access
//! rules decide on, and the moment the request is served at. Each transport builds it (REST's
//! extractor and GraphQL's handler in `app`); it knows nothing of either, so services take it
//! without depending on a transport.

use chrono::NaiveDateTime;

use crate::auth::{Principal, policy};
use crate::db::Db;

#[derive(Clone)]
pub struct Ctx {
    pub db: Db,
    pub principal: Principal,
    pub policy: policy::Context,
    pub now: NaiveDateTime,
}
