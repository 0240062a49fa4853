//! The version of what the database holds, for answers kept across requests
//! (`graphql::answers`): a tag that changes whenever committed data may have changed, read
//! from the database itself, so that every instance on one database (and any other client
//! writing to it) is seen, and nothing has to be told when data changes.
//!
//! - **PostgreSQL**: the server's current snapshot (`pg_current_snapshot()`: the oldest
//!   transaction still running, the first not yet completed, and those running between), with
//!   its start time, of the primary and of the read replica if there is one. Every change of
//!   data is made by a transaction with an id, and its commit (or abort) changes every snapshot
//!   taken after it; two equal snapshots see exactly the same transactions, so the same data.
//!   Snapshots only grow with time, so statements run after the version was read see at least
//!   what it names.
//! - **SQLite**: `PRAGMA data_version` on a connection of its own, which changes whenever any
//!   other connection (the pool's, another process's) commits; a commit is visible to the
//!   statements that follow once it shows there.

use std::sync::{Arc, Mutex};

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};

use super::{Db, DbConn};
use crate::error::AppError;

/// A version of the data, read before a query runs: equal tags, the same data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub tag: String,
}

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

/// SQLite's own connection for `PRAGMA data_version`, which the pool's connections cannot
/// serve: a connection's data version does not move with its own commits.
#[derive(Clone)]
pub struct SqliteWatch(Arc<Mutex<DbConn>>);

impl SqliteWatch {
    pub fn new(conn: DbConn) -> SqliteWatch {
        SqliteWatch(Arc::new(Mutex::new(conn)))
    }
}

impl Db {
    /// The version of the data now, or an error where the database cannot tell (the caller
    /// then keeps nothing).
    pub async fn data_version(&self) -> Result<Version, AppError> {
        if let Some(watch) = &self.watch {
            let watch = watch.0.clone();
            return actix_web::web::block(move || {
                let mut conn = watch.lock().unwrap_or_else(|e| e.into_inner());
                let v: DataVersion =
                    diesel::sql_query("PRAGMA data_version").get_result(&mut *conn)?;
                Ok(Version {
                    tag: format!("sqlite:{}", v.data_version),
                })
            })
            .await
            .map_err(|e| AppError::Internal(format!("blocking task failed: {e}")))?;
        }
        let mut tag = self.run(snapshot).await?;
        if self.read.is_some() {
            tag = format!("{tag} {}", self.run_read(snapshot).await?);
        }
        Ok(Version { tag })
    }
}
