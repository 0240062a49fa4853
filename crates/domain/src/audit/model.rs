//! Audit event rows and their API shape.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::audit_events;
use crate::types::Timestamp;

crate::text_enum! {
    /// The kinds of record the audit trail and the change feed name.
    Entity {
        Force => "force",
        PolicingBody => "policing_body",
        Inspection => "inspection",
        Item => "item",
        ForceResponse => "force_response",
        ItemResponse => "item_response",
        Action => "action",
        ActionUpdate => "action_update",
        PccResponse => "pcc_response",
        /// A force's Section 55 obligation for an inspection (its reminders).
        Section55 => "section55",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: i64,
    pub at: chrono::NaiveDateTime,
    pub actor: String,
    pub force_id: Option<String>,
    pub inspection_id: Option<String>,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditRow {
    pub at: chrono::NaiveDateTime,
    pub actor: String,
    pub force_id: Option<String>,
    pub inspection_id: Option<String>,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One audit event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: String,
    pub at: Timestamp,
    /// The token subject that made the change.
    pub actor: String,
    pub force_id: Option<String>,
    pub entity: Entity,
    pub entity_id: String,
    /// `create`, `update`, `submit`, `publish`, `amend`, `append`; reminders `due_soon`,
    /// `overdue`.
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl AuditEvent {
    pub fn from_row(row: AuditRow) -> Result<AuditEvent, crate::error::AppError> {
        let json = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
        Ok(AuditEvent {
            id: row.id.to_string(),
            at: row.at.into(),
            entity: Entity::from_db(&row.entity)?,
            actor: row.actor,
            force_id: row.force_id,
            entity_id: row.entity_id,
            action: row.action,
            before: json(row.before),
            after: json(row.after),
        })
    }
}
