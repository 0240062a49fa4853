//! The demo data: Norfolk's published Section 55 response to "Improving the response to
//! organised immigration crime" (`demo/norfolk-organised-immigration-crime.json`, taken from
//! the real document), entered through the same service functions the API calls.

use diesel::prelude::*;
use serde::Deserialize;

use crate::app::{AppState, Ctx};
use crate::auth::{Principal, Role};
use crate::db::schema::inspections;
use crate::error::{AppError, AppResult};
use crate::inspections::model::NewInspection;
use crate::items::model::NewItem;
use crate::write::Body;

const DEMO: &str = include_str!("../demo/norfolk-organised-immigration-crime.json");

#[derive(Deserialize)]
pub struct Demo {
    pub inspection: NewInspection,
    pub items: Vec<NewItem>,
    pub force: String,
}

pub fn demo() -> AppResult<Demo> {
    serde_json::from_str(DEMO).map_err(|e| AppError::Internal(format!("demo data: {e}")))
}

fn as_role(state: &AppState, role: Role, forces: &[&str]) -> Ctx {
    state.ctx(Principal::new("demo-seed", &[role], forces))
}

/// Loads the demo unless its inspection is already there; says whether it loaded.
pub async fn load(state: &AppState) -> AppResult<bool> {
    let demo = demo()?;
    let title = demo.inspection.title.clone();
    let present = state
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
    let hmicfrs = as_role(state, Role::Inspectorate, &[]);
    let inspection =
        crate::inspections::service::create(&hmicfrs, Body::Value(demo.inspection)).await?;
    for item in demo.items {
        crate::items::service::create(&hmicfrs, &inspection.id, Body::Value(item)).await?;
    }
    tracing::debug!(force = %demo.force, inspection.id = %inspection.id, "demo inspection loaded");
    Ok(true)
}
