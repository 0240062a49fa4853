//! Actions and their progress updates, for the force (or OPCC) that answers the item.

use diesel::prelude::*;

use super::model::{
    Action, ActionPatch, ActionRow, ActionStatus, ActionUpdate, ActionUpdateRow, NewAction,
    NewActionUpdate,
};
use super::rules::require_move;
use crate::audit::model::Entity;
use crate::audit::service::{Change, record};
use crate::auth::policy::{self, Action as Act};
use crate::context::Ctx;
use crate::db::DbConn;
use crate::db::schema::{action_updates, actions, item_responses};
use crate::error::{AppError, AppResult};
use crate::items::model::Item;
use crate::responses::service::{item_for_force, work_stage};
use crate::types::{Page, decode_cursor, new_id, parse_uuid, to_json_text};
use crate::validate::{Checks, MAX_LABEL, MAX_LIST, MAX_TEXT, MAX_TITLE};
use crate::write::{Body, Precondition};

/// Loads actions with their updates (oldest first).
pub fn with_updates(conn: &mut DbConn, rows: Vec<ActionRow>) -> AppResult<Vec<Action>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let updates = action_updates::table
        .filter(action_updates::action_id.eq_any(&ids))
        .order((
            action_updates::action_id,
            action_updates::at,
            action_updates::id,
        ))
        .select(ActionUpdateRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let mine = updates
                .iter()
                .filter(|u| u.action_id == row.id)
                .cloned()
                .map(ActionUpdate::from_row)
                .collect::<AppResult<Vec<_>>>()?;
            Action::from_row(row, mine)
        })
        .collect()
}

/// Actions of several (force, item) pairs, for loaders (the caller has checked visibility).
pub fn for_pairs(conn: &mut DbConn, pairs: &[(String, String)]) -> AppResult<Vec<Action>> {
    let batch = crate::db::PairBatch::new(pairs);
    let rows: Vec<ActionRow> = actions::table
        .filter(actions::force_id.eq_any(batch.firsts()))
        .filter(actions::item_id.eq_any(batch.seconds()))
        .order(actions::id)
        .select(ActionRow::as_select())
        .load(conn)?
        .into_iter()
        .filter(|r: &ActionRow| batch.asked(&r.force_id, &r.item_id))
        .collect();
    with_updates(conn, rows)
}

/// Checks the caller may read the force's work on this item, and returns the write rule.
fn visible_item(
    conn: &mut DbConn,
    ctx: &Ctx,
    force: &str,
    item_id: &str,
) -> AppResult<(Item, bool, String)> {
    let (item, inspection, in_scope) = item_for_force(conn, ctx, force, item_id)?;
    let stage = work_stage(conn, force, &inspection.id)?;
    policy::require_read_force_work(&ctx.principal, &ctx.policy, force, stage, "action plan")?;
    Ok((item, in_scope, inspection.id))
}

fn answer_rule<'a>(item: &Item, force: &'a str, in_scope: bool) -> Act<'a> {
    Act::EditItemResponse {
        force,
        to_chief_constable: item.to_chief_constable_of(force, in_scope),
        to_policing_body: item.to_policing_body_of(in_scope),
    }
}

type Cursor = String;

/// A page of the actions of a force's response to an item, oldest first.
pub async fn list(
    ctx: &Ctx,
    force: &str,
    item_id: &str,
    limit: i64,
    cursor: Option<String>,
) -> AppResult<Page<Action>> {
    let (force, id) = (force.to_string(), parse_uuid("id", item_id)?);
    let after: Option<Cursor> = cursor
        .as_deref()
        .map(|c| decode_cursor("cursor", c))
        .transpose()?;
    let c = ctx.clone();
    ctx.db
        .run(move |conn| {
            visible_item(conn, &c, &force, &id)?;
            let mut q = actions::table
                .filter(actions::force_id.eq(&force))
                .filter(actions::item_id.eq(&id))
                .select(ActionRow::as_select())
                .into_boxed();
            if let Some(a) = after {
                q = q.filter(actions::id.gt(a));
            }
            let rows = q.order(actions::id).limit(limit + 1).load(conn)?;
            Page::from_rows(rows, limit, |r: &ActionRow| r.id.clone())
                .try_map_all(|rows| with_updates(conn, rows))
        })
        .await
}

