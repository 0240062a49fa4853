//! The PCC response: reading it as the caller, writing it as the force's `opcc_editor`,
//! publishing it under Section 55(5B), and keeping every published revision.

use diesel::prelude::*;

use super::model::{
    Checklist, PccResponse, PccResponseInput, PccResponseRow, PccStatus, Revision,
    RevisionAnswerRow, RevisionRow,
};
use crate::audit::model::Entity;
use crate::auth::policy::{self, Action, Stage};
use crate::context::Ctx;
use crate::db::DbConn;
use crate::db::schema::{item_responses, pcc_response_revisions, pcc_responses};
use crate::error::{AppError, AppResult, FieldError};
use crate::forces::worklist::section55_of;
use crate::inspections::model::Inspection;
use crate::items::model::ItemKind;
use crate::responses::service::inspection_for_force;
use crate::types::{Date, Page, decode_cursor, parse_uuid, to_json_text};
use crate::validate::{Checks, MAX_TEXT};
use crate::write::{Body, Precondition};

pub fn stage_of(status: PccStatus) -> Stage {
    match status {
        PccStatus::Draft => Stage::Draft,
        PccStatus::Published => Stage::Published,
    }
}

fn load_row(
    conn: &mut DbConn,
    force: &str,
    inspection_id: &str,
) -> AppResult<Option<PccResponseRow>> {
    Ok(pcc_responses::table
        .find((force, inspection_id))
        .select(PccResponseRow::as_select())
        .first(conn)
        .optional()?)
}

/// The resource of `row`, with the Section 55 status its inspection's `deadline` gives.
fn to_resource(ctx: &Ctx, deadline: Date, row: PccResponseRow) -> AppResult<PccResponse> {
    let section55 = section55_of(deadline, row.first_published_at, ctx.policy.today);
    PccResponse::from_row(row, section55)
}

/// The PCC response in `row`, with the Section 55 status its inspection's `deadline` gives,
/// if the caller may read it (a draft: the force's people and admin; once published:
/// everyone). The one rule `read`, the loaders and the worklist share.
pub fn readable(ctx: &Ctx, row: PccResponseRow, deadline: Date) -> AppResult<Option<PccResponse>> {
    let status = PccStatus::from_db(&row.status)?;
    if !policy::can_read_force_work(&ctx.principal, &ctx.policy, &row.force_id, stage_of(status)) {
        return Ok(None);
    }
    to_resource(ctx, deadline, row).map(Some)
}

/// The PCC response, if the caller may read it (a draft: the force's people and admin;
/// once published: everyone).
pub fn read(
    conn: &mut DbConn,
    ctx: &Ctx,
    force: &str,
    inspection_id: &str,
) -> AppResult<(PccResponse, Inspection)> {
    let inspection = inspection_for_force(conn, ctx, force, inspection_id)?;
    let not_found =
        || AppError::not_found(format!("no PCC response from {force} to this inspection"));
    let row = load_row(conn, force, inspection_id)?.ok_or_else(not_found)?;
    let response = readable(ctx, row, inspection.section55_deadline)?.ok_or_else(not_found)?;
    Ok((response, inspection))
}

pub async fn get(ctx: &Ctx, force: &str, inspection_id: &str) -> AppResult<PccResponse> {
    let (force, id) = (force.to_string(), parse_uuid("id", inspection_id)?);
    let c = ctx.clone();
    ctx.db
        .run(move |conn| read(conn, &c, &force, &id).map(|(r, _)| r))
        .await
}

/// The force's part of the Section 55 document as a publication now would freeze it: the
/// chief constable's comments and each item's acceptance and narrative, from submitted work
/// only (`policy::publication_carries`). Item answers in item order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForceWorkAtPublication {
    pub submitted: bool,
    pub comments: Option<String>,
    /// (item id, acceptance, narrative).
    pub answers: Vec<(String, Option<String>, String)>,
}

