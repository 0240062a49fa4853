//! Looking for reminders that have fallen due and emitting each once.
//!
//! A pass reads the candidates in two statements (the force–inspection pairs with nothing
//! published whose deadline is 14 days away or less, and the open actions past their due
//! date, each without its reminder yet), then emits them in chunks, each in one transaction:
//! insert the reminders' keys into `reminders`, skipping those already there, write a feed
//! event for each key that went in, and mark the actions' reminders out
//! (`actions.overdue_reminded`, so that the next look reads only actions fallen due since).
//! The key, not a lock, makes a reminder once: two instances looking at once both try the
//! same keys, and only one insert takes. (The chunk's transaction takes the feed's lock
//! first, so two passes never wait on each other's keys.) A pass that finds nothing writes
//! nothing, and so leaves the data version (`db::version`) and the GraphQL answers kept
//! under it alone.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date as SqlDate, Text};

use super::rules::{ReminderKind, action_overdue_on, section55_due};
use crate::audit::model::NewAuditRow;
use crate::db::schema::{actions, reminders};
use crate::db::{Db, DbConn};
use crate::error::AppResult;
use crate::types::Date;

/// Who the feed and the audit trail say emitted a reminder.
pub const ACTOR: &str = "oversight:reminders";

/// Reminders written per transaction.
const CHUNK: usize = 1_000;

/// What one pass found and emitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// Reminders due and not yet emitted when the pass looked.
    pub candidates: usize,
    pub section55_due_soon: usize,
    pub section55_overdue: usize,
    pub action_overdue: usize,
}

impl Pass {
    pub fn emitted(&self) -> usize {
        self.section55_due_soon + self.section55_overdue + self.action_overdue
    }
}

/// One reminder to emit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Due {
    /// The day it fell due, its event's `at`.
    day: NaiveDate,
    kind: ReminderKind,
    force_id: String,
    subject_id: String,
    inspection_id: String,
    /// The deadline, or the action's due date.
    due_on: NaiveDate,
}

#[derive(QueryableByName)]
struct Section55Candidate {
    #[diesel(sql_type = Text)]
    inspection_id: String,
    #[diesel(sql_type = Text)]
    force_id: String,
    #[diesel(sql_type = SqlDate)]
    deadline: NaiveDate,
    #[diesel(sql_type = SqlDate)]
    published_on: NaiveDate,
    #[diesel(sql_type = Bool)]
    reminded_due_soon: bool,
}

#[derive(QueryableByName)]
struct ActionCandidate {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    force_id: String,
    #[diesel(sql_type = Text)]
    inspection_id: String,
    #[diesel(sql_type = SqlDate)]
    due_on: NaiveDate,
}

/// Every force–inspection pair (the inspection published, in the force's scope as the
/// compliance figures count it) with no PCC response published, whose deadline is at most
/// `DUE_SOON_DAYS` away and whose `overdue` reminder is not out yet.
fn section55_candidates(conn: &mut DbConn, today: Date) -> AppResult<Vec<Due>> {
    let soon = today.0 + chrono::Duration::days(crate::section55::rules::DUE_SOON_DAYS);
    let (a, b) = (
        crate::db::placeholder(conn, 1),
        crate::db::placeholder(conn, 2),
    );
    let sql = format!(
        "SELECT p.inspection_id, p.force_id, i.section55_deadline AS deadline, i.published_on, \
           EXISTS (SELECT 1 FROM reminders r WHERE r.kind = '{due_soon}' \
             AND r.force_id = p.force_id AND r.subject_id = p.inspection_id) AS reminded_due_soon \
         FROM (SELECT i.id AS inspection_id, f.id AS force_id FROM inspections i, forces f \
               WHERE i.all_forces AND f.kind = 'territorial' \
               AND i.published_on <= {a} AND i.section55_deadline <= {b} \
             UNION SELECT s.inspection_id, s.force_id FROM inspection_forces s \
               JOIN inspections i ON i.id = s.inspection_id \
               WHERE i.published_on <= {a} AND i.section55_deadline <= {b}) p \
         JOIN inspections i ON i.id = p.inspection_id \
         WHERE NOT EXISTS (SELECT 1 FROM pcc_responses c WHERE c.force_id = p.force_id \
             AND c.inspection_id = p.inspection_id AND c.first_published_at IS NOT NULL) \
           AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.kind = '{overdue}' \
             AND r.force_id = p.force_id AND r.subject_id = p.inspection_id)",
        due_soon = ReminderKind::Section55DueSoon.as_str(),
        overdue = ReminderKind::Section55Overdue.as_str(),
    );
    let rows: Vec<Section55Candidate> = diesel::sql_query(sql)
        .bind::<SqlDate, _>(today.0)
        .bind::<SqlDate, _>(soon)
        .load(conn)?;
    let mut due = Vec::new();
    for r in rows {
        for (kind, day) in section55_due(Date(r.deadline), Date(r.published_on), today) {
            if kind == ReminderKind::Section55DueSoon && r.reminded_due_soon {
                continue;
            }
            due.push(Due {
                day: day.0,
                kind,
                force_id: r.force_id.clone(),
                subject_id: r.inspection_id.clone(),
                inspection_id: r.inspection_id.clone(),
                due_on: r.deadline,
            });
        }
    }
    Ok(due)
}

