//! Action and progress update rows, inputs and API shapes.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{action_updates, actions};
use crate::error::AppError;
use crate::types::{Date, Timestamp, json_list};

crate::text_enum! {
    /// Where an action stands.
    ActionStatus {
        Planned => "planned",
        InProgress => "in_progress",
        Blocked => "blocked",
        PendingSignOff => "pending_sign_off",
        Done => "done",
        Cancelled => "cancelled",
    }
}

crate::text_enum! {
    /// Red, amber, green.
    Rag {
        Red => "red",
        Amber => "amber",
        Green => "green",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = actions, treat_none_as_null = true)]
pub struct ActionRow {
    pub id: String,
    pub force_id: String,
    pub item_id: String,
    pub title: String,
    pub owner: String,
    pub due_on: Option<chrono::NaiveDate>,
    pub status: String,
    pub rag: Option<String>,
    pub evidence: String,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// The item's inspection, kept beside the item for the action counts of whole inspections.
    pub inspection_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = action_updates)]
pub struct ActionUpdateRow {
    pub id: String,
    pub action_id: String,
    pub force_id: String,
    pub at: chrono::NaiveDateTime,
    pub author: String,
    pub status: Option<String>,
    pub note: String,
}

/// A progress update: appended, never changed.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ActionUpdate {
    pub id: String,
    pub at: Timestamp,
    /// The token subject that wrote it.
    pub author: String,
    /// The status the action took with this update, if it changed it.
    pub status: Option<ActionStatus>,
    pub note: String,
}

impl ActionUpdate {
    pub fn from_row(row: ActionUpdateRow) -> Result<ActionUpdate, AppError> {
        Ok(ActionUpdate {
            status: row
                .status
                .as_deref()
                .map(ActionStatus::from_db)
                .transpose()?,
            id: row.id,
            at: row.at.into(),
            author: row.author,
            note: row.note,
        })
    }
}

/// One action of a force's plan for an item.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Action {
    pub id: String,
    pub force_id: String,
    pub item_id: String,
    pub title: String,
    /// A department or post.
    pub owner: String,
    pub due_on: Option<Date>,
    pub status: ActionStatus,
    pub rag: Option<Rag>,
    /// Links to evidence.
    pub evidence: Vec<String>,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Oldest first.
    pub updates: Vec<ActionUpdate>,
}

impl Action {
    pub fn from_row(row: ActionRow, updates: Vec<ActionUpdate>) -> Result<Action, AppError> {
        Ok(Action {
            status: ActionStatus::from_db(&row.status)?,
            rag: row.rag.as_deref().map(Rag::from_db).transpose()?,
            evidence: json_list("evidence", &row.evidence)?,
            id: row.id,
            force_id: row.force_id,
            item_id: row.item_id,
            title: row.title,
            owner: row.owner,
            due_on: row.due_on.map(Date),
            version: row.version,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
            updates,
        })
    }

    /// Whether the action is past its due date and not finished.
    pub fn is_overdue(&self, today: Date) -> bool {
        !self.status.is_closed() && self.due_on.is_some_and(|d| d < today)
    }
}

/// `POST /v1/forces/{force}/items/{id}/actions`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    pub title: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub due_on: Option<Date>,
    /// Defaults to `planned`.
    #[serde(default)]
    pub status: Option<ActionStatus>,
    #[serde(default)]
    pub rag: Option<Rag>,
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// `PATCH /v1/forces/{force}/actions/{id}`: fields left out stay; `due_on` and `rag` may be null.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionPatch {
    pub title: Option<String>,
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "crate::validate::double_option")]
    #[schema(value_type = Option<Date>)]
    pub due_on: Option<Option<Date>>,
    pub status: Option<ActionStatus>,
    #[serde(default, deserialize_with = "crate::validate::double_option")]
    #[schema(value_type = Option<Rag>)]
    pub rag: Option<Option<Rag>>,
    pub evidence: Option<Vec<String>>,
}

/// `POST /v1/forces/{force}/actions/{id}/updates`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActionUpdate {
    pub note: String,
    /// The action takes this status.
    #[serde(default)]
    pub status: Option<ActionStatus>,
    /// More evidence links, added to the action's.
    #[serde(default)]
    pub evidence: Vec<String>,
}