fn check_evidence(checks: &mut Checks, field: &str, links: &[String]) {
    if links.len() > MAX_LIST {
        checks.fail(field, format!("must hold at most {MAX_LIST} links"));
    }
    for (i, link) in links.iter().enumerate() {
        checks.url(&format!("{field}[{i}]"), link);
    }
}

/// Adds an action to the force's plan for an item.
pub async fn create(
    ctx: &Ctx,
    force: &str,
    item_id: &str,
    body: Body<NewAction>,
) -> AppResult<Action> {
    policy::require_signed_in(&ctx.principal)?;
    let (force, id) = (force.to_string(), parse_uuid("id", item_id)?);
    let c = ctx.clone();
    ctx.db
        .transaction(move |conn| {
            let (item, in_scope, inspection_id) = visible_item(conn, &c, &force, &id)?;
            policy::require(&c.principal, answer_rule(&item, &force, in_scope))?;
            let input = body.parse()?;
            let title = input.title.trim().to_string();
            let mut checks = Checks::new();
            checks.text("title", &title, MAX_TITLE);
            checks.optional_text("owner", &input.owner, MAX_LABEL);
            check_evidence(&mut checks, "evidence", &input.evidence);
            checks.finish()?;
            // Locked before the action's insert, whose foreign key shares a lock on the row
            // that `retally` then needs to itself: two creators each holding the share would
            // wait on each other.
            lock_response(conn, &force, &id)?;
            let responded: Option<String> = item_responses::table
                .find((&force, &id))
                .select(item_responses::force_id)
                .first(conn)
                .optional()?;
            if responded.is_none() {
                return Err(AppError::Conflict(format!(
                    "{force} has not responded to this item yet: PUT its response before planning actions"
                )));
            }
            let row = ActionRow {
                id: new_id(),
                force_id: force.clone(),
                item_id: id.clone(),
                title,
                owner: input.owner.trim().to_string(),
                due_on: input.due_on.map(|d| d.0),
                status: input.status.unwrap_or(ActionStatus::Planned).as_str().into(),
                rag: input.rag.map(|r| r.as_str().to_string()),
                evidence: to_json_text(&input.evidence),
                version: 1,
                created_at: c.now,
                updated_at: c.now,
                inspection_id: inspection_id.clone(),
            };
            diesel::insert_into(actions::table).values(&row).execute(conn)?;
            retally(conn, &force, &id)?;
            let action = Action::from_row(row, vec![])?;
            record(conn, &c, Change::<(), _> {
                force_id: Some(&force),
                inspection_id: Some(&inspection_id),
                entity: Entity::Action,
                entity_id: &action.id,
                action: "create",
                before: None,
                after: Some(&action),
            })?;
            Ok(action)
        })
        .await
}

/// Loads an action of this force that the caller may read, with the write rule of its item.
fn visible_action(
    conn: &mut DbConn,
    ctx: &Ctx,
    force: &str,
    action_id: &str,
) -> AppResult<(Action, Item, bool, String)> {
    let row = actions::table
        .find(action_id)
        .filter(actions::force_id.eq(force))
        .select(ActionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("no such action"))?;
    let (item, in_scope, inspection_id) =
        visible_item(conn, ctx, force, &row.item_id).map_err(|e| match e {
            AppError::NotFound(_) => AppError::not_found("no such action"),
            other => other,
        })?;
    let action = with_updates(conn, vec![row])?.remove(0);
    Ok((action, item, in_scope, inspection_id))
}

pub async fn get(ctx: &Ctx, force: &str, action_id: &str) -> AppResult<Action> {
    let (force, id) = (force.to_string(), parse_uuid("id", action_id)?);
    let c = ctx.clone();
    ctx.db
        .run(move |conn| visible_action(conn, &c, &force, &id).map(|(a, ..)| a))
        .await
}

