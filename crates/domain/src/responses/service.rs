//! The chief constable's response and the item responses: finding them as the caller,
//! writing them under the policy, and the rules of their status.

use std::sync::Arc;

use diesel::prelude::*;

use super::model::{
    ForceResponse, ForceResponseInput, ForceResponseRow, ItemResponse, ItemResponseHead,
    ItemResponseInput, ItemResponseRow, NarrowResponseRow, ResponseStatus,
};
use crate::actions::service::ActionCounts;
use crate::audit::model::Entity;
use crate::auth::policy::{self, Action, Stage};
use crate::context::Ctx;
use crate::db::DbConn;
use crate::db::schema::{force_responses, item_responses};
use crate::error::{AppError, AppResult};
use crate::inspections::model::Inspection;
use crate::inspections::service::{force_kind_is_territorial, load_one};
use crate::items::model::Item;
use crate::types::{Read, parse_uuid};
use crate::validate::{Checks, MAX_TEXT};
use crate::write::{Body, Precondition};

/// An inspection as seen for one force: readable by the caller and covering the force.
pub fn inspection_for_force(
    conn: &mut DbConn,
    ctx: &Ctx,
    force: &str,
    inspection_id: &str,
) -> AppResult<Inspection> {
    let territorial = force_kind_is_territorial(conn, force)?
        .ok_or_else(|| AppError::not_found(format!("no force {force:?}")))?;
    let inspection = load_one(conn, ctx, inspection_id)?;
    if !inspection.covers(force, territorial) {
        return Err(AppError::not_found(format!(
            "the inspection does not cover {force}"
        )));
    }
    Ok(inspection)
}

/// An item as seen for one force: its inspection readable, and the item addressed to the force.
pub fn item_for_force(
    conn: &mut DbConn,
    ctx: &Ctx,
    force: &str,
    item_id: &str,
) -> AppResult<(Item, Inspection, bool)> {
    let territorial = force_kind_is_territorial(conn, force)?
        .ok_or_else(|| AppError::not_found(format!("no force {force:?}")))?;
    let (item, inspection) = crate::items::service::load_visible(conn, ctx, item_id)?;
    let in_scope = inspection.covers(force, territorial);
    if !item.applies_to(force, in_scope) {
        return Err(AppError::not_found(format!(
            "the item is not addressed to {force}"
        )));
    }
    Ok((item, inspection, in_scope))
}

/// How far the force's work on an inspection has gone: submitted once the chief constable's
/// response is submitted. Item responses and actions follow it.
pub fn work_stage(conn: &mut DbConn, force: &str, inspection_id: &str) -> AppResult<Stage> {
    let status: Option<String> = force_responses::table
        .find((force, inspection_id))
        .select(force_responses::status)
        .first(conn)
        .optional()?;
    Ok(status
        .as_deref()
        .map(ResponseStatus::from_db)
        .transpose()?
        .map_or(Stage::Draft, stage_of))
}

/// Which (force, inspection) pairs have a submitted chief constable's response: the stage of
/// the force's work on each, for loaders and cross-force lists. (Inspection → forces, so that
/// asking needs no allocation: loaders ask once per row.)
#[derive(Debug, Default)]
pub struct SubmittedWork(foldhash::HashMap<String, foldhash::HashSet<String>>);

impl SubmittedWork {
    /// From (force, inspection) pairs.
    pub fn of(pairs: impl IntoIterator<Item = (String, String)>) -> SubmittedWork {
        let mut by_inspection: foldhash::HashMap<_, foldhash::HashSet<_>> = Default::default();
        for (force, inspection) in pairs {
            by_inspection.entry(inspection).or_default().insert(force);
        }
        SubmittedWork(by_inspection)
    }

    pub fn stage(&self, force: &str, inspection: &str) -> Stage {
        if self.0.get(inspection).is_some_and(|f| f.contains(force)) {
            Stage::Submitted
        } else {
            Stage::Draft
        }
    }
}