pub fn force_work_now(
    conn: &mut DbConn,
    ctx: &Ctx,
    force: &str,
    inspection_id: &str,
) -> AppResult<ForceWorkAtPublication> {
    let response =
        crate::responses::service::readable_force_response_of(conn, ctx, force, inspection_id)?;
    let stage = response.as_ref().map_or(Stage::Draft, |r| {
        crate::responses::service::stage_of(r.status)
    });
    if !policy::publication_carries(stage) {
        return Ok(ForceWorkAtPublication {
            submitted: false,
            comments: None,
            answers: vec![],
        });
    }
    Ok(ForceWorkAtPublication {
        submitted: true,
        comments: response.map(|r| r.comments),
        answers: item_answers(conn, ctx, force, inspection_id)?,
    })
}

/// The force's answers to an inspection's items as they stand and as the caller may read them
/// (drafts included for those who may read drafts), by item id: (item id, acceptance,
/// narrative). For a publication once the stage allows it, and for the force's own preview
/// of the document.
pub fn item_answers(
    conn: &mut DbConn,
    ctx: &Ctx,
    force: &str,
    inspection_id: &str,
) -> AppResult<Vec<(String, Option<String>, String)>> {
    let pair = [(force.to_string(), inspection_id.to_string())];
    let mut answers: Vec<_> =
        crate::responses::service::item_responses_of_forces(conn, ctx, &pair)?
            .into_iter()
            .map(|r| {
                let acceptance = r.acceptance.map(|a| a.as_str().to_string());
                (r.item_id, acceptance, r.response)
            })
            .collect();
    answers.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(answers)
}

/// What revision `revision` froze of the force's part.
pub fn force_work_of_revision(
    conn: &mut DbConn,
    row: &RevisionRow,
) -> AppResult<ForceWorkAtPublication> {
    use crate::db::schema::pcc_revision_answers as a;
    let answers = a::table
        .filter(a::force_id.eq(&row.force_id))
        .filter(a::inspection_id.eq(&row.inspection_id))
        .filter(a::revision.eq(row.revision))
        .order(a::item_id)
        .select((a::item_id, a::acceptance, a::response))
        .load(conn)?;
    Ok(ForceWorkAtPublication {
        submitted: row.chief_constable_submitted,
        comments: row.chief_constable_comments.clone(),
        answers,
    })
}