fn save(conn: &mut DbConn, ctx: &Ctx, before: &Action, mut row: ActionRow) -> AppResult<Action> {
    row.version = before.version + 1;
    row.updated_at = ctx.now;
    crate::update_if_unchanged!(
        conn,
        actions::table.find(&before.id),
        actions::version,
        before.version,
        &row
    )?;
    if before.status.as_str() != row.status || before.due_on.map(|d| d.0) != row.due_on {
        lock_response(conn, &row.force_id, &row.item_id)?;
        retally(conn, &row.force_id, &row.item_id)?;
    }
    Ok(with_updates(conn, vec![row])?.remove(0))
}

/// The row of an action of an item of `inspection_id`.
fn row_of(a: &Action, inspection_id: &str) -> ActionRow {
    ActionRow {
        id: a.id.clone(),
        force_id: a.force_id.clone(),
        item_id: a.item_id.clone(),
        title: a.title.clone(),
        owner: a.owner.clone(),
        due_on: a.due_on.map(|d| d.0),
        status: a.status.as_str().into(),
        rag: a.rag.map(|r| r.as_str().to_string()),
        evidence: to_json_text(&a.evidence),
        version: a.version,
        created_at: a.created_at.naive(),
        updated_at: a.updated_at.naive(),
        inspection_id: inspection_id.to_string(),
    }
}

/// Changes an action; fields left out stay as they are.
pub async fn update(
    ctx: &Ctx,
    force: &str,
    action_id: &str,
    pre: Precondition,
    body: Body<ActionPatch>,
) -> AppResult<Action> {
    let op = ActionChange {
        force: force.to_string(),
        id: parse_uuid("id", action_id)?,
    };
    crate::write::update(ctx, op, pre, body).await
}

struct ActionChange {
    force: String,
    id: String,
}

/// What reading an action finds besides it: its item, whether its force is in the
/// inspection's scope, and the inspection's id.
type ActionFound = (Item, bool, String);

impl crate::write::Update for ActionChange {
    type Resource = Action;
    type Found = ActionFound;
    type Patch = ActionPatch;

    fn lock(&self) -> (&'static str, Vec<(&'static str, &str)>) {
        ("actions", vec![("id", &self.id)])
    }

    fn load(&self, conn: &mut DbConn, ctx: &Ctx) -> AppResult<(Option<Action>, ActionFound)> {
        let (action, item, in_scope, inspection_id) =
            visible_action(conn, ctx, &self.force, &self.id)?;
        Ok((Some(action), (item, in_scope, inspection_id)))
    }

    fn allow(
        &self,
        ctx: &Ctx,
        _: Option<&Action>,
        (item, in_scope, _): &ActionFound,
    ) -> AppResult<()> {
        policy::require(&ctx.principal, answer_rule(item, &self.force, *in_scope))
    }

    fn apply(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        before: &Action,
        (_, _, inspection_id): ActionFound,
        patch: ActionPatch,
    ) -> AppResult<Option<(Action, &'static str)>> {
        let inspection_id = &inspection_id;
        let mut row = row_of(before, inspection_id);
        let mut checks = Checks::new();
        if let Some(t) = patch.title {
            row.title = t.trim().to_string();
            checks.text("title", &row.title, MAX_TITLE);
        }
        if let Some(o) = patch.owner {
            checks.optional_text("owner", &o, MAX_LABEL);
            row.owner = o.trim().to_string();
        }
        if let Some(d) = patch.due_on {
            row.due_on = d.map(|d| d.0);
        }
        if let Some(r) = patch.rag {
            row.rag = r.map(|r| r.as_str().to_string());
        }
        if let Some(e) = patch.evidence {
            check_evidence(&mut checks, "evidence", &e);
            row.evidence = to_json_text(&e);
        }
        checks.finish()?;
        if let Some(s) = patch.status {
            require_move(before.status, s)?;
            row.status = s.as_str().into();
        }
        if row_of(before, inspection_id).changes_nothing(&row) {
            return Ok(None);
        }
        Ok(Some((save(conn, ctx, before, row)?, "update")))
    }

    fn audited(&self, (_, _, inspection_id): &ActionFound) -> crate::write::Audited {
        crate::write::Audited {
            force_id: Some(self.force.clone()),
            inspection_id: Some(inspection_id.clone()),
            entity: Entity::Action,
            entity_id: self.id.clone(),
        }
    }
}

