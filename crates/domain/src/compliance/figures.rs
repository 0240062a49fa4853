//! Per-force figures for dashboards and analysts: open recommendations and overdue actions,
//! computed for many forces in a constant number of statements.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::auth::policy::{self, Stage};
use crate::context::Ctx;
use crate::db::DbConn;
use crate::db::schema::{
    actions, force_responses, forces, inspection_forces, inspections, item_responses, items,
};
use crate::error::AppResult;
use crate::types::json_list;

/// HMICFRS statuses that close a recommendation.
pub const CLOSED: [&str; 4] = [
    "complete",
    "no_further_action_needed",
    "superseded",
    "discharged",
];

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ForceFigures {
    /// Recommendations addressed to the force (in published inspections) that HMICFRS has not
    /// closed (complete, no further action needed, superseded or discharged).
    pub open_recommendations: i64,
    /// The force's actions past their due date, neither done nor cancelled, that the caller may read.
    pub overdue_actions: i64,
}

type RecRow = (String, String, bool, bool, bool, String);

pub fn figures(
    conn: &mut DbConn,
    ctx: &Ctx,
    wanted: &[String],
) -> AppResult<HashMap<String, ForceFigures>> {
    let today = ctx.policy.today.0;
    let kinds: Vec<(String, String)> = forces::table
        .filter(forces::id.eq_any(wanted))
        .select((forces::id, forces::kind))
        .load(conn)?;
    let recs: Vec<RecRow> = items::table
        .inner_join(inspections::table)
        .filter(items::kind.eq("recommendation"))
        .filter(inspections::published_on.le(today))
        .select((
            items::id,
            items::inspection_id,
            inspections::all_forces,
            items::to_chief_constables,
            items::to_policing_bodies,
            items::addressee_forces,
        ))
        .load(conn)?;
    let named: HashSet<(String, String)> = inspection_forces::table
        .filter(inspection_forces::force_id.eq_any(wanted))
        .select((
            inspection_forces::force_id,
            inspection_forces::inspection_id,
        ))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let closed: HashSet<(String, String)> = item_responses::table
        .filter(item_responses::force_id.eq_any(wanted))
        .filter(item_responses::hmicfrs_status.eq_any(CLOSED))
        .select((item_responses::force_id, item_responses::item_id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let overdue: Vec<(String, String, i64)> = actions::table
        .filter(actions::force_id.eq_any(wanted))
        .filter(crate::actions::rules::overdue(today))
        .group_by((actions::force_id, actions::inspection_id))
        .select((
            actions::force_id,
            actions::inspection_id,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let submitted = crate::responses::service::SubmittedWork::of(
        force_responses::table
            .filter(force_responses::force_id.eq_any(wanted))
            .filter(
                force_responses::status
                    .eq(crate::responses::model::ResponseStatus::Submitted.as_str()),
            )
            .select((force_responses::force_id, force_responses::inspection_id))
            .load::<(String, String)>(conn)?,
    );
    let mut out = HashMap::new();
    for (force, kind) in kinds {
        let territorial = kind == "territorial";
        let mut f = ForceFigures::default();
        for (item, inspection, all, to_cc, to_pb, addressees) in &recs {
            let in_scope =
                (*all && territorial) || named.contains(&(force.clone(), inspection.clone()));
            let applies = (in_scope && (*to_cc || *to_pb))
                || json_list("addressee_forces", addressees)?.contains(&force);
            if applies && !closed.contains(&(force.clone(), item.clone())) {
                f.open_recommendations += 1;
            }
        }
        for (af, inspection, n) in &overdue {
            if *af != force {
                continue;
            }
            let stage = submitted.stage(&force, inspection);
            if policy::can_read_force_work(&ctx.principal, &ctx.policy, &force, stage) {
                f.overdue_actions += n;
            }
        }
        out.insert(force, f);
    }
    Ok(out)
}

/// Figures by force id, for the forces among `forces` whose submitted work the caller may
/// read (the others are absent).
pub async fn readable(ctx: &Ctx, forces: &[String]) -> AppResult<HashMap<String, ForceFigures>> {
    let c = ctx.clone();
    let wanted: Vec<String> = forces
        .iter()
        .filter(|f| policy::can_read_force_work(&c.principal, &c.policy, f, Stage::Submitted))
        .cloned()
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    ctx.db.run(move |conn| figures(conn, &c, &wanted)).await
}
