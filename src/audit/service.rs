//! Writing audit events (inside the caller's transaction).

use diesel::prelude::*;
use serde::Serialize;

use super::model::{Entity, NewAuditRow};
use crate::app::Ctx;
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
    diesel::insert_into(audit_events::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}