/// The open actions past their due date whose reminder is not out yet (`actions::rules::
/// overdue`, written out as the partial index `actions_open_due` is, which holds only these:
/// once the reminders have caught up, the few fallen due since the last look).
fn action_candidates(conn: &mut DbConn, today: Date) -> AppResult<Vec<Due>> {
    let closed = crate::actions::rules::closed_statuses()
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT a.id, a.force_id, a.inspection_id, a.due_on FROM actions a \
         WHERE a.due_on < {today} AND a.status NOT IN ({closed}) AND NOT a.overdue_reminded",
        today = crate::db::placeholder(conn, 1),
    );
    let rows: Vec<ActionCandidate> = diesel::sql_query(sql)
        .bind::<SqlDate, _>(today.0)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            action_overdue_on(Date(r.due_on), today).map(|day| Due {
                day: day.0,
                kind: ReminderKind::ActionOverdue,
                force_id: r.force_id,
                subject_id: r.id,
                inspection_id: r.inspection_id,
                due_on: r.due_on,
            })
        })
        .collect())
}

#[derive(Insertable)]
#[diesel(table_name = reminders)]
struct NewReminder<'a> {
    kind: &'a str,
    force_id: &'a str,
    subject_id: &'a str,
    due_at: NaiveDateTime,
    emitted_at: NaiveDateTime,
}

/// Emits a chunk of reminders in one transaction: those whose key went in get a feed event.
/// Answers what it emitted.
fn emit(conn: &mut DbConn, chunk: &[Due], now: NaiveDateTime) -> AppResult<Pass> {
    let keys: Vec<NewReminder<'_>> = chunk
        .iter()
        .map(|d| NewReminder {
            kind: d.kind.as_str(),
            force_id: &d.force_id,
            subject_id: &d.subject_id,
            due_at: d.day.and_time(NaiveTime::MIN),
            emitted_at: now,
        })
        .collect();
    let columns = (reminders::kind, reminders::force_id, reminders::subject_id);
    crate::db::write_transaction(conn, |conn| {
        crate::audit::service::in_commit_order(conn)?;
        let taken: HashSet<(String, String, String)> = match conn {
            DbConn::Pg(c) => diesel::insert_into(reminders::table)
                .values(&keys)
                .on_conflict_do_nothing()
                .returning(columns)
                .get_results(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(reminders::table)
                .values(&keys)
                .on_conflict_do_nothing()
                .returning(columns)
                .get_results(c)?,
        }
        .into_iter()
        .collect();
        let mut emitted = Pass::default();
        let mut rows = Vec::with_capacity(taken.len());
        for d in chunk {
            let key = (
                d.kind.as_str().to_string(),
                d.force_id.clone(),
                d.subject_id.clone(),
            );
            if !taken.contains(&key) {
                continue;
            }
            let after = match d.kind {
                ReminderKind::ActionOverdue => serde_json::json!({"due_on": Date(d.due_on)}),
                _ => serde_json::json!({"section55_deadline": Date(d.due_on)}),
            };
            rows.push(NewAuditRow {
                at: d.day.and_time(NaiveTime::MIN),
                actor: ACTOR.to_string(),
                force_id: Some(d.force_id.clone()),
                inspection_id: Some(d.inspection_id.clone()),
                entity: d.kind.entity().as_str().to_string(),
                entity_id: d.subject_id.clone(),
                action: d.kind.action().to_string(),
                before: None,
                after: Some(after.to_string()),
            });
            match d.kind {
                ReminderKind::Section55DueSoon => emitted.section55_due_soon += 1,
                ReminderKind::Section55Overdue => emitted.section55_overdue += 1,
                ReminderKind::ActionOverdue => emitted.action_overdue += 1,
            }
        }
        crate::audit::service::insert(conn, &rows)?;
        // Marked whether this look or another one emitted it: it is out either way.
        let actions: Vec<&str> = chunk
            .iter()
            .filter(|d| d.kind == ReminderKind::ActionOverdue)
            .map(|d| d.subject_id.as_str())
            .collect();
        if !actions.is_empty() {
            diesel::update(actions::table.filter(actions::id.eq_any(actions)))
                .set(actions::overdue_reminded.eq(true))
                .execute(conn)?;
        }
        Ok(emitted)
    })
}

/// Looks for the reminders due at `now` and emits each not yet emitted, oldest day first.
pub fn check(conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Pass> {
    let today = Date(now.date());
    let mut due = section55_candidates(conn, today)?;
    due.extend(action_candidates(conn, today)?);
    due.sort();
    let mut pass = Pass {
        candidates: due.len(),
        ..Pass::default()
    };
    for chunk in due.chunks(CHUNK) {
        let emitted = emit(conn, chunk, now)?;
        pass.section55_due_soon += emitted.section55_due_soon;
        pass.section55_overdue += emitted.section55_overdue;
        pass.action_overdue += emitted.action_overdue;
    }
    Ok(pass)
}

/// [`check`] on the blocking pool.
pub async fn run(db: &Db, now: NaiveDateTime) -> AppResult<Pass> {
    db.run(move |conn| check(conn, now)).await
}