impl ActionRow {
    fn changes_nothing(&self, other: &ActionRow) -> bool {
        self.title == other.title
            && self.owner == other.owner
            && self.due_on == other.due_on
            && self.status == other.status
            && self.rag == other.rag
            && self.evidence == other.evidence
    }
}

/// Appends a progress update; its status, if any, becomes the action's.
pub async fn append_update(
    ctx: &Ctx,
    force: &str,
    action_id: &str,
    body: Body<NewActionUpdate>,
) -> AppResult<Action> {
    policy::require_signed_in(&ctx.principal)?;
    let (force, id) = (force.to_string(), parse_uuid("id", action_id)?);
    let c = ctx.clone();
    ctx.db
        .transaction(move |conn| {
            crate::db::lock_row(conn, "actions", &[("id", &id)])?;
            let (before, item, in_scope, inspection_id) = visible_action(conn, &c, &force, &id)?;
            policy::require(&c.principal, answer_rule(&item, &force, in_scope))?;
            let input = body.parse()?;
            let mut checks = Checks::new();
            checks.text("note", &input.note, MAX_TEXT);
            check_evidence(&mut checks, "evidence", &input.evidence);
            checks.finish()?;
            if let Some(s) = input.status {
                require_move(before.status, s)?;
            }
            let update = ActionUpdateRow {
                id: new_id(),
                action_id: id.clone(),
                force_id: force.clone(),
                at: c.now,
                author: c.principal.actor(),
                status: input.status.map(|s| s.as_str().to_string()),
                note: input.note.trim().to_string(),
            };
            diesel::insert_into(action_updates::table)
                .values(&update)
                .execute(conn)?;
            let mut row = row_of(&before, &inspection_id);
            if let Some(s) = input.status {
                row.status = s.as_str().into();
            }
            let mut evidence = before.evidence.clone();
            for link in input.evidence {
                if !evidence.contains(&link) {
                    evidence.push(link);
                }
            }
            row.evidence = to_json_text(&evidence);
            // The update is part of the action: its version moves, so writers holding an old
            // ETag learn of it.
            let after = save(conn, &c, &before, row)?;
            let appended = ActionUpdate::from_row(update)?;
            record(
                conn,
                &c,
                Change::<(), _> {
                    force_id: Some(&force),
                    inspection_id: Some(&inspection_id),
                    entity: Entity::ActionUpdate,
                    entity_id: &appended.id,
                    action: "append",
                    before: None,
                    after: Some(&appended),
                },
            )?;
            Ok(after)
        })
        .await
}

/// How many of a force's actions on an item stand in each status, and how many are overdue.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ActionCounts {
    pub planned: i64,
    pub in_progress: i64,
    pub blocked: i64,
    pub pending_sign_off: i64,
    pub done: i64,
    pub cancelled: i64,
    pub total: i64,
    /// Past their due date and neither done nor cancelled.
    pub overdue: i64,
}

impl ActionCounts {
    pub fn add(&mut self, status: ActionStatus, n: i64) {
        match status {
            ActionStatus::Planned => self.planned += n,
            ActionStatus::InProgress => self.in_progress += n,
            ActionStatus::Blocked => self.blocked += n,
            ActionStatus::PendingSignOff => self.pending_sign_off += n,
            ActionStatus::Done => self.done += n,
            ActionStatus::Cancelled => self.cancelled += n,
        }
        self.total += n;
    }
}

/// The action counts of one force's response to one item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemActionCounts {
    pub force_id: String,
    pub inspection_id: String,
    pub item_id: String,
    pub counts: ActionCounts,
}

/// A response's tally of its actions (`rules::Tally`) as its columns hold it: read with the
/// response (`TallyRow::as_select()`), written by `retally`.
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = item_responses)]
pub struct TallyRow {
    pub actions_planned: i32,
    pub actions_in_progress: i32,
    pub actions_blocked: i32,
    pub actions_pending_sign_off: i32,
    pub actions_done: i32,
    pub actions_cancelled: i32,
    pub actions_open_due: String,
}

impl From<TallyRow> for super::rules::Tally {
    fn from(row: TallyRow) -> Self {
        super::rules::Tally {
            by_status: [
                row.actions_planned,
                row.actions_in_progress,
                row.actions_blocked,
                row.actions_pending_sign_off,
                row.actions_done,
                row.actions_cancelled,
            ],
            open_due: row.actions_open_due,
        }
    }
}