/// The submitted pairs among these inspections.
pub fn submitted_work(conn: &mut DbConn, inspection_ids: &[String]) -> AppResult<SubmittedWork> {
    Ok(SubmittedWork::of(
        force_responses::table
            .filter(force_responses::inspection_id.eq_any(inspection_ids))
            .filter(
                force_responses::status
                    .eq(crate::responses::model::ResponseStatus::Submitted.as_str()),
            )
            .select((force_responses::force_id, force_responses::inspection_id))
            .load::<(String, String)>(conn)?,
    ))
}

fn load_force_response_row(
    conn: &mut DbConn,
    force: &str,
    inspection_id: &str,
) -> AppResult<Option<ForceResponseRow>> {
    Ok(force_responses::table
        .find((force, inspection_id))
        .select(ForceResponseRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn stage_of(status: ResponseStatus) -> Stage {
    match status {
        ResponseStatus::Draft => Stage::Draft,
        ResponseStatus::Submitted => Stage::Submitted,
    }
}

/// The chief constable's response in `row`, if the caller may read it (the one rule the
/// loaders, the worklist and `read_force_response` share).
pub fn readable_force_response(
    ctx: &Ctx,
    row: ForceResponseRow,
) -> AppResult<Option<ForceResponse>> {
    let response = ForceResponse::from_row(row)?;
    Ok(policy::can_read_force_work(
        &ctx.principal,
        &ctx.policy,
        &response.force_id,
        stage_of(response.status),
    )
    .then_some(response))
}

/// The chief constable's response, if the caller may read it.
pub fn read_force_response(
    conn: &mut DbConn,
    ctx: &Ctx,
    force: &str,
    inspection_id: &str,
) -> AppResult<ForceResponse> {
    inspection_for_force(conn, ctx, force, inspection_id)?;
    let not_found = || AppError::not_found(format!("no response from {force} to this inspection"));
    let row = load_force_response_row(conn, force, inspection_id)?.ok_or_else(not_found)?;
    readable_force_response(ctx, row)?.ok_or_else(not_found)
}

pub async fn get_force_response(
    ctx: &Ctx,
    force: &str,
    inspection_id: &str,
) -> AppResult<ForceResponse> {
    let (force, id) = (force.to_string(), parse_uuid("id", inspection_id)?);
    let c = ctx.clone();
    ctx.db
        .run(move |conn| read_force_response(conn, &c, &force, &id))
        .await
}

/// A submitted response stays submitted.
pub fn require_response_move(from: ResponseStatus, to: ResponseStatus) -> AppResult<()> {
    if from == ResponseStatus::Submitted && to == ResponseStatus::Draft {
        return Err(AppError::Conflict(
            "a submitted response does not go back to draft".into(),
        ));
    }
    Ok(())
}

/// Creates (`true`) or changes the chief constable's response.
pub async fn put_force_response(
    ctx: &Ctx,
    force: &str,
    inspection_id: &str,
    pre: Precondition,
    body: Body<ForceResponseInput>,
) -> AppResult<(ForceResponse, bool)> {
    let op = ForceResponsePut {
        force: force.to_string(),
        id: parse_uuid("id", inspection_id)?,
    };
    crate::write::put(ctx, op, pre, body).await
}

/// The `PUT` of a force's response to an inspection.
struct ForceResponsePut {
    force: String,
    id: String,
}

impl ForceResponsePut {
    fn checked(input: &ForceResponseInput) -> AppResult<()> {
        let mut checks = Checks::new();
        if let Some(comments) = &input.comments {
            checks.optional_text("comments", comments, MAX_TEXT);
        }
        checks.finish()
    }
}

impl crate::write::Update for ForceResponsePut {
    type Resource = ForceResponse;
    type Found = ();
    type Patch = ForceResponseInput;

    fn lock(&self) -> (&'static str, Vec<(&'static str, &str)>) {
        (
            "force_responses",
            vec![("force_id", &self.force), ("inspection_id", &self.id)],
        )
    }

    fn load(&self, conn: &mut DbConn, ctx: &Ctx) -> AppResult<(Option<ForceResponse>, ())> {
        inspection_for_force(conn, ctx, &self.force, &self.id)?;
        let existing = load_force_response_row(conn, &self.force, &self.id)?
            .map(ForceResponse::from_row)
            .transpose()?;
        Ok((existing, ()))
    }

    fn allow(&self, ctx: &Ctx, before: Option<&ForceResponse>, _: &()) -> AppResult<()> {
        let stage = before.map_or(Stage::Draft, |r| stage_of(r.status));
        let force = &self.force;
        policy::require_read_force_work(&ctx.principal, &ctx.policy, force, stage, "response")?;
        policy::require(&ctx.principal, Action::EditForceResponse { force })
    }

    fn create(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        _: (),
        input: ForceResponseInput,
    ) -> AppResult<(ForceResponse, &'static str)> {
        Self::checked(&input)?;
        let status = input.status.unwrap_or(ResponseStatus::Draft);
        let row = ForceResponseRow {
            force_id: self.force.clone(),
            inspection_id: self.id.clone(),
            comments: input.comments.unwrap_or_default(),
            status: status.as_str().into(),
            submitted_at: (status == ResponseStatus::Submitted).then_some(ctx.now),
            version: 1,
            created_at: ctx.now,
            updated_at: ctx.now,
        };
        diesel::insert_into(force_responses::table)
            .values(&row)
            .execute(conn)
            .map_err(crate::write::lost_create_race)?;
        let action = match status {
            ResponseStatus::Submitted => "submit",
            ResponseStatus::Draft => "create",
        };
        Ok((ForceResponse::from_row(row)?, action))
    }

    fn apply(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        before: &ForceResponse,
        _: (),
        input: ForceResponseInput,
    ) -> AppResult<Option<(ForceResponse, &'static str)>> {
        Self::checked(&input)?;
        let status = input.status.unwrap_or(before.status);
        require_response_move(before.status, status)?;
        let comments = input.comments.unwrap_or_else(|| before.comments.clone());
        if status == before.status && comments == before.comments {
            return Ok(None);
        }
        let submitting =
            status == ResponseStatus::Submitted && before.status == ResponseStatus::Draft;
        let row = ForceResponseRow {
            force_id: self.force.clone(),
            inspection_id: self.id.clone(),
            comments,
            status: status.as_str().into(),
            submitted_at: if submitting {
                Some(ctx.now)
            } else {
                before.submitted_at.map(|t| t.naive())
            },
            version: before.version + 1,
            created_at: before.created_at.naive(),
            updated_at: ctx.now,
        };
        crate::update_if_unchanged!(
            conn,
            force_responses::table.find((&self.force, &self.id)),
            force_responses::version,
            before.version,
            &row
        )?;
        let action = if submitting { "submit" } else { "update" };
        Ok(Some((ForceResponse::from_row(row)?, action)))
    }

    fn audited(&self, _: &()) -> crate::write::Audited {
        crate::write::Audited {
            force_id: Some(self.force.clone()),
            inspection_id: Some(self.id.clone()),
            entity: Entity::ForceResponse,
            entity_id: format!("{}/{}", self.force, self.id),
        }
    }
}

fn load_item_response_row(
    conn: &mut DbConn,
    force: &str,
    item_id: &str,
) -> AppResult<Option<ItemResponseRow>> {
    Ok(item_responses::table
        .find((force, item_id))
        .select(ItemResponseRow::as_select())
        .first(conn)
        .optional()?)
}

/// An item response, if the caller may read it.
pub fn read_item_response(
    conn: &mut DbConn,
    ctx: &Ctx,
    force: &str,
    item_id: &str,
) -> AppResult<ItemResponse> {
    let (_, inspection, _) = item_for_force(conn, ctx, force, item_id)?;
    let not_found = || AppError::not_found(format!("no response from {force} to this item"));
    let stage = work_stage(conn, force, &inspection.id)?;
    policy::require_read_force_work(&ctx.principal, &ctx.policy, force, stage, "item response")?;
    let row = load_item_response_row(conn, force, item_id)?.ok_or_else(not_found)?;
    ItemResponse::from_row(row)
}

pub async fn get_item_response(ctx: &Ctx, force: &str, item_id: &str) -> AppResult<ItemResponse> {
    let (force, id) = (force.to_string(), parse_uuid("id", item_id)?);
    let c = ctx.clone();
    ctx.db
        .run(move |conn| read_item_response(conn, &c, &force, &id))
        .await
}

/// Creates (`true`) or changes a force's response to an item. The force writes acceptance and
/// narrative; the inspectorate writes the HMICFRS status, once the response exists.
pub async fn put_item_response(
    ctx: &Ctx,
    force: &str,
    item_id: &str,
    pre: Precondition,
    body: Body<ItemResponseInput>,
) -> AppResult<(ItemResponse, bool)> {
    let op = ItemResponsePut {
        force: force.to_string(),
        id: parse_uuid("id", item_id)?,
    };
    crate::write::put(ctx, op, pre, body).await
}

/// A force's response to an item, as [`put_item_response`] writes it.
struct ItemResponsePut {
    force: String,
    id: String,
}

/// What writing an item response reads besides it: the item, whether its inspection covers
/// the force, and the stage of the force's work on it.
struct ItemFound {
    item: Item,
    inspection_id: String,
    in_scope: bool,
    stage: Stage,
}

/// An item response as a patch leaves it, and which of its halves the patch changes.
struct Merged {
    acceptance: Option<super::model::Acceptance>,
    response: String,
    hmicfrs: super::model::HmicfrsStatus,
    answer_changed: bool,
    status_changed: bool,
}

impl ItemResponsePut {
    /// The force's answer to the item (acceptance and narrative).
    fn answer<'a>(&'a self, found: &ItemFound) -> Action<'a> {
        Action::EditItemResponse {
            force: &self.force,
            to_chief_constable: found
                .item
                .to_chief_constable_of(&self.force, found.in_scope),
            to_policing_body: found.item.to_policing_body_of(found.in_scope),
        }
    }

    /// The inspectorate's status of it.
    fn status(&self) -> Action<'_> {
        Action::SetHmicfrsStatus { force: &self.force }
    }

    fn merged(before: Option<&ItemResponse>, input: &ItemResponseInput) -> Merged {
        use super::model::HmicfrsStatus;
        let acceptance = input.acceptance.or(before.and_then(|b| b.acceptance));
        let response = input
            .response
            .clone()
            .unwrap_or_else(|| before.map(|b| b.response.clone()).unwrap_or_default());
        let hmicfrs = input
            .hmicfrs_status
            .unwrap_or(before.map_or(HmicfrsStatus::AwaitingReview, |b| b.hmicfrs_status));
        Merged {
            answer_changed: before
                .is_none_or(|b| b.acceptance != acceptance || b.response != response),
            status_changed: before.map_or(hmicfrs != HmicfrsStatus::AwaitingReview, |b| {
                b.hmicfrs_status != hmicfrs
            }),
            acceptance,
            response,
            hmicfrs,
        }
    }

    /// Writes the response as merged: a new row, or the change of the one at `before`.
    fn write(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        before: Option<&ItemResponse>,
        found: ItemFound,
        input: ItemResponseInput,
    ) -> AppResult<Option<ItemResponse>> {
        let m = Self::merged(before, &input);
        let mut checks = Checks::new();
        if let Some(text) = &input.response {
            checks.optional_text("response", text, MAX_TEXT);
        }
        if before.is_none() && input.acceptance.is_none() {
            let expected = super::model::Acceptance::expected();
            checks.fail("acceptance", format!("is required: one of {expected}"));
        }
        checks.finish()?;
        if before.is_some() && !m.answer_changed && !m.status_changed {
            return Ok(None);
        }
        let row = ItemResponseRow {
            force_id: self.force.clone(),
            item_id: self.id.clone(),
            inspection_id: found.inspection_id,
            acceptance: m.acceptance.map(|a| a.as_str().to_string()),
            response: m.response,
            hmicfrs_status: m.hmicfrs.as_str().into(),
            version: before.map_or(1, |b| b.version + 1),
            created_at: before.map_or(ctx.now, |b| b.created_at.naive()),
            updated_at: ctx.now,
        };
        match before {
            None => {
                diesel::insert_into(item_responses::table)
                    .values(&row)
                    .execute(conn)
                    .map_err(crate::write::lost_create_race)?;
            }
            Some(b) => {
                crate::update_if_unchanged!(
                    conn,
                    item_responses::table.find((&self.force, &self.id)),
                    item_responses::version,
                    b.version,
                    &row
                )?;
            }
        }
        Ok(Some(ItemResponse::from_row(row)?))
    }
}

