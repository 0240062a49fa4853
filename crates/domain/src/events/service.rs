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
            let scan = scan(conn, &c, &key, start, limit, MAX_SCAN)?;
            // Where the page ends for the caller: its last event, or where it started; past
            // a run of changes it may not read longer than one request scans, or it would
            // never get beyond it.
            let resume = if scan.cut_short {
                scan.position
            } else {
                scan.events.last().map(|(id, _)| *id).unwrap_or(start)
            };
            let next_cursor = (resume > 0).then(|| super::cursor::seal(&key, resume));
            Ok(EventPage {
                events: scan.events.into_iter().map(|(_, e)| e).collect(),
                next_cursor,
            })
        })
        .await
}

/// What one read of the feed found: the events the caller may read, each with its position,
/// and how far it read.
pub struct Scan {
    pub events: Vec<(i64, Event)>,
    /// The last change read, readable or not.
    pub position: i64,
    /// Whether it stopped after `max_scan` changes rather than at `limit` events or the end.
    pub cut_short: bool,
}

/// Reads up to `limit` events after `start` that the caller may read, looking at `max_scan`
/// changes at most: the feed's one query, for every way the feed leaves the service (the
/// feed itself, webhooks).
pub fn scan(
    conn: &mut DbConn,
    ctx: &Ctx,
    key: &crate::db::keys::Key,
    start: i64,
    limit: i64,
    max_scan: i64,
) -> AppResult<Scan> {
    let mut events = Vec::new();
    let mut position = start;
    let mut scanned = 0;
    loop {
        let batch = (limit * 4).min(max_scan - scanned).max(1);
        let rows: Vec<AuditRow> = audit_events::table
            .filter(audit_events::id.gt(position))
            .order(audit_events::id)
            .limit(batch)
            .select(AuditRow::as_select())
            .load(conn)?;
        let fetched = rows.len() as i64;
        scanned += fetched;
        let visible = Visibility::of(conn, ctx, &rows)?;
        for row in rows {
            position = row.id;
            if visible.allows(ctx, &row) {
                events.push((
                    row.id,
                    Event {
                        cursor: super::cursor::seal(key, row.id),
                        at: row.at.into(),
                        entity: Entity::from_db(&row.entity)?,
                        force_id: row.force_id,
                        entity_id: row.entity_id,
                        action: row.action,
                    },
                ));
                if events.len() as i64 == limit {
                    return Ok(Scan {
                        events,
                        position,
                        cut_short: false,
                    });
                }
            }
        }
        if fetched < batch {
            return Ok(Scan {
                events,
                position,
                cut_short: false,
            });
        }
        if scanned >= max_scan {
            return Ok(Scan {
                events,
                position,
                cut_short: true,
            });
        }
    }
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