/// Published revision `revision`, if there is one.
pub fn load_revision(
    conn: &mut DbConn,
    force: &str,
    inspection_id: &str,
    revision: i32,
) -> AppResult<Option<RevisionRow>> {
    Ok(pcc_response_revisions::table
        .find((force, inspection_id, revision))
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Freezes revision `row.revision`: the PCC's comments and checklist as they are now, and the
/// force's part as `work` holds it.
fn save_revision(
    conn: &mut DbConn,
    ctx: &Ctx,
    row: &PccResponseRow,
    work: ForceWorkAtPublication,
) -> AppResult<()> {
    let revision = RevisionRow {
        force_id: row.force_id.clone(),
        inspection_id: row.inspection_id.clone(),
        revision: row.revision,
        comments: row.comments.clone(),
        checklist: to_json_text(&Checklist::of_row(row)),
        published_at: ctx.now,
        published_by: ctx.principal.actor(),
        chief_constable_submitted: work.submitted,
        chief_constable_comments: work.comments,
    };
    diesel::insert_into(pcc_response_revisions::table)
        .values(&revision)
        .execute(conn)?;
    for (item_id, acceptance, response) in work.answers {
        diesel::insert_into(crate::db::schema::pcc_revision_answers::table)
            .values(&RevisionAnswerRow {
                force_id: row.force_id.clone(),
                inspection_id: row.inspection_id.clone(),
                revision: row.revision,
                item_id,
                acceptance,
                response,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Creates (`true`) or changes the PCC response. Once published, a change of the comments is
/// published at once as a new revision (the earlier ones stay readable); the office checklist
/// is a record of the office's steps and changes in place.
pub async fn put(
    ctx: &Ctx,
    force: &str,
    inspection_id: &str,
    pre: Precondition,
    body: Body<PccResponseInput>,
) -> AppResult<(PccResponse, bool)> {
    let op = PccResponsePut {
        force: force.to_string(),
        id: parse_uuid("id", inspection_id)?,
    };
    crate::write::put(ctx, op, pre, body).await
}

/// The `PUT` of a force's PCC response to an inspection.
struct PccResponsePut {
    force: String,
    id: String,
}

/// What reading a PCC response finds besides it: its inspection, and its row.
type PccFound = (Inspection, Option<PccResponseRow>);

impl PccResponsePut {
    /// Creates (`row` absent) or changes the response; `None` where an existing one would not
    /// change.
    fn write(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        (inspection, existing): PccFound,
        input: PccResponseInput,
    ) -> AppResult<Option<(PccResponse, &'static str)>> {
        let mut checks = Checks::new();
        if let Some(comments) = &input.comments {
            checks.optional_text("comments", comments, MAX_TEXT);
        }
        checks.finish()?;
        let new = existing.is_none();
        let mut row = existing.unwrap_or(PccResponseRow {
            force_id: self.force.clone(),
            inspection_id: self.id.clone(),
            comments: String::new(),
            status: PccStatus::Draft.as_str().into(),
            revision: 0,
            published_at: None,
            first_published_at: None,
            forwarded_to_chief_constable_on: None,
            forwarded_to_police_and_crime_panel_on: None,
            submitted_to_hmicfrs_portal_on: None,
            sent_to_home_secretary_on: None,
            published_on_opcc_website_on: None,
            version: 0,
            created_at: ctx.now,
            updated_at: ctx.now,
        });
        let comments_changed = input.comments.as_ref().is_some_and(|t| *t != row.comments);
        if let Some(t) = input.comments {
            row.comments = t;
        }
        let mut checklist = Checklist::of_row(&row);
        if let Some(ch) = &input.checklist {
            ch.apply(&mut checklist);
        }
        let checklist_changed = checklist != Checklist::of_row(&row);
        checklist.write_to(&mut row);
        if !new && !comments_changed && !checklist_changed {
            return Ok(None);
        }
        let published = row.status == PccStatus::Published.as_str();
        let amended = published && comments_changed;
        if amended {
            row.revision += 1;
            row.published_at = Some(ctx.now);
            let work = force_work_now(conn, ctx, &self.force, &self.id)?;
            save_revision(conn, ctx, &row, work)?;
        }
        row.version += 1;
        row.updated_at = ctx.now;
        if new {
            diesel::insert_into(pcc_responses::table)
                .values(&row)
                .execute(conn)
                .map_err(crate::write::lost_create_race)?;
        } else {
            crate::update_if_unchanged!(
                conn,
                pcc_responses::table.find((&self.force, &self.id)),
                pcc_responses::version,
                row.version - 1,
                &row
            )?;
        }
        let action = match (new, amended) {
            (true, _) => "create",
            (false, true) => "amend",
            (false, false) => "update",
        };
        Ok(Some((
            to_resource(ctx, inspection.section55_deadline, row)?,
            action,
        )))
    }
}

impl crate::write::Update for PccResponsePut {
    type Resource = PccResponse;
    type Found = PccFound;
    type Patch = PccResponseInput;

    fn lock(&self) -> (&'static str, Vec<(&'static str, &str)>) {
        (
            "pcc_responses",
            vec![("force_id", &self.force), ("inspection_id", &self.id)],
        )
    }

    fn load(&self, conn: &mut DbConn, ctx: &Ctx) -> AppResult<(Option<PccResponse>, PccFound)> {
        let inspection = inspection_for_force(conn, ctx, &self.force, &self.id)?;
        let existing = load_row(conn, &self.force, &self.id)?;
        let before = existing
            .as_ref()
            .map(|r| to_resource(ctx, inspection.section55_deadline, r.clone()))
            .transpose()?;
        Ok((before, (inspection, existing)))
    }

    fn allow(&self, ctx: &Ctx, before: Option<&PccResponse>, _: &PccFound) -> AppResult<()> {
        let stage = before.map_or(Stage::Draft, |r| stage_of(r.status));
        let force = &self.force;
        policy::require_read_force_work(&ctx.principal, &ctx.policy, force, stage, "PCC response")?;
        policy::require(&ctx.principal, Action::EditPccResponse { force })
    }

    fn create(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        found: PccFound,
        input: PccResponseInput,
    ) -> AppResult<(PccResponse, &'static str)> {
        self.write(conn, ctx, found, input)?
            .ok_or_else(|| AppError::Internal("a new PCC response wrote nothing".into()))
    }

    fn apply(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        _: &PccResponse,
        found: PccFound,
        input: PccResponseInput,
    ) -> AppResult<Option<(PccResponse, &'static str)>> {
        self.write(conn, ctx, found, input)
    }

    fn audited(&self, _: &PccFound) -> crate::write::Audited {
        crate::write::Audited {
            force_id: Some(self.force.clone()),
            inspection_id: Some(self.id.clone()),
            entity: Entity::PccResponse,
            entity_id: format!("{}/{}", self.force, self.id),
        }
    }
}

/// Section 55(5B): the recommendations addressed to the force that have no response yet.
pub fn unanswered_recommendations(
    conn: &mut DbConn,
    force: &str,
    inspection: &Inspection,
    territorial: bool,
) -> AppResult<Vec<(String, i32)>> {
    let items = crate::items::service::for_inspection(conn, &inspection.id)?;
    let in_scope = inspection.covers(force, territorial);
    let answered: Vec<String> = item_responses::table
        .filter(item_responses::force_id.eq(force))
        .filter(item_responses::inspection_id.eq(&inspection.id))
        .filter(item_responses::acceptance.is_not_null())
        .select(item_responses::item_id)
        .load(conn)?;
    Ok(items
        .into_iter()
        .filter(|i| i.kind == ItemKind::Recommendation && i.applies_to(force, in_scope))
        .filter(|i| !answered.contains(&i.id))
        .map(|i| (i.id, i.number))
        .collect())
}

/// Publishes the PCC response, freezing what the document then carries as a new revision.
/// Refused with `422` naming each recommendation addressed to the force that has no response
/// yet. Publishing again what is published makes a new revision only where the force's
/// submitted work has moved on since the latest one (it reaches the public no other way);
/// otherwise it changes nothing.
pub async fn publish(ctx: &Ctx, force: &str, inspection_id: &str) -> AppResult<PccResponse> {
    let op = PccPublication(PccResponsePut {
        force: force.to_string(),
        id: parse_uuid("id", inspection_id)?,
    });
    crate::write::update(ctx, op, Precondition::Unconditional, Body::Value(())).await
}

/// The publication of a PCC response ([`publish`]): an action on the resource
/// [`PccResponsePut`] writes, read and allowed as that is.
struct PccPublication(PccResponsePut);

impl crate::write::Update for PccPublication {
    type Resource = PccResponse;
    type Found = PccFound;
    type Patch = ();

    fn lock(&self) -> (&'static str, Vec<(&'static str, &str)>) {
        self.0.lock()
    }

    fn load(&self, conn: &mut DbConn, ctx: &Ctx) -> AppResult<(Option<PccResponse>, PccFound)> {
        self.0.load(conn, ctx)
    }

    fn allow(&self, ctx: &Ctx, before: Option<&PccResponse>, found: &PccFound) -> AppResult<()> {
        self.0.allow(ctx, before, found)
    }

    fn create(
        &self,
        _: &mut DbConn,
        _: &Ctx,
        _: PccFound,
        _: (),
    ) -> AppResult<(PccResponse, &'static str)> {
        Err(AppError::not_found(format!(
            "no PCC response from {} to this inspection",
            self.0.force
        )))
    }

    fn apply(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        _: &PccResponse,
        (inspection, row): PccFound,
        _: (),
    ) -> AppResult<Option<(PccResponse, &'static str)>> {
        let (force, id) = (&self.0.force, &self.0.id);
        let mut row =
            row.ok_or_else(|| AppError::Internal("a PCC response read without its row".into()))?;
        let work = force_work_now(conn, ctx, force, id)?;
        let republishing = row.status == PccStatus::Published.as_str();
        if republishing {
            let latest = load_revision(conn, force, id, row.revision)?
                .ok_or_else(|| AppError::Internal("the latest revision is missing".into()))?;
            if force_work_of_revision(conn, &latest)? == work {
                return Ok(None);
            }
        }
        let territorial =
            crate::inspections::service::force_kind_is_territorial(conn, force)?.unwrap_or(false);
        let missing = unanswered_recommendations(conn, force, &inspection, territorial)?;
        if !missing.is_empty() {
            let numbers: Vec<String> = missing.iter().map(|(_, n)| n.to_string()).collect();
            let errors = missing
                .iter()
                .map(|(item, n)| FieldError {
                    field: format!("recommendations[{n}]"),
                    message: format!(
                        "recommendation {n} (item {item}) has no response from {force} yet"
                    ),
                })
                .collect();
            tracing::info!(force.id = %force, recommendations = %numbers.join(","), "publication refused under section 55(5B)");
            return Err(AppError::Validation(errors));
        }
        row.status = PccStatus::Published.as_str().into();
        row.revision += 1;
        row.published_at = Some(ctx.now);
        row.first_published_at = Some(row.first_published_at.unwrap_or(ctx.now));
        row.version += 1;
        row.updated_at = ctx.now;
        save_revision(conn, ctx, &row, work)?;
        crate::update_if_unchanged!(
            conn,
            pcc_responses::table.find((force, id)),
            pcc_responses::version,
            row.version - 1,
            &row
        )?;
        let action = if republishing { "amend" } else { "publish" };
        Ok(Some((
            to_resource(ctx, inspection.section55_deadline, row)?,
            action,
        )))
    }

    fn audited(&self, found: &PccFound) -> crate::write::Audited {
        self.0.audited(found)
    }
}

/// Every published revision, oldest first.
pub async fn revisions(
    ctx: &Ctx,
    force: &str,
    inspection_id: &str,
    limit: i64,
    cursor: Option<String>,
) -> AppResult<Page<Revision>> {
    let (force, id) = (force.to_string(), parse_uuid("id", inspection_id)?);
    let after: Option<i32> = cursor
        .as_deref()
        .map(|c| decode_cursor("cursor", c))
        .transpose()?;
    let c = ctx.clone();
    ctx.db
        .run(move |conn| {
            read(conn, &c, &force, &id)?;
            let mut q = pcc_response_revisions::table
                .filter(pcc_response_revisions::force_id.eq(&force))
                .filter(pcc_response_revisions::inspection_id.eq(&id))
                .select(RevisionRow::as_select())
                .into_boxed();
            if let Some(r) = after {
                q = q.filter(pcc_response_revisions::revision.gt(r));
            }
            let rows = q
                .order(pcc_response_revisions::revision)
                .limit(limit + 1)
                .load(conn)?;
            Page::from_rows(rows, limit, |r: &RevisionRow| r.revision)
                .try_map_all(|rows| rows.into_iter().map(Revision::from_row).collect())
        })
        .await
}

/// PCC responses of many (force, inspection) pairs the caller may read, for loaders.
pub fn for_pairs(
    conn: &mut DbConn,
    ctx: &Ctx,
    pairs: &[(String, String)],
) -> AppResult<Vec<PccResponse>> {
    use crate::db::schema::inspections;
    let batch = crate::db::PairBatch::new(pairs);
    // Each response with its inspection's deadline, in one statement (the Section 55 status
    // needs both). The inspections are named on both sides of the join: given only the
    // responses' side, PostgreSQL's generic plan read all 1,500 inspections into a hash
    // (0.7 ms, `EXPLAIN ANALYZE`); given both, it merges two index ranges (0.1 ms).
    let rows: Vec<(PccResponseRow, chrono::NaiveDate)> = pcc_responses::table
        .inner_join(inspections::table.on(inspections::id.eq(pcc_responses::inspection_id)))
        .filter(pcc_responses::force_id.eq_any(batch.firsts()))
        .filter(pcc_responses::inspection_id.eq_any(batch.seconds()))
        .filter(inspections::id.eq_any(batch.seconds()))
        .select((PccResponseRow::as_select(), inspections::section55_deadline))
        .load(conn)?;
    let mut out = Vec::new();
    for (row, deadline) in rows {
        if !batch.asked(&row.force_id, &row.inspection_id) {
            continue;
        }
        out.extend(readable(ctx, row, Date(deadline))?);
    }
    Ok(out)
}