impl crate::write::Update for ItemResponsePut {
    type Resource = ItemResponse;
    type Found = ItemFound;
    type Patch = ItemResponseInput;

    /// Which half of the resource a patch changes decides who may make the change.
    const RULE_READS_PATCH: bool = true;

    fn lock(&self) -> (&'static str, Vec<(&'static str, &str)>) {
        (
            "item_responses",
            vec![("force_id", &self.force), ("item_id", &self.id)],
        )
    }

    fn load(&self, conn: &mut DbConn, ctx: &Ctx) -> AppResult<(Option<ItemResponse>, ItemFound)> {
        let (item, inspection, in_scope) = item_for_force(conn, ctx, &self.force, &self.id)?;
        let stage = work_stage(conn, &self.force, &inspection.id)?;
        let existing = load_item_response_row(conn, &self.force, &self.id)?
            .map(ItemResponse::from_row)
            .transpose()?;
        let found = ItemFound {
            item,
            inspection_id: inspection.id,
            in_scope,
            stage,
        };
        Ok((existing, found))
    }

    fn allow(&self, ctx: &Ctx, before: Option<&ItemResponse>, found: &ItemFound) -> AppResult<()> {
        let (force, p) = (&self.force, &ctx.principal);
        policy::require_read_force_work(p, &ctx.policy, force, found.stage, "item response")?;
        let may_answer = policy::require(p, self.answer(found)).is_ok();
        if !may_answer && policy::require(p, self.status()).is_err() {
            // Neither half of the resource is the caller's to write: the refusal of the answer.
            policy::require(p, self.answer(found))?;
        }
        if before.is_none() && !may_answer {
            return Err(AppError::not_found(format!(
                "no response from {force} to this item yet"
            )));
        }
        Ok(())
    }

    fn allow_patch(
        &self,
        ctx: &Ctx,
        before: Option<&ItemResponse>,
        found: &ItemFound,
        input: &ItemResponseInput,
    ) -> AppResult<()> {
        let m = Self::merged(before, input);
        if m.answer_changed {
            policy::require(&ctx.principal, self.answer(found))?;
        }
        if m.status_changed {
            policy::require(&ctx.principal, self.status())?;
        }
        Ok(())
    }

    fn create(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        found: ItemFound,
        input: ItemResponseInput,
    ) -> AppResult<(ItemResponse, &'static str)> {
        let created = self.write(conn, ctx, None, found, input)?;
        let created = created
            .ok_or_else(|| AppError::Internal("a new item response wrote nothing".into()))?;
        Ok((created, "create"))
    }

    fn apply(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        before: &ItemResponse,
        found: ItemFound,
        input: ItemResponseInput,
    ) -> AppResult<Option<(ItemResponse, &'static str)>> {
        Ok(self
            .write(conn, ctx, Some(before), found, input)?
            .map(|after| (after, "update")))
    }

    fn audited(&self, found: &ItemFound) -> crate::write::Audited {
        crate::write::Audited {
            force_id: Some(self.force.clone()),
            inspection_id: Some(found.inspection_id.clone()),
            entity: Entity::ItemResponse,
            entity_id: format!("{}/{}", self.force, self.id),
        }
    }
}

