//! Inspection rows, inputs and API shapes.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::inspections;
use crate::error::AppError;
use crate::types::{Date, Timestamp, json_list};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = inspections, treat_none_as_null = true)]
pub struct InspectionRow {
    pub id: String,
    pub title: String,
    pub published_on: chrono::NaiveDate,
    pub publication_types: String,
    pub report_url: Option<String>,
    pub key_findings: String,
    pub all_forces: bool,
    pub section55_deadline: chrono::NaiveDate,
    pub deadline_explicit: bool,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// Which forces an inspection covers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Scope {
    /// Every territorial force (a national or thematic inspection).
    pub all_forces: bool,
    /// Forces named individually (besides, or instead of, all territorial forces).
    pub forces: Vec<String>,
}

/// An inspection report published by HMICFRS.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Inspection {
    pub id: String,
    pub title: String,
    pub published_on: Date,
    /// Free list, e.g. `Serious and organised crime`, `PEEL`.
    pub publication_types: Vec<String>,
    pub report_url: Option<String>,
    /// Markdown.
    pub key_findings: String,
    pub scope: Scope,
    /// Given by the inspectorate, or `published_on` + 56 days.
    pub section55_deadline: Date,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Inspection {
    pub fn from_row(row: InspectionRow, forces: Vec<String>) -> Result<Inspection, AppError> {
        Ok(Inspection {
            publication_types: json_list("publication_types", &row.publication_types)?,
            id: row.id,
            title: row.title,
            published_on: row.published_on.into(),
            report_url: row.report_url,
            key_findings: row.key_findings,
            scope: Scope {
                all_forces: row.all_forces,
                forces,
            },
            section55_deadline: row.section55_deadline.into(),
            version: row.version,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        })
    }

    /// Whether a force of this kind and id is in scope.
    pub fn covers(&self, force_id: &str, territorial: bool) -> bool {
        (self.scope.all_forces && territorial) || self.scope.forces.iter().any(|f| f == force_id)
    }
}

/// The scope of a new inspection; a list or flag left out is empty or false.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeInput {
    #[serde(default)]
    pub all_forces: bool,
    #[serde(default)]
    pub forces: Vec<String>,
}

/// `POST /v1/inspections`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInspection {
    pub title: String,
    pub published_on: Date,
    #[serde(default)]
    pub publication_types: Vec<String>,
    #[serde(default)]
    pub report_url: Option<String>,
    #[serde(default)]
    pub key_findings: String,
    #[serde(default)]
    pub scope: ScopeInput,
    /// Defaults to `published_on` + 56 days.
    #[serde(default)]
    pub section55_deadline: Option<Date>,
}

/// `PATCH /v1/inspections/{id}`: fields left out stay as they are; `report_url` and
/// `section55_deadline` may be set to null (the deadline then follows the default rule).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionPatch {
    pub title: Option<String>,
    pub published_on: Option<Date>,
    pub publication_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::validate::double_option")]
    #[schema(value_type = Option<String>)]
    pub report_url: Option<Option<String>>,
    pub key_findings: Option<String>,
    pub scope: Option<ScopeInput>,
    #[serde(default, deserialize_with = "crate::validate::double_option")]
    #[schema(value_type = Option<Date>)]
    pub section55_deadline: Option<Option<Date>>,
}

/// Filters of `GET /v1/inspections` and GraphQL `inspections`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InspectionFilter {
    /// Only inspections covering this force.
    pub force: Option<String>,
    /// Only inspections with this publication type (case-insensitive, whole type).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub published_from: Option<Date>,
    pub published_to: Option<Date>,
    /// Words in the title or key findings (case-insensitive).
    pub q: Option<String>,
}
