//! Reading the change feed from the audit trail.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::model::{AuditRow, Entity};
use crate::auth::policy::{self, Stage};
use crate::context::Ctx;
use crate::db::DbConn;
use crate::db::schema::{audit_events, force_responses, inspections, pcc_responses};
use crate::error::AppResult;
use crate::types::{Date, Timestamp};

/// One change.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Event {
    /// Resume after this event with `?after=<cursor>`.
    pub cursor: String,
    pub at: Timestamp,
    pub force_id: Option<String>,
    pub entity: Entity,
    pub entity_id: String,
    /// `create`, `update`, `submit`, `publish`, `amend`, `append`; reminders (actor
    /// `oversight:reminders`) `due_soon` and `overdue`.
    pub action: String,
}

/// A page of the feed. `next_cursor` is where to resume: after the last change on the page (or
/// where the caller asked to start, for an empty page), so nothing is repeated, and a change
/// hidden from the caller now is seen once it becomes readable. Cursors are sealed
/// (`cursor`): what a caller receives moves only with what it may read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventPage {
    pub events: Vec<Event>,
    pub next_cursor: Option<String>,
}

/// Rows scanned per request at most, however few of them the caller may read.
const MAX_SCAN: i64 = 5_000;

pub async fn feed(ctx: &Ctx, after: Option<String>, limit: i64) -> AppResult<EventPage> {
    policy::require_public_read(&ctx.principal, &ctx.policy)?;
    let key = ctx.db.keys()?.feed_cursor.clone();
    let start: i64 = match after.as_deref() {
        Some(c) => super::cursor::open(&key, "after", c)?,
        None => 0,
    };
    let c = ctx.clone();
    ctx.db
        .run_read(move |conn| {
            let mut events = Vec::new();
            let mut position = start;
            // Where the page ends for the caller: its last event, or where it started.
            let mut resume = start;
            let mut scanned = 0;
            loop {
                let batch = (limit * 4).min(MAX_SCAN - scanned).max(1);
                let rows: Vec<AuditRow> = audit_events::table
                    .filter(audit_events::id.gt(position))
                    .order(audit_events::id)
                    .limit(batch)
                    .select(AuditRow::as_select())
                    .load(conn)?;
                let fetched = rows.len() as i64;
                scanned += fetched;
                let visible = Visibility::of(conn, &c, &rows)?;
                for row in rows {
                    position = row.id;
                    if visible.allows(&c, &row) {
                        resume = row.id;
                        events.push(Event {
                            cursor: super::cursor::seal(&key, row.id),
                            at: row.at.into(),
                            entity: Entity::from_db(&row.entity)?,
                            force_id: row.force_id,
                            entity_id: row.entity_id,
                            action: row.action,
                        });
                        if events.len() as i64 == limit {
                            break;
                        }
                    }
                }
                if events.len() as i64 >= limit || fetched < batch {
                    break;
                }
                if scanned >= MAX_SCAN {
                    // A run of changes the caller may not read, longer than one request scans:
                    // resume past it, or the caller would never get beyond it.
                    resume = position;
                    break;
                }
            }
            let next_cursor = (resume > 0).then(|| super::cursor::seal(&key, resume));
            Ok(EventPage {
                events,
                next_cursor,
            })
        })
        .await
}

/// What the caller may read of a batch of events, decided on the records' current state.
struct Visibility {
    published_on: HashMap<String, Date>,
    submitted: HashSet<(String, String)>,
    pcc_published: HashSet<(String, String)>,
}

impl Visibility {
    fn of(conn: &mut DbConn, ctx: &Ctx, rows: &[AuditRow]) -> AppResult<Visibility> {
        let mut ids: Vec<String> = rows
            .iter()
            .filter_map(|r| r.inspection_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        let published_on = inspections::table
            .filter(inspections::id.eq_any(&ids))
            .select((inspections::id, inspections::published_on))
            .load::<(String, chrono::NaiveDate)>(conn)?
            .into_iter()
            .map(|(i, d)| (i, Date(d)))
            .collect();
        // The force's own people and admin see every stage: no need to look further.
        let national = !policy::work_scope(&ctx.principal).everything;
        let (submitted, pcc_published) = if national {
            let submitted = force_responses::table
                .filter(force_responses::inspection_id.eq_any(&ids))
                .filter(
                    force_responses::status
                        .eq(crate::responses::model::ResponseStatus::Submitted.as_str()),
                )
                .select((force_responses::force_id, force_responses::inspection_id))
                .load::<(String, String)>(conn)?
                .into_iter()
                .collect();
            let published = pcc_responses::table
                .filter(pcc_responses::inspection_id.eq_any(&ids))
                .filter(
                    pcc_responses::status
                        .eq(crate::pcc_responses::model::PccStatus::Published.as_str()),
                )
                .select((pcc_responses::force_id, pcc_responses::inspection_id))
                .load::<(String, String)>(conn)?
                .into_iter()
                .collect();
            (submitted, published)
        } else {
            (HashSet::new(), HashSet::new())
        };
        Ok(Visibility {
            published_on,
            submitted,
            pcc_published,
        })
    }

    fn allows(&self, ctx: &Ctx, row: &AuditRow) -> bool {
        let p = &ctx.principal;
        if let Some(inspection) = &row.inspection_id {
            match self.published_on.get(inspection) {
                Some(day) if policy::can_read_inspection(p, &ctx.policy, *day) => {}
                _ => return false,
            }
        }
        let Some(force) = &row.force_id else {
            return true;
        };
        let key = (force.clone(), row.inspection_id.clone().unwrap_or_default());
        let stage = match Entity::parse(&row.entity) {
            Some(Entity::PccResponse) if self.pcc_published.contains(&key) => Stage::Published,
            Some(Entity::PccResponse) => Stage::Draft,
            // What is and is not published, and the deadline, are public: so is a reminder.
            Some(Entity::Force | Entity::PolicingBody | Entity::Section55) => Stage::Published,
            _ if self.submitted.contains(&key) => Stage::Submitted,
            _ => Stage::Draft,
        };
        policy::can_read_force_work(p, &ctx.policy, force, stage)
    }
}
