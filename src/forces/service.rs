//! Reading forces and the policing body that answers for a force on a given day.

use diesel::prelude::*;

use super::model::{Force, ForceRow, PolicingBody, PolicingBodyRow};
use crate::app::Ctx;
use crate::db::DbConn;
use crate::db::schema::{forces, policing_bodies};
use crate::error::{AppError, AppResult};
use crate::types::Date;

/// Every force, by id. Forces are reference data: anyone reads them.
pub async fn list(ctx: &Ctx) -> AppResult<Vec<Force>> {
    let today = ctx.policy.today;
    ctx.db
        .run(move |conn| {
            let rows = forces::table
                .order(forces::id)
                .select(ForceRow::as_select())
                .load(conn)?;
            let bodies = policing_bodies::table
                .select(PolicingBodyRow::as_select())
                .load(conn)?;
            rows.into_iter()
                .map(|r| Force::from_rows(r, &bodies, today))
                .collect()
        })
        .await
}

pub async fn get(ctx: &Ctx, id: &str) -> AppResult<Force> {
    let today = ctx.policy.today;
    let id = id.to_string();
    ctx.db.run(move |conn| load(conn, &id, today)).await
}

pub fn load(conn: &mut DbConn, id: &str, today: Date) -> AppResult<Force> {
    let row = forces::table
        .find(id)
        .select(ForceRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("no force {id:?}")))?;
    let bodies = policing_bodies::table
        .filter(policing_bodies::force_id.eq(id))
        .select(PolicingBodyRow::as_select())
        .load(conn)?;
    Force::from_rows(row, &bodies, today)
}

/// Loads several forces at once (for GraphQL loaders and lists).
pub fn load_many(conn: &mut DbConn, ids: &[String], today: Date) -> AppResult<Vec<Force>> {
    let rows = forces::table
        .filter(forces::id.eq_any(ids))
        .select(ForceRow::as_select())
        .load(conn)?;
    let bodies = policing_bodies::table
        .filter(policing_bodies::force_id.eq_any(ids))
        .select(PolicingBodyRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|r| Force::from_rows(r, &bodies, today))
        .collect()
}

/// Checks that every id names a force; the error names the first that does not.
pub fn require_exist(conn: &mut DbConn, field: &str, ids: &[String]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found: Vec<String> = forces::table
        .filter(forces::id.eq_any(ids))
        .select(forces::id)
        .load(conn)?;
    let errors: Vec<_> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !found.contains(id))
        .map(|(i, id)| crate::error::FieldError {
            field: format!("{field}[{i}]"),
            message: format!("no force {id:?}"),
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The body in office on `day` (the publication date of an inspection answers for it).
pub fn policing_body_on(
    conn: &mut DbConn,
    force: &str,
    day: Date,
) -> AppResult<Option<PolicingBody>> {
    let rows = policing_bodies::table
        .filter(policing_bodies::force_id.eq(force))
        .select(PolicingBodyRow::as_select())
        .load(conn)?;
    rows.iter()
        .find(|r| r.in_office_on(day))
        .map(PolicingBody::try_from)
        .transpose()
}

/// Ids of the territorial forces (those an all-forces inspection covers).
pub fn territorial_ids(conn: &mut DbConn) -> AppResult<Vec<String>> {
    Ok(forces::table
        .filter(forces::kind.eq("territorial"))
        .order(forces::id)
        .select(forces::id)
        .load(conn)?)
}