/// Reads item responses by a query (a closure making it), whole or narrow, and with
/// `counts_on` each response's tally of its actions (`actions::service::TallyRow`) in the same
/// statement ([`readable_item_responses`] turns it into the counts it gives on that day): one
/// of four selections, which diesel types apart, so a macro rather than a function.
macro_rules! responses_with_counts {
    ($conn:expr, $query:expr, $whole:expr, $counts_on:expr) => {{
        use crate::actions::service::TallyRow;
        let query = $query;
        let rows: Vec<(RawResponse, Option<TallyRow>)> = match ($whole, $counts_on.is_some()) {
            (true, false) => query()
                .select(ItemResponseRow::as_select())
                .load($conn)?
                .into_iter()
                .map(|r| (Read::Whole(r), None))
                .collect(),
            (false, false) => query()
                .select(NARROW_RESPONSE)
                .load::<NarrowResponseRow>($conn)?
                .into_iter()
                .map(|r| (Read::Narrow(r), None))
                .collect(),
            (true, true) => query()
                .select((ItemResponseRow::as_select(), TallyRow::as_select()))
                .load::<(ItemResponseRow, TallyRow)>($conn)?
                .into_iter()
                .map(|(r, t)| (Read::Whole(r), Some(t)))
                .collect(),
            (false, true) => query()
                .select((NARROW_RESPONSE, TallyRow::as_select()))
                .load::<(NarrowResponseRow, TallyRow)>($conn)?
                .into_iter()
                .map(|(r, t)| (Read::Narrow(r), Some(t)))
                .collect(),
        };
        rows
    }};
}

