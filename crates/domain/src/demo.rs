//! The demo data: Norfolk's published Section 55 response to "Improving the response to
//! organised immigration crime" (`demo/norfolk-organised-immigration-crime.json`, taken from
//! the real document), entered through the same service functions the API calls.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::{Principal, Role};
use crate::context::Ctx;
use crate::db::schema::inspections;
use crate::error::{AppError, AppResult};
use crate::inspections::model::NewInspection;
use crate::items::model::NewItem;
use crate::pcc_responses::model::{ChecklistInput, PccResponseInput};
use crate::responses::model::{Acceptance, ForceResponseInput, ItemResponseInput, ResponseStatus};
use crate::types::{Date, Timestamp};
use crate::write::{Body, Precondition};

const DEMO: &str = include_str!("../../../demo/norfolk-organised-immigration-crime.json");

#[derive(Deserialize)]
pub struct DemoForceResponse {
    pub comments: String,
    pub status: ResponseStatus,
}

#[derive(Deserialize)]
pub struct DemoItemResponse {
    pub acceptance: Acceptance,
    pub response: String,
}

#[derive(Deserialize)]
pub struct DemoChecklist {
    pub forwarded_to_chief_constable_on: Option<Date>,
    pub forwarded_to_police_and_crime_panel_on: Option<Date>,
    pub submitted_to_hmicfrs_portal_on: Option<Date>,
    pub sent_to_home_secretary_on: Option<Date>,
    pub published_on_opcc_website_on: Option<Date>,
}

#[derive(Deserialize)]
pub struct DemoPccResponse {
    pub comments: String,
    pub checklist: DemoChecklist,
    pub published_at: Timestamp,
}

#[derive(Deserialize)]
pub struct Demo {
    pub inspection: NewInspection,
    pub items: Vec<NewItem>,
    pub force: String,
    pub force_response: DemoForceResponse,
    /// By recommendation number.
    pub item_responses: HashMap<String, DemoItemResponse>,
    pub pcc_response: DemoPccResponse,
}

pub fn demo() -> AppResult<Demo> {
    serde_json::from_str(DEMO).map_err(|e| AppError::Internal(format!("demo data: {e}")))
}

/// Loads the demo unless its inspection is already there; says whether it loaded. `ctx` gives
/// the context of a request by a caller.
pub async fn load(ctx: &dyn Fn(Principal) -> Ctx) -> AppResult<bool> {
    let as_role = |role: Role, forces: &[&str]| ctx(Principal::new("demo-seed", &[role], forces));
    let demo = demo()?;
    let title = demo.inspection.title.clone();
    let present = as_role(Role::Admin, &[])
        .db
        .run(move |conn| {
            Ok(inspections::table
                .filter(inspections::title.eq(title))
                .select(inspections::id)
                .first::<String>(conn)
                .optional()?)
        })
        .await?;
    if present.is_some() {
        return Ok(false);
    }
    let force = demo.force.as_str();
    let hmicfrs = as_role(Role::Inspectorate, &[]);
    let inspection =
        crate::inspections::service::create(&hmicfrs, Body::Value(demo.inspection)).await?;
    let mut by_number = HashMap::new();
    for item in demo.items {
        let created =
            crate::items::service::create(&hmicfrs, &inspection.id, Body::Value(item)).await?;
        by_number.insert(created.number.to_string(), created.id);
    }
    let editor = as_role(Role::ForceEditor, &[force]);
    let mut numbers: Vec<&String> = demo.item_responses.keys().collect();
    numbers.sort_by_key(|n| n.parse::<i32>().unwrap_or(i32::MAX));
    for n in numbers {
        let answer = &demo.item_responses[n];
        let item = by_number
            .get(n)
            .ok_or_else(|| AppError::Internal(format!("demo: no recommendation {n}")))?;
        let input = ItemResponseInput {
            acceptance: Some(answer.acceptance),
            response: Some(answer.response.clone()),
            hmicfrs_status: None,
        };
        crate::responses::service::put_item_response(
            &editor,
            force,
            item,
            Precondition::Missing,
            Body::Value(input),
        )
        .await?;
    }
    let input = ForceResponseInput {
        comments: Some(demo.force_response.comments),
        status: Some(demo.force_response.status),
    };
    crate::responses::service::put_force_response(
        &editor,
        force,
        &inspection.id,
        Precondition::Missing,
        Body::Value(input),
    )
    .await?;
    let mut opcc = as_role(Role::OpccEditor, &[force]);
    opcc.now = demo.pcc_response.published_at.naive();
    let c = &demo.pcc_response.checklist;
    let input = PccResponseInput {
        comments: Some(demo.pcc_response.comments),
        checklist: Some(ChecklistInput {
            forwarded_to_chief_constable_on: Some(c.forwarded_to_chief_constable_on),
            forwarded_to_police_and_crime_panel_on: Some(c.forwarded_to_police_and_crime_panel_on),
            submitted_to_hmicfrs_portal_on: Some(c.submitted_to_hmicfrs_portal_on),
            sent_to_home_secretary_on: Some(c.sent_to_home_secretary_on),
            published_on_opcc_website_on: Some(c.published_on_opcc_website_on),
        }),
    };
    crate::pcc_responses::service::put(
        &opcc,
        force,
        &inspection.id,
        Precondition::Missing,
        Body::Value(input),
    )
    .await?;
    crate::pcc_responses::service::publish(&opcc, force, &inspection.id).await?;
    tracing::debug!(force.id = %force, inspection.id = %inspection.id, "demo loaded");
    Ok(true)
}
