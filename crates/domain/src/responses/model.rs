//! Force and item response rows, inputs and API shapes.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{force_responses, item_responses};
use crate::error::AppError;
use crate::types::Timestamp;

crate::text_enum! {
    /// Where the chief constable's response stands.
    ResponseStatus {
        Draft => "draft",
        Submitted => "submitted",
    }
}

crate::text_enum! {
    /// The force's answer to an item.
    Acceptance {
        Accepted => "accepted",
        PartiallyAccepted => "partially_accepted",
        NotAccepted => "not_accepted",
        NotApplicable => "not_applicable",
    }
}

crate::text_enum! {
    /// HMICFRS's view of the force's progress on an item; only the inspectorate sets it.
    HmicfrsStatus {
        AwaitingReview => "awaiting_review",
        BeingProgressed => "being_progressed",
        Complete => "complete",
        NoFurtherActionNeeded => "no_further_action_needed",
        Superseded => "superseded",
        Discharged => "discharged",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = force_responses, treat_none_as_null = true)]
pub struct ForceResponseRow {
    pub force_id: String,
    pub inspection_id: String,
    pub comments: String,
    pub status: String,
    pub submitted_at: Option<chrono::NaiveDateTime>,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// The chief constable's overall response to an inspection.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ForceResponse {
    pub force_id: String,
    pub inspection_id: String,
    /// Markdown.
    pub comments: String,
    pub status: ResponseStatus,
    pub submitted_at: Option<Timestamp>,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ForceResponse {
    pub fn from_row(row: ForceResponseRow) -> Result<ForceResponse, AppError> {
        Ok(ForceResponse {
            status: ResponseStatus::from_db(&row.status)?,
            force_id: row.force_id,
            inspection_id: row.inspection_id,
            comments: row.comments,
            submitted_at: row.submitted_at.map(Timestamp::from),
            version: row.version,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        })
    }
}

/// `PUT …/response`: fields left out keep their value (on creation: empty comments, draft).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForceResponseInput {
    pub comments: Option<String>,
    /// `draft` or `submitted`; a submitted response does not go back to draft.
    pub status: Option<ResponseStatus>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = item_responses, treat_none_as_null = true)]
pub struct ItemResponseRow {
    pub force_id: String,
    pub item_id: String,
    pub inspection_id: String,
    pub acceptance: Option<String>,
    pub response: String,
    pub hmicfrs_status: String,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A force's response to one item.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ItemResponse {
    pub force_id: String,
    pub item_id: String,
    pub inspection_id: String,
    pub acceptance: Option<Acceptance>,
    /// The force's narrative, Markdown.
    pub response: String,
    pub hmicfrs_status: HmicfrsStatus,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An item response as a narrow read gives it: the columns a reader asking for nothing else
/// selects (GraphQL's `ItemResponse::NARROW_FIELDS`).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemResponseHead {
    pub force_id: String,
    pub item_id: String,
    pub inspection_id: String,
    pub acceptance: Option<Acceptance>,
    pub hmicfrs_status: HmicfrsStatus,
}

/// The columns of [`ItemResponseHead`] as read: force, item, inspection, acceptance and
/// HMICFRS status.
pub type NarrowResponseRow = (String, String, String, Option<String>, String);

impl ItemResponseHead {
    pub fn from_row(
        (force_id, item_id, inspection_id, acceptance, hmicfrs_status): NarrowResponseRow,
    ) -> Result<ItemResponseHead, AppError> {
        Ok(ItemResponseHead {
            acceptance: acceptance.as_deref().map(Acceptance::from_db).transpose()?,
            hmicfrs_status: HmicfrsStatus::from_db(&hmicfrs_status)?,
            force_id,
            item_id,
            inspection_id,
        })
    }
}

impl ItemResponse {
    pub fn from_row(row: ItemResponseRow) -> Result<ItemResponse, AppError> {
        Ok(ItemResponse {
            acceptance: row
                .acceptance
                .as_deref()
                .map(Acceptance::from_db)
                .transpose()?,
            hmicfrs_status: HmicfrsStatus::from_db(&row.hmicfrs_status)?,
            force_id: row.force_id,
            item_id: row.item_id,
            inspection_id: row.inspection_id,
            response: row.response,
            version: row.version,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        })
    }
}

/// `PUT /v1/forces/{force}/items/{id}/response`: fields left out keep their value. The force
/// (or OPCC, for items addressed to policing bodies) writes `acceptance` and `response`; only
/// the inspectorate writes `hmicfrs_status`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemResponseInput {
    pub acceptance: Option<Acceptance>,
    pub response: Option<String>,
    pub hmicfrs_status: Option<HmicfrsStatus>,
}