/// An item response row as read, whole or narrow.
type RawResponse = Read<ItemResponseRow, NarrowResponseRow>;

/// The force and inspection of a row as read.
fn work_of(row: &RawResponse) -> (&str, &str) {
    match row {
        Read::Whole(r) => (&r.force_id, &r.inspection_id),
        Read::Narrow((force, _, inspection, _, _)) => (force, inspection),
    }
}

/// An item response as a loader reads it: whole, or narrow for a query that asks for none of
/// GraphQL's `ItemResponse::WIDE_FIELDS`; with the action counts its tally gives on the
/// reader's day where the statement read the tally too (for a query that asks for
/// `actionCounts`, which the response then answers with no statement, loader or lookup).
#[derive(Debug, Clone)]
pub struct ReadResponse {
    pub response: Read<ItemResponse, ItemResponseHead>,
    pub counts: Option<Arc<ActionCounts>>,
}

/// Item responses of many items, for loaders: only those of forces whose work the caller may
/// read at its stage, in item order. `whole`: with every column, or narrow
/// ([`ItemResponseHead`]). With `counts_on`, each carries its action counts on that day.
pub fn read_item_responses_for_items(
    conn: &mut DbConn,
    ctx: &Ctx,
    item_ids: &[String],
    whole: bool,
    counts_on: Option<crate::types::Date>,
) -> AppResult<Vec<ReadResponse>> {
    let rows = responses_with_counts!(
        conn,
        || {
            item_responses::table
                .filter(item_responses::item_id.eq_any(item_ids))
                .order((item_responses::item_id, item_responses::force_id))
        },
        whole,
        counts_on
    );
    readable_item_responses(conn, ctx, rows, counts_on)
}

