//! The version of what the database holds, for answers kept across requests
//! (`graphql::answers`): a tag that changes whenever committed data may have changed, read
//! from the database itself, so that every instance on one database is seen, and nothing has
//! to be told when data changes.
//!
//! The tag is the change feed's last position (`audit_events.id`) and the data epoch
//! (`data_epoch`); on PostgreSQL also the server's start time (a restored server never shares
//! a tag).
//!
//! - Every change the service makes to what it serves writes a feed event in its own
//!   transaction, and feed positions are taken in commit order (`audit::in_commit_order`): once
//!   position `n` is visible, every change up to it is, so two equal positions name the same
//!   changes. The version is read before a query runs, so the query sees at least what the
//!   version names.
//! - Writes that go around the feed move the epoch in their own transaction (seeding,
//!   reference data; an operator's own SQL must too: docs/OPERATIONS.md), and so must a
//!   migration that changes what is served.
//! - Bookkeeping moves none of them: webhook deliveries and leases, reminder keys and service
//!   keys write no feed event, so notifications running leave kept answers standing. (The
//!   server's snapshot, the tag before, moved with every one of those writes.)
//! - A read replica is not asked: behind a load balancer the version and the query may read
//!   different replicas, so an answer that read the replica is not kept at all
//!   ([`Db::read_the_replica`]).

use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use super::{Db, DbConn};
use crate::error::AppError;

#[derive(diesel::QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

/// A function (migration `000011`), so that each session plans its queries once.
const PG_VERSION: &str = "SELECT oversight_data_version() AS version";

const SQLITE_VERSION: &str = "SELECT 'sqlite:' || (SELECT COALESCE(MAX(id), 0) FROM audit_events) \
     || '.' || (SELECT epoch FROM data_epoch) AS version";

fn version(conn: &mut DbConn) -> Result<String, AppError> {
    let sql = match conn {
        DbConn::Pg(_) => PG_VERSION,
        DbConn::Sqlite(_) => SQLITE_VERSION,
    };
    let v: Version = diesel::sql_query(sql).get_result(conn)?;
    Ok(v.version)
}

/// Moves the data epoch, in the caller's transaction: for a write that goes around the feed.
pub fn data_changed(conn: &mut DbConn) -> Result<(), AppError> {
    diesel::sql_query("UPDATE data_epoch SET epoch = epoch + 1").execute(conn)?;
    Ok(())
}

impl Db {
    /// The version of the data now, read before a query runs: equal versions, the same data.
    /// An error where the database cannot tell (the caller then keeps nothing).
    pub async fn data_version(&self) -> Result<String, AppError> {
        if let Some(watch) = &self.watch {
            let watch = watch.clone();
            return super::blocking("data version", super::WAIT_AT_MOST, move |_| {
                let mut conn = watch.lock().unwrap_or_else(|e| e.into_inner());
                version(&mut conn)
            })
            .await;
        }
        self.run(version).await
    }
}