impl From<super::rules::Tally> for TallyRow {
    fn from(tally: super::rules::Tally) -> Self {
        let [
            planned,
            in_progress,
            blocked,
            pending_sign_off,
            done,
            cancelled,
        ] = tally.by_status;
        TallyRow {
            actions_planned: planned,
            actions_in_progress: in_progress,
            actions_blocked: blocked,
            actions_pending_sign_off: pending_sign_off,
            actions_done: done,
            actions_cancelled: cancelled,
            actions_open_due: tally.open_due,
        }
    }
}

impl ItemActionCounts {
    /// The counts of a response's tally on `today`; `None` for a response without actions
    /// (absent from counts, as an item without actions is).
    pub fn of_tally(
        force_id: &str,
        inspection_id: &str,
        item_id: &str,
        tally: super::rules::Tally,
        today: crate::types::Date,
    ) -> Option<ItemActionCounts> {
        tally.has_actions().then(|| ItemActionCounts {
            force_id: force_id.to_string(),
            inspection_id: inspection_id.to_string(),
            item_id: item_id.to_string(),
            counts: tally.counts(today.0),
        })
    }
}

/// Action counts per item of many (force, inspection) pairs, in one statement whatever their
/// number: a row per force and item that has actions, for the pairs asked. Each response holds
/// its item's tally (`rules::Tally`), so the statement reads a row per response rather than
/// counting every action, from ranges of `item_responses (inspection_id, force_id)`. The
/// caller groups the rows as it needs them, once. (A query's responses bring their own counts,
/// read with them: this serves responses read without, such as a mutation's answer.)
pub fn counts_for_inspections(
    conn: &mut DbConn,
    pairs: &[(String, String)],
    today: crate::types::Date,
) -> AppResult<Vec<ItemActionCounts>> {
    let batch = crate::db::PairBatch::new(pairs);
    let rows: Vec<(String, String, String, TallyRow)> = item_responses::table
        .filter(item_responses::force_id.eq_any(batch.firsts()))
        .filter(item_responses::inspection_id.eq_any(batch.seconds()))
        .select((
            item_responses::force_id,
            item_responses::inspection_id,
            item_responses::item_id,
            TallyRow::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(force, inspection, ..)| batch.asked(force, inspection))
        .filter_map(|(force, inspection, item, tally)| {
            ItemActionCounts::of_tally(&force, &inspection, &item, tally.into(), today)
        })
        .collect())
}

/// Locks a force's response to an item for the rest of the transaction: writers of actions on
/// one item take turns, so the last to recount its tally (`retally`) sees every action the
/// others committed.
fn lock_response(conn: &mut DbConn, force: &str, item: &str) -> AppResult<()> {
    crate::db::lock_row(
        conn,
        "item_responses",
        &[("force_id", force), ("item_id", item)],
    )
}

/// Recounts the tally of a force's actions on an item (`rules::Tally`) into its response, in
/// the transaction that wrote one of them, which holds the response's lock
/// (`lock_response`). The response's version does not move: the tally is not part of what its
/// `ETag` guards.
pub fn retally(conn: &mut DbConn, force: &str, item: &str) -> AppResult<()> {
    let tally = TallyRow::from(tally_of(conn, force, item)?);
    diesel::update(item_responses::table.find((force, item)))
        .set(&tally)
        .execute(conn)?;
    Ok(())
}

/// The tally of a force's actions on an item, counted from the actions as they stand.
pub fn tally_of(conn: &mut DbConn, force: &str, item: &str) -> AppResult<super::rules::Tally> {
    let rows: Vec<(String, Option<chrono::NaiveDate>)> = actions::table
        .filter(actions::force_id.eq(force))
        .filter(actions::item_id.eq(item))
        .select((actions::status, actions::due_on))
        .load(conn)?;
    Ok(super::rules::Tally::of(
        rows.iter()
            .map(|(status, due)| Ok((ActionStatus::from_db(status)?, *due)))
            .collect::<AppResult<Vec<_>>>()?,
    ))
}