/// The columns of a narrow item response ([`NarrowResponseRow`]).
const NARROW_RESPONSE: (
    item_responses::force_id,
    item_responses::item_id,
    item_responses::inspection_id,
    item_responses::acceptance,
    item_responses::hmicfrs_status,
) = (
    item_responses::force_id,
    item_responses::item_id,
    item_responses::inspection_id,
    item_responses::acceptance,
    item_responses::hmicfrs_status,
);

/// Each force's responses to the items of an inspection, for these (force, inspection) pairs,
/// where the caller may read them; `whole` and `counts_on` as for
/// [`read_item_responses_for_items`].
pub fn read_item_responses_of_forces(
    conn: &mut DbConn,
    ctx: &Ctx,
    pairs: &[(String, String)],
    whole: bool,
    counts_on: Option<crate::types::Date>,
) -> AppResult<Vec<ReadResponse>> {
    let batch = crate::db::PairBatch::new(pairs);
    let mut rows = responses_with_counts!(
        conn,
        || {
            item_responses::table
                .filter(item_responses::force_id.eq_any(batch.firsts()))
                .filter(item_responses::inspection_id.eq_any(batch.seconds()))
        },
        whole,
        counts_on
    );
    rows.retain(|(row, _)| {
        let (force, inspection) = work_of(row);
        batch.asked(force, inspection)
    });
    readable_item_responses(conn, ctx, rows, counts_on)
}

