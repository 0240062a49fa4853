//! Writing audit events (inside the caller's transaction).

use diesel::prelude::*;
use serde::Serialize;

use super::model::{Entity, NewAuditRow};
use crate::context::Ctx;
use crate::db::DbConn;
use crate::db::schema::audit_events;
use crate::error::AppResult;

/// What changed, for one audit event.
pub struct Change<'a, B: Serialize, A: Serialize> {
    pub force_id: Option<&'a str>,
    pub inspection_id: Option<&'a str>,
    pub entity: Entity,
    pub entity_id: &'a str,
    pub action: &'a str,
    pub before: Option<&'a B>,
    pub after: Option<&'a A>,
}

/// Key of the PostgreSQL transaction lock that orders audit events: ids are taken under it and
/// it is held until commit, so ids are in commit order and the change feed never skips an
/// event that commits later with a smaller id. (SQLite has one writer at a time already.)
const EVENTS_LOCK_KEY: i64 = 0x0f5e_5163_7401;

/// Records a change; call it inside the transaction that makes the change.
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConn,
    ctx: &Ctx,
    change: Change<'_, B, A>,
) -> AppResult<()> {
    let row = NewAuditRow {
        at: ctx.now,
        actor: ctx.principal.actor(),
        force_id: change.force_id.map(str::to_string),
        inspection_id: change.inspection_id.map(str::to_string),
        entity: change.entity.as_str().to_string(),
        entity_id: change.entity_id.to_string(),
        action: change.action.to_string(),
        before: change.before.map(crate::types::to_json_text),
        after: change.after.map(crate::types::to_json_text),
    };
    in_commit_order(conn)?;
    // One row by itself: a statement of fixed shape, prepared once per connection.
    diesel::insert_into(audit_events::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes audit rows made elsewhere (the reminders), in commit order like every change; call
/// it inside the transaction that makes them.
pub fn insert(conn: &mut DbConn, rows: &[NewAuditRow]) -> AppResult<()> {
    in_commit_order(conn)?;
    // 9 columns a row: well under either backend's bound on the parameters of a statement.
    for chunk in rows.chunks(1_000) {
        // Each backend's own connection: Diesel's MultiConnection takes no batch insert.
        match conn {
            DbConn::Pg(c) => diesel::insert_into(audit_events::table)
                .values(chunk)
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(audit_events::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Takes the lock under which audit ids are given out (`EVENTS_LOCK_KEY`), until the
/// transaction ends (taking it again in the same transaction waits for nothing).
pub fn in_commit_order(conn: &mut DbConn) -> AppResult<()> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({EVENTS_LOCK_KEY})"))
            .execute(conn)?;
    }
    Ok(())
}

/// Filters of the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub force: Option<String>,
    pub entity: Option<super::model::Entity>,
    pub actor: Option<String>,
    pub from: Option<chrono::NaiveDateTime>,
    pub to: Option<chrono::NaiveDateTime>,
}

/// The audit trail, newest first. Admin reads everything; a force's people read the events of
/// their forces (another force's trail is `404`, as its data is).
pub async fn list(
    ctx: &Ctx,
    filter: AuditFilter,
    limit: i64,
    cursor: Option<String>,
) -> AppResult<crate::types::Page<super::model::AuditEvent>> {
    let forces = match crate::auth::policy::audit_scope(&ctx.principal, filter.force.as_deref())? {
        crate::auth::policy::AuditScope::Everything => None,
        crate::auth::policy::AuditScope::Forces(forces) => Some(forces),
    };
    let after: Option<i64> = cursor
        .as_deref()
        .map(|c| crate::types::decode_cursor("cursor", c))
        .transpose()?;
    ctx.db
        .run_read(move |conn| {
            let mut q = audit_events::table
                .select(super::model::AuditRow::as_select())
                .into_boxed();
            if let Some(forces) = forces {
                q = q.filter(audit_events::force_id.eq_any(forces));
            }
            if let Some(e) = filter.entity {
                q = q.filter(audit_events::entity.eq(e.as_str()));
            }
            if let Some(a) = filter.actor {
                q = q.filter(audit_events::actor.eq(a));
            }
            if let Some(from) = filter.from {
                q = q.filter(audit_events::at.ge(from));
            }
            if let Some(to) = filter.to {
                q = q.filter(audit_events::at.le(to));
            }
            if let Some(id) = after {
                q = q.filter(audit_events::id.lt(id));
            }
            let rows = q
                .order(audit_events::id.desc())
                .limit(limit + 1)
                .load(conn)?;
            crate::types::Page::from_rows(rows, limit, |r: &super::model::AuditRow| r.id)
                .try_map_all(|rows| {
                    rows.into_iter()
                        .map(super::model::AuditEvent::from_row)
                        .collect()
                })
        })
        .await
}
