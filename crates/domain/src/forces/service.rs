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
    let op = ForcePut { id: id.to_string() };
    crate::write::put(ctx, op, pre, body).await
}

/// A force, as [`put_force`] writes it.
struct ForcePut {
    id: String,
}

impl ForcePut {
    /// Checks the input and writes the force: a new row, or the change of `existing`. `None`
    /// where it changes nothing.
    fn write(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        existing: Option<ForceRow>,
        input: super::model::ForceInput,
    ) -> AppResult<Option<Force>> {
        use super::model::{COUNTRIES, valid_slug};
        let id = &self.id;
        let mut checks = crate::validate::Checks::new();
        if existing.is_none() && !valid_slug(id) {
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
        let row = ForceRow {
            id: id.clone(),
            name: input.name.trim().to_string(),
            country: input.country.clone(),
            kind: input.kind.as_str().into(),
            version: existing.as_ref().map_or(1, |f| f.version + 1),
            created_at: existing.as_ref().map_or(ctx.now, |f| f.created_at),
            updated_at: ctx.now,
        };
        match &existing {
            Some(f) if f.name == row.name && f.country == row.country && f.kind == row.kind => {
                return Ok(None);
            }
            Some(f) => crate::update_if_unchanged!(
                conn,
                forces::table.find(id),
                forces::version,
                f.version,
                (
                    forces::name.eq(&row.name),
                    forces::country.eq(&row.country),
                    forces::kind.eq(&row.kind),
                    forces::version.eq(row.version),
                    forces::updated_at.eq(row.updated_at),
                )
            )?,
            None => {
                diesel::insert_into(forces::table)
                    .values(&row)
                    .execute(conn)
                    .map_err(crate::write::lost_create_race)?;
            }
        }
        load(conn, id, ctx.policy.today).map(Some)
    }
}

impl crate::write::Update for ForcePut {
    type Resource = Force;
    /// The force's row as read.
    type Found = Option<ForceRow>;
    type Patch = super::model::ForceInput;

    fn lock(&self) -> (&'static str, Vec<(&'static str, &str)>) {
        ("forces", vec![("id", &self.id)])
    }

    fn load(&self, conn: &mut DbConn, ctx: &Ctx) -> AppResult<(Option<Force>, Option<ForceRow>)> {
        let existing = forces::table
            .find(&self.id)
            .select(ForceRow::as_select())
            .first(conn)
            .optional()?;
        let before = existing
            .as_ref()
            .map(|_| load(conn, &self.id, ctx.policy.today))
            .transpose()?;
        Ok((before, existing))
    }

    fn allow(&self, ctx: &Ctx, _: Option<&Force>, _: &Option<ForceRow>) -> AppResult<()> {
        use crate::auth::policy::{self, Action};
        policy::require(&ctx.principal, Action::ManageForces)
    }

    fn create(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        _: Option<ForceRow>,
        input: super::model::ForceInput,
    ) -> AppResult<(Force, &'static str)> {
        let created = self.write(conn, ctx, None, input)?;
        let created =
            created.ok_or_else(|| AppError::Internal("a new force wrote nothing".into()))?;
        Ok((created, "create"))
    }

    fn apply(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        _: &Force,
        existing: Option<ForceRow>,
        input: super::model::ForceInput,
    ) -> AppResult<Option<(Force, &'static str)>> {
        Ok(self
            .write(conn, ctx, existing, input)?
            .map(|after| (after, "update")))
    }

    fn audited(&self, _: &Option<ForceRow>) -> crate::write::Audited {
        crate::write::Audited {
            force_id: Some(self.id.clone()),
            inspection_id: None,
            entity: crate::audit::model::Entity::Force,
            entity_id: self.id.clone(),
        }
    }
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