/// Each force's responses to the items of an inspection, whole, for these (force,
/// inspection) pairs, where the caller may read them.
pub fn item_responses_of_forces(
    conn: &mut DbConn,
    ctx: &Ctx,
    pairs: &[(String, String)],
) -> AppResult<Vec<ItemResponse>> {
    Ok(read_item_responses_of_forces(conn, ctx, pairs, true, None)?
        .into_iter()
        .filter_map(|r| match r.response {
            Read::Whole(r) => Some(r),
            Read::Narrow(_) => None,
        })
        .collect())
}

/// The rows of forces whose work the caller may read at its stage, each with the action counts
/// its tally (where read) gives on `counts_on`; responses without actions share one set of
/// zero counts. The stage is looked up only for forces whose work the caller does not read at
/// every stage (`policy`), so a force's own dashboard spends no statement on it.
fn readable_item_responses(
    conn: &mut DbConn,
    ctx: &Ctx,
    rows: Vec<(RawResponse, Option<crate::actions::service::TallyRow>)>,
    counts_on: Option<crate::types::Date>,
) -> AppResult<Vec<ReadResponse>> {
    // Borrowed while sorted: a national page has hundreds of rows and one inspection, which
    // most rows repeat after the one before.
    let mut inspection_ids: Vec<&str> = Vec::new();
    for (r, _) in &rows {
        let (force, inspection) = work_of(r);
        if !policy::reads_force_work_at_every_stage(&ctx.principal, force)
            && inspection_ids.last() != Some(&inspection)
        {
            inspection_ids.push(inspection);
        }
    }
    inspection_ids.sort_unstable();
    inspection_ids.dedup();
    let inspection_ids: Vec<String> = inspection_ids.into_iter().map(str::to_string).collect();
    let submitted = if inspection_ids.is_empty() {
        SubmittedWork::default()
    } else {
        submitted_work(conn, &inspection_ids)?
    };
    let none = Arc::new(ActionCounts::default());
    rows.into_iter()
        .filter(|(r, _)| {
            let (force, inspection) = work_of(r);
            let stage = submitted.stage(force, inspection);
            policy::can_read_force_work(&ctx.principal, &ctx.policy, force, stage)
        })
        .map(|(r, tally)| {
            let response = match r {
                Read::Whole(r) => Read::Whole(ItemResponse::from_row(r)?),
                Read::Narrow(r) => Read::Narrow(ItemResponseHead::from_row(r)?),
            };
            let counts = tally.zip(counts_on).map(|(tally, today)| {
                let tally = crate::actions::rules::Tally::from(tally);
                if tally.has_actions() {
                    Arc::new(tally.counts(today.0))
                } else {
                    none.clone()
                }
            });
            Ok(ReadResponse { response, counts })
        })
        .collect()
}

/// The force's response to the inspection, where the caller may read it.
pub fn readable_force_response_of(
    conn: &mut DbConn,
    ctx: &Ctx,
    force: &str,
    inspection_id: &str,
) -> AppResult<Option<ForceResponse>> {
    let pair = [(force.to_string(), inspection_id.to_string())];
    Ok(readable_force_responses(conn, ctx, &pair)?
        .into_values()
        .next())
}

