//! Publishing, changing, finding and reading inspections.

use diesel::prelude::*;

use super::model::{
    Inspection, InspectionFilter, InspectionPatch, InspectionRow, NewInspection, ScopeInput,
};
use crate::audit::model::Entity;
use crate::audit::service::{Change, record};
use crate::auth::policy::{self, Action};
use crate::context::Ctx;
use crate::db::schema::{forces, inspection_forces, inspections};
use crate::db::{DbConn, lower};
use crate::error::{AppError, AppResult};
use crate::section55::rules::default_deadline;
use crate::types::{Date, Page, decode_cursor, new_id, to_json_text};
use crate::validate::{Checks, MAX_TEXT, MAX_TITLE, tidy_labels};
use crate::write::{Body, Precondition};

/// Loads an inspection row the caller may read, or `404`.
pub fn load_visible(conn: &mut DbConn, ctx: &Ctx, id: &str) -> AppResult<InspectionRow> {
    let row = inspections::table
        .find(id)
        .select(InspectionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("no such inspection"))?;
    policy::require_read_inspection(&ctx.principal, &ctx.policy, row.published_on.into())?;
    Ok(row)
}

/// The forces named in each inspection's scope.
pub fn scope_forces(conn: &mut DbConn, ids: &[String]) -> AppResult<Vec<(String, String)>> {
    Ok(inspection_forces::table
        .filter(inspection_forces::inspection_id.eq_any(ids))
        .order((
            inspection_forces::inspection_id,
            inspection_forces::force_id,
        ))
        .select((
            inspection_forces::inspection_id,
            inspection_forces::force_id,
        ))
        .load(conn)?)
}

/// Turns rows into inspections, loading their scopes in one query.
pub fn with_scopes(conn: &mut DbConn, rows: Vec<InspectionRow>) -> AppResult<Vec<Inspection>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let pairs = scope_forces(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let forces = pairs
                .iter()
                .filter(|(i, _)| *i == row.id)
                .map(|(_, f)| f.clone())
                .collect();
            Inspection::from_row(row, forces)
        })
        .collect()
}

pub fn load_one(conn: &mut DbConn, ctx: &Ctx, id: &str) -> AppResult<Inspection> {
    let row = load_visible(conn, ctx, id)?;
    with_scopes(conn, vec![row]).map(|mut v| v.remove(0))
}

pub async fn get(ctx: &Ctx, id: &str) -> AppResult<Inspection> {
    let id = crate::types::parse_uuid("id", id)?;
    let c = ctx.clone();
    ctx.db.run(move |conn| load_one(conn, &c, &id)).await
}

/// Whether the force is territorial (covered by all-forces inspections); `None` if unknown.
pub fn force_kind_is_territorial(conn: &mut DbConn, force: &str) -> AppResult<Option<bool>> {
    Ok(forces::table
        .find(force)
        .select(forces::kind)
        .first::<String>(conn)
        .optional()?
        .map(|k| k == "territorial"))
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub type Cursor = (Date, String);

/// Inspections the caller may read, newest first.
pub async fn list(
    ctx: &Ctx,
    filter: InspectionFilter,
    limit: i64,
    cursor: Option<String>,
) -> AppResult<Page<Inspection>> {
    policy::require_public_read(&ctx.principal, &ctx.policy)?;
    let after: Option<Cursor> = cursor
        .as_deref()
        .map(|c| decode_cursor("cursor", c))
        .transpose()?;
    let c = ctx.clone();
    ctx.db
        .run_read(move |conn| page(conn, &c, &filter, limit, after))
        .await
}

/// One page of the inspections the caller may read that match the filter.
pub fn page(
    conn: &mut DbConn,
    c: &Ctx,
    filter: &InspectionFilter,
    limit: i64,
    after: Option<Cursor>,
) -> AppResult<Page<Inspection>> {
    let territorial = match &filter.force {
        Some(force) => force_kind_is_territorial(conn, force)?
            .ok_or_else(|| AppError::invalid("force", format!("no force {force:?}")))?,
        None => false,
    };
    page_of_known_force(conn, c, filter, territorial, limit, after)
}

/// [`page`] where the caller has already looked up the filter's force (a worklist checks it
/// exists first): `territorial` says whether it is, and is ignored without a force.
pub fn page_of_known_force(
    conn: &mut DbConn,
    c: &Ctx,
    filter: &InspectionFilter,
    territorial: bool,
    limit: i64,
    after: Option<Cursor>,
) -> AppResult<Page<Inspection>> {
    if let (Some(from), Some(to)) = (filter.published_from, filter.published_to)
        && from > to
    {
        return Err(AppError::invalid(
            "published_from",
            "must not be after published_to",
        ));
    }
    let mut query = inspections::table
        .select(InspectionRow::as_select())
        .into_boxed();
    if !policy::sees_embargoed(&c.principal) {
        query = query.filter(inspections::published_on.le(c.policy.today.0));
    }
    if let Some(force) = &filter.force {
        let named = inspection_forces::table
            .filter(inspection_forces::force_id.eq(force.clone()))
            .select(inspection_forces::inspection_id);
        query = if territorial {
            query.filter(
                inspections::all_forces
                    .eq(true)
                    .or(inspections::id.eq_any(named)),
            )
        } else {
            query.filter(inspections::id.eq_any(named))
        };
    }
    if let Some(kind) = filter
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        let pattern = format!("%{}%", like_escape(&to_json_text(&kind.to_lowercase())));
        query = query.filter(
            lower(inspections::publication_types)
                .like(pattern)
                .escape('\\'),
        );
    }
    if let Some(from) = filter.published_from {
        query = query.filter(inspections::published_on.ge(from.0));
    }
    if let Some(to) = filter.published_to {
        query = query.filter(inspections::published_on.le(to.0));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", like_escape(&q.to_lowercase()));
        query = query.filter(
            lower(inspections::title)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(inspections::key_findings).like(pattern).escape('\\')),
        );
    }
    if let Some((date, id)) = &after {
        query = query.filter(
            inspections::published_on
                .lt(date.0)
                .or(inspections::published_on
                    .eq(date.0)
                    .and(inspections::id.lt(id.clone()))),
        );
    }
    let rows = query
        .order((inspections::published_on.desc(), inspections::id.desc()))
        .limit(limit + 1)
        .load(conn)?;
    Page::from_rows(rows, limit, |r: &InspectionRow| {
        (Date(r.published_on), r.id.clone())
    })
    .try_map_all(|rows| with_scopes(conn, rows))
}