/// Recounts every response's tally at once (`retally` for all), after actions were loaded in
/// bulk (`seed`); the migration that added the tallies counted them the same way.
pub fn retally_all(conn: &mut DbConn) -> AppResult<()> {
    // The open actions' due dates, sorted and comma-separated, in each backend's words.
    let open_due = match conn {
        DbConn::Pg(_) => "string_agg(to_char(due_on, 'YYYY-MM-DD'), ',' ORDER BY due_on)",
        DbConn::Sqlite(_) => "group_concat(due_on, ',' ORDER BY due_on)",
    };
    // One column of counts for each status (`actions_<status>`, as `TallyRow`), and the
    // open ones' due dates: the rule of `rules::Tally::of`, in SQL.
    let statuses = ActionStatus::ALL.iter().map(|s| s.as_str());
    let set: Vec<String> = statuses
        .clone()
        .map(|s| format!("actions_{s} = a.{s}"))
        .collect();
    let count: Vec<String> = statuses
        .map(|s| format!("count(*) FILTER (WHERE status = '{s}') AS {s}"))
        .collect();
    let closed = super::rules::closed_statuses()
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE item_responses SET {set}, actions_open_due = a.open_due \
         FROM (SELECT force_id, item_id, {count}, \
         coalesce({open_due} FILTER (WHERE due_on IS NOT NULL \
         AND status NOT IN ({closed})), '') AS open_due \
         FROM actions GROUP BY force_id, item_id) AS a \
         WHERE item_responses.force_id = a.force_id AND item_responses.item_id = a.item_id",
        set = set.join(", "),
        count = count.join(", "),
    );
    diesel::sql_query(sql).execute(conn)?;
    Ok(())
}

/// Filters of the cross-force list of actions.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    pub force: Option<String>,
    pub inspection: Option<String>,
    pub status: Option<ActionStatus>,
    /// Only actions past their due date and neither done nor cancelled.
    pub overdue: bool,
}

/// An action with the inspection it serves, for cross-force lists and exports.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ActionEntry {
    #[serde(flatten)]
    pub action: Action,
    pub inspection_id: String,
    pub overdue: bool,
}

/// Actions across every force whose work the caller may read, oldest first.
pub async fn list_across(
    ctx: &Ctx,
    filter: ActionFilter,
    limit: i64,
    cursor: Option<String>,
) -> AppResult<Page<ActionEntry>> {
    use crate::db::schema::inspections;
    policy::require_signed_in(&ctx.principal)?;
    let after: Option<String> = cursor
        .as_deref()
        .map(|c| decode_cursor("cursor", c))
        .transpose()?;
    let scope = policy::work_scope(&ctx.principal);
    let c = ctx.clone();
    let today = ctx.policy.today;
    ctx.db
        .run_read(move |conn| {
            let mut q = actions::table
                .inner_join(inspections::table.on(inspections::id.eq(actions::inspection_id)))
                .select(ActionRow::as_select())
                .into_boxed();
            crate::filter_readable_work!(q, c, scope, actions::force_id, actions::inspection_id);
            if let Some(f) = filter.force {
                q = q.filter(actions::force_id.eq(f));
            }
            if let Some(i) = filter.inspection {
                q = q.filter(actions::inspection_id.eq(i));
            }
            if let Some(s) = filter.status {
                q = q.filter(actions::status.eq(s.as_str()));
            }
            if filter.overdue {
                q = q.filter(super::rules::overdue(today.0));
            }
            if let Some(a) = after {
                q = q.filter(actions::id.gt(a));
            }
            let rows: Vec<ActionRow> = q.order(actions::id).limit(limit + 1).load(conn)?;
            Page::from_rows(rows, limit, |r| r.id.clone()).try_map_all(|rows| {
                let inspections: Vec<String> =
                    rows.iter().map(|r| r.inspection_id.clone()).collect();
                let actions = with_updates(conn, rows)?;
                Ok(actions
                    .into_iter()
                    .zip(inspections)
                    .map(|(action, inspection_id)| ActionEntry {
                        overdue: action.is_overdue(today),
                        action,
                        inspection_id,
                    })
                    .collect())
            })
        })
        .await
}
