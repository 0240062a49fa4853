//! Counting Section 55 states per force.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::policy::{self, Action};
use crate::context::Ctx;
use crate::db::schema::{forces, inspection_forces, inspections, pcc_responses};
use crate::error::{AppError, AppResult};
use crate::section55::rules::{Section55State, status};
use crate::types::Date;

/// One force's counts.
#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq, Eq)]
pub struct ComplianceRow {
    pub force_id: String,
    pub not_due: i64,
    pub due_soon: i64,
    pub overdue: i64,
    pub published_on_time: i64,
    pub published_late: i64,
}

impl ComplianceRow {
    fn count(&mut self, state: Section55State) {
        match state {
            Section55State::NotDue => self.not_due += 1,
            Section55State::DueSoon => self.due_soon += 1,
            Section55State::Overdue => self.overdue += 1,
            Section55State::PublishedOnTime => self.published_on_time += 1,
            Section55State::PublishedLate => self.published_late += 1,
        }
    }
}

/// Every force with its counts for the inspections published in the period (inclusive; no
/// bound when absent). Inspections under embargo are not counted.
pub async fn section55(
    ctx: &Ctx,
    from: Option<Date>,
    to: Option<Date>,
) -> AppResult<Vec<ComplianceRow>> {
    policy::require_read(&ctx.principal, Action::ReadAnalytics)?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(AppError::invalid(
            "published_from",
            "must not be after published_to",
        ));
    }
    let today = ctx.policy.today;
    ctx.db
        .run_read(move |conn| {
            let all_forces: Vec<(String, String)> = forces::table
                .order(forces::id)
                .select((forces::id, forces::kind))
                .load(conn)?;
            let mut q = inspections::table
                .filter(inspections::published_on.le(today.0))
                .select((
                    inspections::id,
                    inspections::all_forces,
                    inspections::section55_deadline,
                ))
                .into_boxed();
            if let Some(f) = from {
                q = q.filter(inspections::published_on.ge(f.0));
            }
            if let Some(t) = to {
                q = q.filter(inspections::published_on.le(t.0));
            }
            let rows: Vec<(String, bool, chrono::NaiveDate)> = q.load(conn)?;
            let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
            let mut named: HashMap<String, Vec<String>> = HashMap::new();
            let mut published: HashMap<(String, String), chrono::NaiveDateTime> = HashMap::new();
            for chunk in ids.chunks(5_000) {
                let pairs: Vec<(String, String)> = inspection_forces::table
                    .filter(inspection_forces::inspection_id.eq_any(chunk))
                    .select((
                        inspection_forces::inspection_id,
                        inspection_forces::force_id,
                    ))
                    .load(conn)?;
                for (i, f) in pairs {
                    named.entry(i).or_default().push(f);
                }
                let firsts: Vec<(String, String, Option<chrono::NaiveDateTime>)> =
                    pcc_responses::table
                        .filter(pcc_responses::inspection_id.eq_any(chunk))
                        .filter(pcc_responses::first_published_at.is_not_null())
                        .select((
                            pcc_responses::force_id,
                            pcc_responses::inspection_id,
                            pcc_responses::first_published_at,
                        ))
                        .load(conn)?;
                for (f, i, at) in firsts {
                    if let Some(at) = at {
                        published.insert((f, i), at);
                    }
                }
            }
            let mut out: Vec<ComplianceRow> = Vec::with_capacity(all_forces.len());
            for (force, kind) in &all_forces {
                let mut row = ComplianceRow {
                    force_id: force.clone(),
                    ..Default::default()
                };
                for (id, all, deadline) in &rows {
                    let covered = (*all && kind == "territorial")
                        || named.get(id).is_some_and(|v| v.contains(force));
                    if !covered {
                        continue;
                    }
                    let first = published
                        .get(&(force.clone(), id.clone()))
                        .map(|t| Date(t.date()));
                    row.count(status(Date(*deadline), first, today).status);
                }
                out.push(row);
            }
            Ok(out)
        })
        .await
}
