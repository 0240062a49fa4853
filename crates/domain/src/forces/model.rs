//! Force and policing body rows and their API shapes.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::{forces, policing_bodies};
use crate::error::AppError;
use crate::types::{Date, Timestamp};

crate::text_enum! {
    /// What kind of force this is.
    ForceKind {
        Territorial => "territorial",
        BritishTransportPolice => "british_transport_police",
        CivilNuclear => "civil_nuclear",
        MinistryOfDefence => "ministry_of_defence",
        NationalCrimeAgency => "national_crime_agency",
        Other => "other",
    }
}

crate::text_enum! {
    /// The kind of local policing body.
    PolicingBodyKind {
        Pcc => "pcc",
        Pfcc => "pfcc",
        Mayor => "mayor",
        CommonCouncil => "common_council",
        PolicingBoard => "policing_board",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = forces)]
pub struct ForceRow {
    pub id: String,
    pub name: String,
    pub country: String,
    pub kind: String,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = policing_bodies)]
pub struct PolicingBodyRow {
    pub id: String,
    pub force_id: String,
    pub name: String,
    pub kind: String,
    pub valid_from: chrono::NaiveDate,
    pub valid_to: Option<chrono::NaiveDate>,
}

impl PolicingBodyRow {
    pub fn in_office_on(&self, day: Date) -> bool {
        self.valid_from <= day.0 && self.valid_to.is_none_or(|to| day.0 <= to)
    }
}

/// The local policing body that answers under Section 55.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct PolicingBody {
    /// As in the reference data, e.g. `Norfolk Police and Crime Commissioner`.
    pub name: String,
    pub kind: PolicingBodyKind,
}

/// One period of a force's governance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GovernancePeriod {
    pub name: String,
    pub kind: PolicingBodyKind,
    pub valid_from: Date,
    /// Last day in office; null while in office.
    pub valid_to: Option<Date>,
}

impl TryFrom<&PolicingBodyRow> for PolicingBody {
    type Error = AppError;
    fn try_from(row: &PolicingBodyRow) -> Result<Self, AppError> {
        Ok(PolicingBody {
            name: row.name.clone(),
            kind: PolicingBodyKind::from_db(&row.kind)?,
        })
    }
}

/// A force, with the policing body in office today and its governance history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Force {
    /// Slug, e.g. `norfolk`.
    pub id: String,
    pub name: String,
    /// `england` or `wales` for territorial forces.
    pub country: String,
    pub kind: ForceKind,
    /// The body in office today; null if none is recorded.
    pub policing_body: Option<PolicingBody>,
    /// Every period of governance, oldest first.
    pub governance: Vec<GovernancePeriod>,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Force {
    pub fn from_rows(
        row: ForceRow,
        bodies: &[PolicingBodyRow],
        today: Date,
    ) -> Result<Force, AppError> {
        let mut governance = Vec::new();
        let mut current = None;
        for b in bodies.iter().filter(|b| b.force_id == row.id) {
            if b.in_office_on(today) {
                current = Some(PolicingBody::try_from(b)?);
            }
            governance.push(GovernancePeriod {
                name: b.name.clone(),
                kind: PolicingBodyKind::from_db(&b.kind)?,
                valid_from: b.valid_from.into(),
                valid_to: b.valid_to.map(Date),
            });
        }
        governance.sort_by_key(|g| g.valid_from);
        Ok(Force {
            kind: ForceKind::from_db(&row.kind)?,
            id: row.id,
            name: row.name,
            country: row.country,
            policing_body: current,
            governance,
            version: row.version,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        })
    }
}

/// `PUT /v1/forces/{force}` (admin): a new force, or a change of one.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForceInput {
    pub name: String,
    /// `england`, `wales`, `scotland`, `northern_ireland` or `united_kingdom`.
    pub country: String,
    pub kind: ForceKind,
}

/// `POST /v1/forces/{force}/governance` (admin): the body that answers from `valid_from`; the
/// body in office until then stops the day before.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GovernanceInput {
    pub name: String,
    pub kind: PolicingBodyKind,
    pub valid_from: Date,
}

pub const COUNTRIES: [&str; 5] = [
    "england",
    "wales",
    "scotland",
    "northern_ireland",
    "united_kingdom",
];

/// A force id: lower-case words joined by hyphens (`norfolk`, `city-of-london`).
pub fn valid_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}