fn check_scope(checks: &mut Checks, scope: &ScopeInput) {
    if !scope.all_forces && scope.forces.is_empty() {
        checks.fail("scope", "must cover all forces or name at least one");
    }
}

/// Publishes (records) a new inspection.
pub async fn create(ctx: &Ctx, body: Body<NewInspection>) -> AppResult<Inspection> {
    policy::require(&ctx.principal, Action::ManageInspections)?;
    let mut input = body.parse()?;
    input.title = input.title.trim().to_string();
    input.publication_types = tidy_labels(input.publication_types);
    let mut checks = Checks::new();
    checks.text("title", &input.title, MAX_TITLE);
    checks.labels("publication_types", &input.publication_types);
    if let Some(url) = &input.report_url {
        checks.url("report_url", url);
    }
    checks.optional_text("key_findings", &input.key_findings, MAX_TEXT);
    check_scope(&mut checks, &input.scope);
    if let Some(deadline) = input.section55_deadline
        && deadline < input.published_on
    {
        checks.fail("section55_deadline", "must not be before published_on");
    }
    checks.finish()?;
    let c = ctx.clone();
    ctx.db
        .transaction(move |conn| {
            let forces = dedup(input.scope.forces.clone());
            crate::forces::service::require_exist(conn, "scope.forces", &forces)?;
            let row = InspectionRow {
                id: new_id(),
                title: input.title,
                published_on: input.published_on.0,
                publication_types: to_json_text(&input.publication_types),
                report_url: input.report_url,
                key_findings: input.key_findings,
                all_forces: input.scope.all_forces,
                section55_deadline: input
                    .section55_deadline
                    .unwrap_or(default_deadline(input.published_on))
                    .0,
                deadline_explicit: input.section55_deadline.is_some(),
                version: 1,
                created_at: c.now,
                updated_at: c.now,
            };
            diesel::insert_into(inspections::table)
                .values(&row)
                .execute(conn)?;
            set_scope(conn, &row.id, &forces)?;
            let created = Inspection::from_row(row, forces)?;
            record(
                conn,
                &c,
                Change::<(), _> {
                    force_id: None,
                    inspection_id: Some(&created.id),
                    entity: Entity::Inspection,
                    entity_id: &created.id,
                    action: "create",
                    before: None,
                    after: Some(&created),
                },
            )?;
            Ok(created)
        })
        .await
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn set_scope(conn: &mut DbConn, id: &str, forces: &[String]) -> AppResult<()> {
    diesel::delete(inspection_forces::table.filter(inspection_forces::inspection_id.eq(id)))
        .execute(conn)?;
    for f in forces {
        diesel::insert_into(inspection_forces::table)
            .values((
                inspection_forces::inspection_id.eq(id),
                inspection_forces::force_id.eq(f),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Changes an inspection; fields left out stay as they are.
pub async fn update(
    ctx: &Ctx,
    id: &str,
    pre: Precondition,
    body: Body<InspectionPatch>,
) -> AppResult<Inspection> {
    let id = crate::types::parse_uuid("id", id)?;
    crate::write::update(ctx, InspectionUpdate { id }, pre, body).await
}

struct InspectionUpdate {
    id: String,
}

impl crate::write::Update for InspectionUpdate {
    type Resource = Inspection;
    type Found = ();
    type Patch = InspectionPatch;

    fn lock(&self) -> (&'static str, Vec<(&'static str, &str)>) {
        ("inspections", vec![("id", &self.id)])
    }

    fn load(&self, conn: &mut DbConn, ctx: &Ctx) -> AppResult<(Option<Inspection>, ())> {
        Ok((Some(load_one(conn, ctx, &self.id)?), ()))
    }

    fn allow(&self, ctx: &Ctx, _: Option<&Inspection>, _: &()) -> AppResult<()> {
        policy::require(&ctx.principal, Action::ManageInspections)
    }

    fn apply(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        before: &Inspection,
        _: (),
        patch: InspectionPatch,
    ) -> AppResult<Option<(Inspection, &'static str)>> {
        let id = &self.id;
        let mut row = inspections::table
            .find(id)
            .select(InspectionRow::as_select())
            .first(conn)?;
        let was_explicit = row.deadline_explicit;
        let mut checks = Checks::new();
        if let Some(title) = patch.title {
            row.title = title.trim().to_string();
            checks.text("title", &row.title, MAX_TITLE);
        }
        if let Some(types) = patch.publication_types {
            let types = tidy_labels(types);
            checks.labels("publication_types", &types);
            row.publication_types = to_json_text(&types);
        }
        if let Some(url) = patch.report_url {
            if let Some(u) = &url {
                checks.url("report_url", u);
            }
            row.report_url = url;
        }
        if let Some(k) = patch.key_findings {
            checks.optional_text("key_findings", &k, MAX_TEXT);
            row.key_findings = k;
        }
        let mut forces = before.scope.forces.clone();
        if let Some(scope) = &patch.scope {
            check_scope(&mut checks, scope);
            row.all_forces = scope.all_forces;
            forces = dedup(scope.forces.clone());
        }
        if let Some(p) = patch.published_on {
            row.published_on = p.0;
        }
        match patch.section55_deadline {
            Some(Some(d)) => {
                row.section55_deadline = d.0;
                row.deadline_explicit = true;
            }
            Some(None) => row.deadline_explicit = false,
            None => {}
        }
        if !row.deadline_explicit {
            row.section55_deadline = default_deadline(row.published_on.into()).0;
        }
        if row.section55_deadline < row.published_on {
            checks.fail("section55_deadline", "must not be before published_on");
        }
        checks.finish()?;
        crate::forces::service::require_exist(conn, "scope.forces", &forces)?;
        let unchanged = {
            let candidate = Inspection::from_row(row.clone(), forces.clone())?;
            same_content(&candidate, before) && was_explicit == row.deadline_explicit
        };
        if unchanged {
            return Ok(None);
        }
        row.version = before.version + 1;
        row.updated_at = ctx.now;
        crate::update_if_unchanged!(
            conn,
            inspections::table.find(id),
            inspections::version,
            before.version,
            &row
        )?;
        if patch.scope.is_some() {
            set_scope(conn, id, &forces)?;
        }
        Ok(Some((Inspection::from_row(row, forces)?, "update")))
    }

    fn audited(&self, _: &()) -> crate::write::Audited {
        crate::write::Audited {
            force_id: None,
            inspection_id: Some(self.id.clone()),
            entity: Entity::Inspection,
            entity_id: self.id.clone(),
        }
    }
}

fn same_content(a: &Inspection, b: &Inspection) -> bool {
    a.title == b.title
        && a.published_on == b.published_on
        && a.publication_types == b.publication_types
        && a.report_url == b.report_url
        && a.key_findings == b.key_findings
        && a.scope == b.scope
        && a.section55_deadline == b.section55_deadline
}

/// Inspections by id, for GraphQL loaders (visibility is checked by the caller).
pub fn load_many(conn: &mut DbConn, ids: &[String]) -> AppResult<Vec<Inspection>> {
    let rows = inspections::table
        .filter(inspections::id.eq_any(ids))
        .select(InspectionRow::as_select())
        .load(conn)?;
    with_scopes(conn, rows)
}
