//! A force's worklist: every inspection in its scope, with where its response, its PCC
//! response and its Section 55 duty stand.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::policy;
use crate::context::Ctx;
use crate::db::DbConn;
use crate::db::schema::{force_responses, pcc_responses};
use crate::error::{AppError, AppResult};
use crate::inspections::model::{Inspection, InspectionFilter};
use crate::inspections::service::{Cursor, force_kind_is_territorial, page_of_known_force};
use crate::pcc_responses::model::{PccResponse, PccResponseRow, PccStatus};
use crate::responses::model::{ForceResponse, ForceResponseRow, ResponseStatus};
use crate::section55::rules::{Section55Status, status};
use crate::types::{Date, Page, decode_cursor};

/// One inspection on a force's worklist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorklistEntry {
    pub inspection: Inspection,
    /// The chief constable's response: null when none has been started, or when the caller
    /// may not see a draft.
    pub response_status: Option<ResponseStatus>,
    /// The PCC response: null when none has been started, or when the caller may not see a draft.
    pub pcc_response_status: Option<PccStatus>,
    pub section55: Section55Status,
}

/// Where the force's responses to these inspections stand.
pub struct Statuses {
    pub responses: Vec<(String, String)>,
    pub pcc: Vec<(String, String, Option<chrono::NaiveDateTime>)>,
}

pub fn statuses(conn: &mut DbConn, force: &str, inspection_ids: &[String]) -> AppResult<Statuses> {
    let responses = force_responses::table
        .filter(force_responses::force_id.eq(force))
        .filter(force_responses::inspection_id.eq_any(inspection_ids))
        .select((force_responses::inspection_id, force_responses::status))
        .load(conn)?;
    let pcc = pcc_responses::table
        .filter(pcc_responses::force_id.eq(force))
        .filter(pcc_responses::inspection_id.eq_any(inspection_ids))
        .select((
            pcc_responses::inspection_id,
            pcc_responses::status,
            pcc_responses::first_published_at,
        ))
        .load(conn)?;
    Ok(Statuses { responses, pcc })
}

/// A force's responses to one inspection of a page of its worklist, whole, where the caller
/// may read them: read with the statuses when a GraphQL query also asks for them
/// (`Inspection.forceResponse`, `pccResponse`), so that the dashboard does not read the same
/// rows twice. The page's every inspection has one, empty where there is nothing to read.
#[derive(Debug)]
pub struct Responses {
    pub inspection_id: String,
    pub force: Option<ForceResponse>,
    pub pcc: Option<PccResponse>,
}

/// [`statuses`] read from whole rows, with the responses among them the caller may read, one
/// [`Responses`] per inspection (by the rules the loaders apply: `readable_force_response`,
/// `pcc_responses::readable`).
pub fn statuses_with_responses(
    conn: &mut DbConn,
    ctx: &Ctx,
    force: &str,
    inspections: &[Inspection],
) -> AppResult<(Statuses, Vec<Responses>)> {
    let ids: Vec<&str> = inspections.iter().map(|i| i.id.as_str()).collect();
    let mut force_rows: Vec<ForceResponseRow> = force_responses::table
        .filter(force_responses::force_id.eq(force))
        .filter(force_responses::inspection_id.eq_any(&ids))
        .select(ForceResponseRow::as_select())
        .load(conn)?;
    let mut pcc_rows: Vec<PccResponseRow> = pcc_responses::table
        .filter(pcc_responses::force_id.eq(force))
        .filter(pcc_responses::inspection_id.eq_any(&ids))
        .select(PccResponseRow::as_select())
        .load(conn)?;
    let statuses = Statuses {
        responses: force_rows
            .iter()
            .map(|r| (r.inspection_id.clone(), r.status.clone()))
            .collect(),
        pcc: pcc_rows
            .iter()
            .map(|r| {
                (
                    r.inspection_id.clone(),
                    r.status.clone(),
                    r.first_published_at,
                )
            })
            .collect(),
    };
    /// The row of `rows` for the inspection, taken out.
    fn take<R>(rows: &mut Vec<R>, inspection: &str, of: impl Fn(&R) -> &str) -> Option<R> {
        let at = rows.iter().position(|r| of(r) == inspection)?;
        Some(rows.swap_remove(at))
    }
    let mut responses = Vec::with_capacity(inspections.len());
    for inspection in inspections {
        let id = inspection.id.as_str();
        let force = match take(&mut force_rows, id, |r| &r.inspection_id) {
            Some(row) => crate::responses::service::readable_force_response(ctx, row)?,
            None => None,
        };
        let pcc = match take(&mut pcc_rows, id, |r| &r.inspection_id) {
            Some(row) => {
                crate::pcc_responses::service::readable(ctx, row, inspection.section55_deadline)?
            }
            None => None,
        };
        responses.push(Responses {
            inspection_id: inspection.id.clone(),
            force,
            pcc,
        });
    }
    Ok((statuses, responses))
}

