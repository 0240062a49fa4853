//! Reading forces and the policing body that answers for a force on a given day.

use diesel::prelude::*;

use super::model::{Force, ForceRow, PolicingBody, PolicingBodyRow};
use crate::context::Ctx;
use crate::db::DbConn;
use crate::db::schema::{forces, policing_bodies};
use crate::error::{AppError, AppResult};
use crate::types::Date;

/// Every force, by id. Forces are reference data: anyone reads them.
pub async fn list(ctx: &Ctx) -> AppResult<Vec<Force>> {
    let today = ctx.policy.today;
    ctx.db
        .run(move |conn| with_governance(conn, None, today))
        .await
}

pub async fn get(ctx: &Ctx, id: &str) -> AppResult<Force> {
    let today = ctx.policy.today;
    let id = id.to_string();
    ctx.db.run(move |conn| load(conn, &id, today)).await
}

pub fn load(conn: &mut DbConn, id: &str, today: Date) -> AppResult<Force> {
    with_governance(conn, Some(id), today)?
        .pop()
        .ok_or_else(|| AppError::not_found(format!("no force {id:?}")))
}

/// Every force, or the one `id` names, by id, each with its governance, in one statement: a
/// row per force and policing body (or one row for a force without a body), grouped here.
fn with_governance(conn: &mut DbConn, id: Option<&str>, today: Date) -> AppResult<Vec<Force>> {
    let mut query = forces::table
        .left_join(policing_bodies::table)
        .order(forces::id)
        .select((
            ForceRow::as_select(),
            Option::<PolicingBodyRow>::as_select(),
        ))
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(forces::id.eq(id));
    }
    let rows: Vec<(ForceRow, Option<PolicingBodyRow>)> = query.load(conn)?;
    let mut out = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while let Some((force, body)) = rows.next() {
        let mut bodies: Vec<PolicingBodyRow> = body.into_iter().collect();
        while let Some((_, body)) = rows.next_if(|(next, _)| next.id == force.id) {
            bodies.extend(body);
        }
        out.push(Force::from_rows(force, &bodies, today)?);
    }
    Ok(out)
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

/// Creates (`true`) or changes a force (admin).
pub async fn put_force(
    ctx: &Ctx,
    id: &str,
    pre: crate::write::Precondition,
    body: crate::write::Body<super::model::ForceInput>,
) -> AppResult<(Force, bool)> {
    use super::model::{COUNTRIES, valid_slug};
    use crate::auth::policy::{self, Action};
    policy::require_signed_in(&ctx.principal)?;
    policy::require(&ctx.principal, Action::ManageForces)?;
    let id = id.to_string();
    let c = ctx.clone();
    ctx.db
        .transaction(move |conn| {
            let existing = forces::table
                .find(&id)
                .select(ForceRow::as_select())
                .first(conn)
                .optional()?;
            pre.check_current(existing.as_ref().map(|e| e.version))?;
            let input = body.parse()?;
            let mut checks = crate::validate::Checks::new();
            if existing.is_none() && !valid_slug(&id) {
                checks.fail(
                    "force",
                    "must be lower-case words joined by hyphens, e.g. city-of-london",
                );
            }
            checks.text("name", &input.name, crate::validate::MAX_LABEL);
            if !COUNTRIES.contains(&input.country.as_str()) {
                checks.fail(
                    "country",
                    format!("must be one of {}", COUNTRIES.join(", ")),
                );
            }
            checks.finish()?;
            let today = c.policy.today;
            let before = existing
                .as_ref()
                .map(|_| load(conn, &id, today))
                .transpose()?;
            let row = ForceRow {
                id: id.clone(),
                name: input.name.trim().to_string(),
                country: input.country.clone(),
                kind: input.kind.as_str().into(),
                version: existing.as_ref().map_or(1, |f| f.version + 1),
                created_at: existing.as_ref().map_or(c.now, |f| f.created_at),
                updated_at: c.now,
            };
            if let Some(f) = &existing {
                if f.name == row.name && f.country == row.country && f.kind == row.kind {
                    return Ok((load(conn, &id, today)?, false));
                }
                diesel::update(
                    forces::table
                        .find(&id)
                        .filter(forces::version.eq(f.version)),
                )
                .set((
                    forces::name.eq(&row.name),
                    forces::country.eq(&row.country),
                    forces::kind.eq(&row.kind),
                    forces::version.eq(row.version),
                    forces::updated_at.eq(row.updated_at),
                ))
                .execute(conn)?;
            } else {
                diesel::insert_into(forces::table)
                    .values(&row)
                    .execute(conn)
                    .map_err(crate::write::lost_create_race)?;
            }
            let after = load(conn, &id, today)?;
            crate::audit::service::record(
                conn,
                &c,
                crate::audit::service::Change {
                    force_id: Some(&id),
                    inspection_id: None,
                    entity: crate::audit::model::Entity::Force,
                    entity_id: &id,
                    action: if before.is_none() { "create" } else { "update" },
                    before: before.as_ref(),
                    after: Some(&after),
                },
            )?;
            Ok((after, before.is_none()))
        })
        .await
}

/// Records a change of governance (admin): the new body answers from `valid_from`, and the one
/// in office until then stops the day before.
pub async fn add_governance(
    ctx: &Ctx,
    id: &str,
    body: crate::write::Body<super::model::GovernanceInput>,
) -> AppResult<Force> {
    use crate::auth::policy::{self, Action};
    policy::require_signed_in(&ctx.principal)?;
    let id = id.to_string();
    let c = ctx.clone();
    ctx.db
        .transaction(move |conn| {
            let today = c.policy.today;
            let before = load(conn, &id, today)?;
            policy::require(&c.principal, Action::ManageForces)?;
            let input = body.parse()?;
            let mut checks = crate::validate::Checks::new();
            checks.text("name", &input.name, crate::validate::MAX_LABEL);
            let periods = policing_bodies::table
                .filter(policing_bodies::force_id.eq(&id))
                .select(PolicingBodyRow::as_select())
                .load(conn)?;
            if periods.iter().any(|p| p.valid_from >= input.valid_from.0) {
                checks.fail(
                    "valid_from",
                    "must be after the start of every recorded period",
                );
            }
            checks.finish()?;
            let last_day = input.valid_from.0 - chrono::Duration::days(1);
            diesel::update(
                policing_bodies::table
                    .filter(policing_bodies::force_id.eq(&id))
                    .filter(policing_bodies::valid_to.is_null()),
            )
            .set(policing_bodies::valid_to.eq(Some(last_day)))
            .execute(conn)?;
            diesel::insert_into(policing_bodies::table)
                .values(PolicingBodyRow {
                    id: crate::types::new_id(),
                    force_id: id.clone(),
                    name: input.name.trim().to_string(),
                    kind: input.kind.as_str().into(),
                    valid_from: input.valid_from.0,
                    valid_to: None,
                })
                .execute(conn)?;
            let after = load(conn, &id, today)?;
            crate::audit::service::record(
                conn,
                &c,
                crate::audit::service::Change {
                    force_id: Some(&id),
                    inspection_id: None,
                    entity: crate::audit::model::Entity::PolicingBody,
                    entity_id: &id,
                    action: "create",
                    before: Some(&before),
                    after: Some(&after),
                },
            )?;
            Ok(after)
        })
        .await
}