/// The force responses of these (force, inspection) pairs that the caller may read, by pair,
/// in one statement.
pub fn readable_force_responses(
    conn: &mut DbConn,
    ctx: &Ctx,
    pairs: &[(String, String)],
) -> AppResult<std::collections::HashMap<(String, String), ForceResponse>> {
    let batch = crate::db::PairBatch::new(pairs);
    let rows = force_responses::table
        .filter(force_responses::force_id.eq_any(batch.firsts()))
        .filter(force_responses::inspection_id.eq_any(batch.seconds()))
        .select(ForceResponseRow::as_select())
        .load(conn)?;
    let mut out = std::collections::HashMap::new();
    for row in rows {
        if !batch.asked(&row.force_id, &row.inspection_id) {
            continue;
        }
        if let Some(r) = readable_force_response(ctx, row)? {
            out.insert((r.force_id.clone(), r.inspection_id.clone()), r);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submitted_response_does_not_go_back_to_draft() {
        use ResponseStatus::*;
        assert!(require_response_move(Draft, Submitted).is_ok());
        assert!(require_response_move(Draft, Draft).is_ok());
        assert!(require_response_move(Submitted, Submitted).is_ok());
        assert_eq!(
            require_response_move(Submitted, Draft).unwrap_err().code(),
            "conflict"
        );
    }
}

/// Filters of the cross-force list of item responses.
#[derive(Debug, Clone, Default)]
pub struct ItemResponseFilter {
    pub inspection: Option<String>,
    pub force: Option<String>,
    pub acceptance: Option<super::model::Acceptance>,
    pub hmicfrs_status: Option<super::model::HmicfrsStatus>,
}

/// An item response with the item it answers, for cross-force lists and exports.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ItemResponseEntry {
    #[serde(flatten)]
    pub response: ItemResponse,
    pub item_kind: crate::items::model::ItemKind,
    pub item_number: i32,
}

/// Item responses across every force whose work the caller may read, by item then force.
pub async fn list_across(
    ctx: &Ctx,
    filter: ItemResponseFilter,
    limit: i64,
    cursor: Option<String>,
) -> AppResult<crate::types::Page<ItemResponseEntry>> {
    use crate::db::schema::{inspections, items};
    policy::require_signed_in(&ctx.principal)?;
    let after: Option<(String, String)> = cursor
        .as_deref()
        .map(|c| crate::types::decode_cursor("cursor", c))
        .transpose()?;
    let scope = policy::work_scope(&ctx.principal);
    let c = ctx.clone();
    ctx.db
        .run_read(move |conn| {
            let mut q = item_responses::table
                .inner_join(items::table.on(items::id.eq(item_responses::item_id)))
                .inner_join(
                    inspections::table.on(inspections::id.eq(item_responses::inspection_id)),
                )
                .select((ItemResponseRow::as_select(), items::kind, items::number))
                .into_boxed();
            crate::filter_readable_work!(
                q,
                c,
                scope,
                item_responses::force_id,
                item_responses::inspection_id
            );
            if let Some(i) = filter.inspection {
                q = q.filter(item_responses::inspection_id.eq(i));
            }
            if let Some(f) = filter.force {
                q = q.filter(item_responses::force_id.eq(f));
            }
            if let Some(a) = filter.acceptance {
                q = q.filter(item_responses::acceptance.eq(a.as_str()));
            }
            if let Some(s) = filter.hmicfrs_status {
                q = q.filter(item_responses::hmicfrs_status.eq(s.as_str()));
            }
            if let Some((item, force)) = after {
                q = q.filter(
                    item_responses::item_id
                        .gt(item.clone())
                        .or(item_responses::item_id
                            .eq(item)
                            .and(item_responses::force_id.gt(force))),
                );
            }
            let rows: Vec<(ItemResponseRow, String, i32)> = q
                .order((item_responses::item_id, item_responses::force_id))
                .limit(limit + 1)
                .load(conn)?;
            crate::types::Page::from_rows(rows, limit, |(r, ..)| {
                (r.item_id.clone(), r.force_id.clone())
            })
            .try_map_all(|rows| {
                rows.into_iter()
                    .map(|(row, kind, number)| {
                        Ok(ItemResponseEntry {
                            response: ItemResponse::from_row(row)?,
                            item_kind: crate::items::model::ItemKind::from_db(&kind)?,
                            item_number: number,
                        })
                    })
                    .collect()
            })
        })
        .await
}