/// The Section 55 status of a force for an inspection with this `deadline`, from the PCC
/// response's first publication time.
pub fn section55_of(
    deadline: Date,
    first_published_at: Option<chrono::NaiveDateTime>,
    today: Date,
) -> Section55Status {
    status(deadline, first_published_at.map(|t| Date(t.date())), today)
}

pub fn entries(
    ctx: &Ctx,
    force: &str,
    inspections: Vec<Inspection>,
    s: &Statuses,
) -> AppResult<Vec<WorklistEntry>> {
    inspections
        .into_iter()
        .map(|inspection| {
            let response_status = s
                .responses
                .iter()
                .find(|(i, _)| *i == inspection.id)
                .map(|(_, st)| ResponseStatus::from_db(st))
                .transpose()?
                .filter(|st| {
                    let stage = crate::responses::service::stage_of(*st);
                    policy::can_read_force_work(&ctx.principal, &ctx.policy, force, stage)
                });
            let pcc = s.pcc.iter().find(|(i, ..)| *i == inspection.id);
            let pcc_response_status = pcc
                .map(|(_, st, _)| PccStatus::from_db(st))
                .transpose()?
                .filter(|st| {
                    let stage = crate::pcc_responses::service::stage_of(*st);
                    policy::can_read_force_work(&ctx.principal, &ctx.policy, force, stage)
                });
            let section55 = section55_of(
                inspection.section55_deadline,
                pcc.and_then(|(_, _, at)| *at),
                ctx.policy.today,
            );
            Ok(WorklistEntry {
                inspection,
                response_status,
                pcc_response_status,
                section55,
            })
        })
        .collect()
}

/// The force's inspections, newest first, with their statuses.
pub async fn list(
    ctx: &Ctx,
    force: &str,
    filter: InspectionFilter,
    limit: i64,
    cursor: Option<String>,
) -> AppResult<Page<WorklistEntry>> {
    let (page, _) = list_with_kind(ctx, force, None, false, filter, limit, cursor).await?;
    Ok(page)
}

/// [`list`] for a force whose kind the caller has read already (`Force.inspections` in
/// GraphQL): `territorial` is then not asked of the database again. With `with_responses`,
/// the force's responses to the page's inspections come too, whole (see [`Responses`]);
/// without, there are none.
pub async fn list_with_kind(
    ctx: &Ctx,
    force: &str,
    territorial: Option<bool>,
    with_responses: bool,
    mut filter: InspectionFilter,
    limit: i64,
    cursor: Option<String>,
) -> AppResult<(Page<WorklistEntry>, Vec<Responses>)> {
    policy::require_public_read(&ctx.principal, &ctx.policy)?;
    let after: Option<Cursor> = cursor
        .as_deref()
        .map(|c| decode_cursor("cursor", c))
        .transpose()?;
    let force = force.to_string();
    filter.force = Some(force.clone());
    let c = ctx.clone();
    ctx.db
        .run_read(move |conn| {
            let territorial = match territorial {
                Some(t) => t,
                None => force_kind_is_territorial(conn, &force)?
                    .ok_or_else(|| AppError::not_found(format!("no force {force:?}")))?,
            };
            let p = page_of_known_force(conn, &c, &filter, territorial, limit, after)?;
            let (s, responses) = if with_responses {
                statuses_with_responses(conn, &c, &force, &p.items)?
            } else {
                let ids: Vec<String> = p.items.iter().map(|i| i.id.clone()).collect();
                (statuses(conn, &force, &ids)?, Vec::new())
            };
            let items = entries(&c, &force, p.items, &s)?;
            let page = Page {
                items,
                cursors: p.cursors,
                next_cursor: p.next_cursor,
            };
            Ok((page, responses))
        })
        .await
}
