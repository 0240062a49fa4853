//! The version of what the database holds, for answers kept across requests
//! (`graphql::answers`): a tag that changes whenever committed data may have changed, read
//! from the database itself, so that every instance on one database (and any other client
//! writing to it) is seen, and nothing has to be told when data changes.
//!
//! - **PostgreSQL**: the primary's current snapshot (`pg_current_snapshot()`: the oldest
//!   transaction still running, the first not yet completed, and those running between), with
//!   its start time. Every change of data is made by a transaction with an id, and its commit
//!   (or abort) changes every snapshot taken after it; two equal snapshots see exactly the same
//!   transactions, so the same data. Snapshots only grow with time, so statements run after the
//!   version was read see at least what it names. A read replica has no such tag: on a hot
//!   standby the snapshot leaves out the transactions recorded as subtransactions, so its
//!   data can move under an unchanged snapshot, and behind a load balancer the version and the
//!   query may read different replicas. An answer that read the replica is therefore not
//!   kept at all ([`Db::read_the_replica`]).
//! - **SQLite**: `PRAGMA data_version` on a connection of its own, which changes whenever any
//!   other connection (the pool's, another process's) commits; a commit is visible to the
//!   statements that follow once it shows there.

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};

use super::{Db, DbConn};
use crate::error::AppError;

#[derive(diesel::QueryableByName)]
struct Snapshot {
    #[diesel(sql_type = Text)]
    snapshot: String,
}

#[derive(diesel::QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = BigInt)]
    data_version: i64,
}

/// One PostgreSQL server's snapshot, with its start time (another server, a restarted one,
/// never shares a tag).
fn snapshot(conn: &mut DbConn) -> Result<String, AppError> {
    let s: Snapshot = diesel::sql_query(
        "SELECT pg_current_snapshot()::text || '@' || pg_postmaster_start_time()::text AS snapshot",
    )
    .get_result(conn)?;
    Ok(s.snapshot)
}

impl Db {
    /// The version of the data now, read before a query runs: equal versions, the same data.
    /// An error where the database cannot tell (the caller then keeps nothing).
    pub async fn data_version(&self) -> Result<String, AppError> {
        if let Some(watch) = &self.watch {
            let watch = watch.clone();
            return super::blocking("data version", super::WAIT_AT_MOST, move |_| {
                let mut conn = watch.lock().unwrap_or_else(|e| e.into_inner());
                let v: DataVersion =
                    diesel::sql_query("PRAGMA data_version").get_result(&mut *conn)?;
                Ok(format!("sqlite:{}", v.data_version))
            })
            .await;
        }
        self.run(snapshot).await
    }
}
