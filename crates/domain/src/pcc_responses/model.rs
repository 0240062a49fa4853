//! PCC response rows, revisions, inputs and API shapes.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{pcc_response_revisions, pcc_responses, pcc_revision_answers};
use crate::error::AppError;
use crate::section55::rules::Section55Status;
use crate::types::{Date, Timestamp};

crate::text_enum! {
    /// Where the PCC response stands.
    PccStatus {
        Draft => "draft",
        Published => "published",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = pcc_responses, treat_none_as_null = true)]
pub struct PccResponseRow {
    pub force_id: String,
    pub inspection_id: String,
    pub comments: String,
    pub status: String,
    pub revision: i32,
    pub published_at: Option<chrono::NaiveDateTime>,
    pub first_published_at: Option<chrono::NaiveDateTime>,
    pub forwarded_to_chief_constable_on: Option<chrono::NaiveDate>,
    pub forwarded_to_police_and_crime_panel_on: Option<chrono::NaiveDate>,
    pub submitted_to_hmicfrs_portal_on: Option<chrono::NaiveDate>,
    pub sent_to_home_secretary_on: Option<chrono::NaiveDate>,
    pub published_on_opcc_website_on: Option<chrono::NaiveDate>,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// The office checklist: the date each step was done, or null.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Checklist {
    pub forwarded_to_chief_constable_on: Option<Date>,
    pub forwarded_to_police_and_crime_panel_on: Option<Date>,
    pub submitted_to_hmicfrs_portal_on: Option<Date>,
    pub sent_to_home_secretary_on: Option<Date>,
    pub published_on_opcc_website_on: Option<Date>,
}

impl Checklist {
    pub fn of_row(row: &PccResponseRow) -> Checklist {
        Checklist {
            forwarded_to_chief_constable_on: row.forwarded_to_chief_constable_on.map(Date),
            forwarded_to_police_and_crime_panel_on: row
                .forwarded_to_police_and_crime_panel_on
                .map(Date),
            submitted_to_hmicfrs_portal_on: row.submitted_to_hmicfrs_portal_on.map(Date),
            sent_to_home_secretary_on: row.sent_to_home_secretary_on.map(Date),
            published_on_opcc_website_on: row.published_on_opcc_website_on.map(Date),
        }
    }

    pub fn write_to(&self, row: &mut PccResponseRow) {
        row.forwarded_to_chief_constable_on = self.forwarded_to_chief_constable_on.map(|d| d.0);
        row.forwarded_to_police_and_crime_panel_on =
            self.forwarded_to_police_and_crime_panel_on.map(|d| d.0);
        row.submitted_to_hmicfrs_portal_on = self.submitted_to_hmicfrs_portal_on.map(|d| d.0);
        row.sent_to_home_secretary_on = self.sent_to_home_secretary_on.map(|d| d.0);
        row.published_on_opcc_website_on = self.published_on_opcc_website_on.map(|d| d.0);
    }
}

/// The local policing body's response under Section 55.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct PccResponse {
    pub force_id: String,
    pub inspection_id: String,
    /// Markdown.
    pub comments: String,
    /// `draft` until first published; `published` after, even while an amendment is being written.
    pub status: PccStatus,
    /// The latest published revision (0 before the first publication).
    pub revision: i32,
    /// When the latest revision was published.
    pub published_at: Option<Timestamp>,
    pub checklist: Checklist,
    pub section55: Section55Status,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl PccResponse {
    pub fn from_row(
        row: PccResponseRow,
        section55: Section55Status,
    ) -> Result<PccResponse, AppError> {
        Ok(PccResponse {
            status: PccStatus::from_db(&row.status)?,
            checklist: Checklist::of_row(&row),
            force_id: row.force_id,
            inspection_id: row.inspection_id,
            comments: row.comments,
            revision: row.revision,
            published_at: row.published_at.map(Timestamp::from),
            section55,
            version: row.version,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pcc_response_revisions)]
pub struct RevisionRow {
    pub force_id: String,
    pub inspection_id: String,
    pub revision: i32,
    pub comments: String,
    pub checklist: String,
    pub published_at: chrono::NaiveDateTime,
    pub published_by: String,
    /// Whether the chief constable's response had been submitted at this publication.
    pub chief_constable_submitted: bool,
    /// The chief constable's comments as submitted then; `None` if not submitted.
    pub chief_constable_comments: Option<String>,
}

/// A force's answer to an item as it stood, submitted, when a revision was published.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pcc_revision_answers)]
pub struct RevisionAnswerRow {
    pub force_id: String,
    pub inspection_id: String,
    pub revision: i32,
    pub item_id: String,
    pub acceptance: Option<String>,
    pub response: String,
}

/// One published revision, readable for ever.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Revision {
    pub revision: i32,
    pub comments: String,
    pub published_at: Timestamp,
    pub checklist: Checklist,
}

impl Revision {
    pub fn from_row(row: RevisionRow) -> Result<Revision, AppError> {
        Ok(Revision {
            checklist: serde_json::from_str(&row.checklist)
                .map_err(|e| AppError::Internal(format!("stored checklist: {e}")))?,
            revision: row.revision,
            comments: row.comments,
            published_at: row.published_at.into(),
        })
    }
}

/// The checklist as written: each date left out keeps its value; null clears it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistInput {
    #[serde(default, deserialize_with = "crate::validate::double_option")]
    #[schema(value_type = Option<Date>)]
    pub forwarded_to_chief_constable_on: Option<Option<Date>>,
    #[serde(default, deserialize_with = "crate::validate::double_option")]
    #[schema(value_type = Option<Date>)]
    pub forwarded_to_police_and_crime_panel_on: Option<Option<Date>>,
    #[serde(default, deserialize_with = "crate::validate::double_option")]
    #[schema(value_type = Option<Date>)]
    pub submitted_to_hmicfrs_portal_on: Option<Option<Date>>,
    #[serde(default, deserialize_with = "crate::validate::double_option")]
    #[schema(value_type = Option<Date>)]
    pub sent_to_home_secretary_on: Option<Option<Date>>,
    #[serde(default, deserialize_with = "crate::validate::double_option")]
    #[schema(value_type = Option<Date>)]
    pub published_on_opcc_website_on: Option<Option<Date>>,
}

impl ChecklistInput {
    pub fn apply(&self, to: &mut Checklist) {
        let set = |field: &mut Option<Date>, value: &Option<Option<Date>>| {
            if let Some(v) = value {
                *field = *v;
            }
        };
        set(
            &mut to.forwarded_to_chief_constable_on,
            &self.forwarded_to_chief_constable_on,
        );
        set(
            &mut to.forwarded_to_police_and_crime_panel_on,
            &self.forwarded_to_police_and_crime_panel_on,
        );
        set(
            &mut to.submitted_to_hmicfrs_portal_on,
            &self.submitted_to_hmicfrs_portal_on,
        );
        set(
            &mut to.sent_to_home_secretary_on,
            &self.sent_to_home_secretary_on,
        );
        set(
            &mut to.published_on_opcc_website_on,
            &self.published_on_opcc_website_on,
        );
    }
}

/// `PUT …/pcc-response`: comments and checklist; fields left out keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PccResponseInput {
    pub comments: Option<String>,
    pub checklist: Option<ChecklistInput>,
}
