//! `oversight seed national`: a national data set the size of the real thing, generated
//! deterministically from a seed — inspections over ten years (national thematics covering
//! every territorial force, single-force PEEL reports), their items, and for the forces in
//! scope their responses, actions, progress updates and PCC responses in every Section 55 state.
//! Rows go in by `COPY` on PostgreSQL and by multi-row inserts on SQLite.

use std::time::Instant;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::actions::model::{ActionRow, ActionUpdateRow};
use crate::db::schema::{
    action_updates, actions, force_responses, forces, inspection_forces, inspections,
    item_responses, items, pcc_response_revisions, pcc_responses, pcc_revision_answers,
};
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult};
use crate::inspections::model::InspectionRow;
use crate::items::model::ItemRow;
use crate::pcc_responses::model::{Checklist, PccResponseRow, RevisionAnswerRow, RevisionRow};
use crate::responses::model::{ForceResponseRow, ItemResponseRow};
use crate::section55::rules::default_deadline;
use crate::types::{Date, to_json_text};

/// A small, fast, deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len() as u64) as usize]
    }

    /// A UUIDv7 for a moment, its random bits from this generator.
    pub fn id(&mut self, at: NaiveDateTime) -> String {
        let millis = at.and_utc().timestamp_millis().max(0) as u64;
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes)
            .into_uuid()
            .to_string()
    }
}

#[derive(Debug, Clone)]
pub struct NationalOptions {
    pub forces: usize,
    pub inspections: usize,
    pub seed: u64,
    /// The last day of the ten years the inspections span.
    pub today: NaiveDate,
}

/// What was loaded, and how long it took.
#[derive(Debug, Default)]
pub struct Loaded {
    pub inspections: usize,
    pub items: usize,
    pub force_responses: usize,
    pub item_responses: usize,
    pub actions: usize,
    pub updates: usize,
    pub pcc_responses: usize,
    pub seconds: f64,
}

const TOPICS: [&str; 12] = [
    "vetting and counter-corruption",
    "the police response to violence against women and girls",
    "custody services",
    "neighbourhood policing",
    "the investigation of fraud",
    "child protection",
    "serious youth violence",
    "digital forensics",
    "the handling of stalking",
    "race and policing",
    "roads policing",
    "organised immigration crime",
];
const TYPES: [&str; 5] = [
    "Serious and organised crime",
    "Child protection",
    "Crime data integrity",
    "Vetting",
    "Custody",
];
const OWNERS: [&str; 6] = [
    "Professional Standards Department",
    "Joint Force Intelligence Unit",
    "Learning and Development",
    "Public Protection Unit",
    "Contact and Control Room",
    "Strategic Planning",
];
const ACCEPTANCE: [&str; 6] = [
    "accepted",
    "accepted",
    "accepted",
    "accepted",
    "partially_accepted",
    "not_accepted",
];
const HMICFRS: [&str; 6] = [
    "awaiting_review",
    "being_progressed",
    "being_progressed",
    "complete",
    "discharged",
    "no_further_action_needed",
];
const STATUSES: [&str; 6] = [
    "planned",
    "in_progress",
    "blocked",
    "pending_sign_off",
    "done",
    "cancelled",
];
const RAG: [&str; 3] = ["red", "amber", "green"];

/// Rows of one chunk of inspections, flushed together.
#[derive(Default)]
struct Batch {
    inspections: Vec<InspectionRow>,
    scope: Vec<(String, String)>,
    items: Vec<ItemRow>,
    force_responses: Vec<ForceResponseRow>,
    item_responses: Vec<ItemResponseRow>,
    actions: Vec<ActionRow>,
    updates: Vec<ActionUpdateRow>,
    pcc: Vec<PccResponseRow>,
    revisions: Vec<RevisionRow>,
    answers: Vec<RevisionAnswerRow>,
}

/// Generates and loads the national data set.
pub fn national(db: &Db, options: &NationalOptions) -> AppResult<Loaded> {
    let started = Instant::now();
    let mut conn = db.conn()?;
    let all: Vec<String> = forces::table
        .filter(forces::kind.eq("territorial"))
        .order(forces::id)
        .select(forces::id)
        .load(&mut **conn)?;
    let forces: Vec<String> = all.into_iter().take(options.forces.max(1)).collect();
    let mut rng = Rng::new(options.seed);
    let mut loaded = Loaded::default();
    let span_days = 3_650i64;
    let chunk = 50;
    let mut n = 0;
    while n < options.inspections {
        let mut batch = Batch::default();
        for k in n..(n + chunk).min(options.inspections) {
            // Spread over ten years, oldest first; the last few are still under embargo.
            let offset = span_days - (k as i64 * span_days / options.inspections.max(1) as i64);
            let embargoed = k + 3 >= options.inspections;
            let published_on = if embargoed {
                options.today + Duration::days(3 + k as i64 % 5)
            } else {
                options.today - Duration::days(offset.max(1))
            };
            generate_inspection(
                &mut rng,
                &mut batch,
                &forces,
                k,
                published_on,
                options.today,
            );
        }
        loaded.inspections += batch.inspections.len();
        loaded.items += batch.items.len();
        loaded.force_responses += batch.force_responses.len();
        loaded.item_responses += batch.item_responses.len();
        loaded.actions += batch.actions.len();
        loaded.updates += batch.updates.len();
        loaded.pcc_responses += batch.pcc.len();
        flush(&mut conn, batch)?;
        n += chunk;
    }
    crate::actions::service::retally_all(&mut conn)?;
    // Written around the feed: kept answers must not outlive it.
    crate::db::data_changed(&mut conn)?;
    // Statistics for the planner, and the visibility map set, so that the covering indexes
    // answer with index-only scans from the start rather than after autovacuum gets round to
    // the new rows.
    if let DbConn::Pg(_) = &mut **conn {
        diesel::sql_query("VACUUM ANALYZE").execute(&mut **conn)?;
    }
    loaded.seconds = started.elapsed().as_secs_f64();
    Ok(loaded)
}

fn at(day: NaiveDate, minutes: u64) -> NaiveDateTime {
    day.and_hms_opt(8, 0, 0).unwrap_or_default() + Duration::minutes(minutes as i64)
}

fn generate_inspection(
    rng: &mut Rng,
    b: &mut Batch,
    forces: &[String],
    k: usize,
    published_on: NaiveDate,
    today: NaiveDate,
) {
    let thematic = k.is_multiple_of(5);
    let created = at(published_on - Duration::days(1), rng.below(600));
    let id = rng.id(created);
    let (title, types, scope_forces) = if thematic {
        let topic = rng.pick(&TOPICS);
        (
            format!("An inspection of {topic} ({})", published_on.format("%Y")),
            vec![rng.pick(&TYPES).to_string()],
            vec![],
        )
    } else {
        let force = rng.pick(forces).clone();
        (
            format!("PEEL {}: {force}", published_on.format("%Y")),
            vec!["PEEL".to_string()],
            vec![force],
        )
    };
    let deadline = default_deadline(Date(published_on)).0;
    b.inspections.push(InspectionRow {
        id: id.clone(),
        title: title.clone(),
        published_on,
        publication_types: to_json_text(&types),
        report_url: Some(format!(
            "https://hmicfrs.justiceinspectorates.gov.uk/publications/{}",
            k
        )),
        key_findings: format!(
            "HMICFRS inspected {title}. The findings are summarised in the report."
        ),
        all_forces: thematic,
        section55_deadline: deadline,
        deadline_explicit: false,
        version: 1,
        created_at: created,
        updated_at: created,
    });
    for f in &scope_forces {
        b.scope.push((id.clone(), f.clone()));
    }
    // Items: thematics 20 (12 recommendations, 6 areas for improvement, 2 causes of concern),
    // PEEL reports 12 (4 recommendations, 8 areas for improvement), all addressed to forces
    // but two thematic recommendations to other bodies and two to policing bodies.
    let layout: Vec<(&str, i32, bool, bool, bool)> = if thematic {
        (1..=12)
            .map(|n| ("recommendation", n, n <= 8, (9..=10).contains(&n), n > 10))
            .chain((1..=6).map(|n| ("area_for_improvement", n, true, false, false)))
            .chain((1..=2).map(|n| ("cause_of_concern", n, true, false, false)))
            .collect()
    } else {
        (1..=4)
            .map(|n| ("recommendation", n, true, false, false))
            .chain((1..=8).map(|n| ("area_for_improvement", n, true, false, false)))
            .collect()
    };
    let mut item_ids = vec![];
    for (kind, number, to_cc, to_pb, other) in layout {
        let item_id = rng.id(created);
        b.items.push(ItemRow {
            id: item_id.clone(),
            inspection_id: id.clone(),
            kind: kind.into(),
            number,
            text: format!(
                "By {}, forces should improve their approach to {}.",
                (published_on + Duration::days(180)).format("%-d %B %Y"),
                rng.pick(&TOPICS)
            ),
            to_chief_constables: to_cc,
            to_policing_bodies: to_pb,
            addressee_forces: "[]".into(),
            other_bodies: if other {
                to_json_text(&["Home Office"])
            } else {
                "[]".into()
            },
            due_on: Some(published_on + Duration::days(180)),
            version: 1,
            created_at: created,
            updated_at: created,
        });
        if !other {
            item_ids.push(item_id);
        }
    }
    if published_on > today {
        return;
    }
    let in_scope: Vec<&String> = if thematic {
        forces.iter().collect()
    } else {
        scope_forces.iter().collect()
    };
    let deadline = Date(deadline);
    for force in in_scope {
        generate_force_work(rng, b, force, &id, &item_ids, published_on, deadline, today);
    }
}

#[allow(clippy::too_many_arguments)]
fn generate_force_work(
    rng: &mut Rng,
    b: &mut Batch,
    force: &str,
    inspection: &str,
    item_ids: &[String],
    published_on: NaiveDate,
    deadline: Date,
    today: NaiveDate,
) {
    let days_since = (today - published_on).num_days();
    let roll = rng.below(100);
    if roll >= 95 {
        return; // no response started yet
    }
    let submitted = roll < 85 && days_since > 20;
    let start = at(
        published_on + Duration::days((1 + rng.below(10)) as i64),
        rng.below(480),
    );
    let submitted_at =
        submitted.then(|| (start + Duration::days(10 + rng.below(30) as i64)).min(at(today, 0)));
    b.force_responses.push(ForceResponseRow {
        force_id: force.into(),
        inspection_id: inspection.into(),
        comments: "The chief constable notes the report and accepts its recommendations.".into(),
        status: if submitted { "submitted" } else { "draft" }.into(),
        submitted_at,
        version: if submitted { 2 } else { 1 },
        created_at: start,
        updated_at: submitted_at.unwrap_or(start),
    });
    let first_answer = b.item_responses.len();
    for item in item_ids {
        let reviewed = submitted && days_since > 120;
        b.item_responses.push(ItemResponseRow {
            force_id: force.into(),
            item_id: item.clone(),
            inspection_id: inspection.into(),
            acceptance: Some(rng.pick(&ACCEPTANCE).to_string()),
            response: "The force has set up a working group to deliver this.".into(),
            hmicfrs_status: if reviewed {
                rng.pick(&HMICFRS).to_string()
            } else {
                "awaiting_review".into()
            },
            version: 1,
            created_at: start,
            updated_at: start,
        });
        for _ in 0..rng.below(6) {
            let created = start + Duration::minutes(rng.below(20_000) as i64);
            let action_id = rng.id(created);
            let due = published_on + Duration::days(30 + rng.below(400) as i64);
            let mut status = if due < today && rng.chance(70) {
                "done"
            } else {
                *rng.pick(&STATUSES)
            };
            let updates = rng.below(6);
            let mut last = created;
            for u in 0..updates {
                last += Duration::days(1 + rng.below(30) as i64);
                if last > at(today, 0) {
                    break;
                }
                let new_status = (u + 1 == updates).then_some(status);
                b.updates.push(ActionUpdateRow {
                    id: rng.id(last),
                    action_id: action_id.clone(),
                    force_id: force.into(),
                    at: last,
                    author: format!("{force}-editor"),
                    status: new_status.map(str::to_string),
                    note: "Progress reviewed at the monthly board.".into(),
                });
            }
            if updates == 0 && status != "planned" {
                status = "planned";
            }
            b.actions.push(ActionRow {
                id: action_id,
                force_id: force.into(),
                item_id: item.clone(),
                title: format!("Deliver {}", rng.pick(&TOPICS)),
                owner: rng.pick(&OWNERS).to_string(),
                due_on: Some(due),
                status: status.into(),
                rag: Some(rng.pick(&RAG).to_string()),
                evidence: "[]".into(),
                version: 1 + updates as i32,
                created_at: created,
                updated_at: last,
                inspection_id: inspection.into(),
            });
        }
    }
    // The PCC response, in every Section 55 state: on time, late, not yet (overdue, due soon, not due).
    let deadline_passed = deadline.0 < today;
    let publish_on = if deadline_passed {
        match rng.below(100) {
            0..=74 => Some(published_on + Duration::days(20 + rng.below(36) as i64)),
            75..=89 => Some(deadline.0 + Duration::days(1 + rng.below(40) as i64)),
            _ => None,
        }
    } else if rng.chance(30) && days_since > 5 {
        Some(published_on + Duration::days(rng.below(days_since as u64) as i64))
    } else {
        None
    };
    let publish_on = publish_on.filter(|d| *d <= today);
    let published_at = publish_on.map(|d| at(d, rng.below(480)));
    let mut row = PccResponseRow {
        force_id: force.into(),
        inspection_id: inspection.into(),
        comments: "I note the report and my chief constable's response to it.".into(),
        status: if published_at.is_some() {
            "published"
        } else {
            "draft"
        }
        .into(),
        revision: i32::from(published_at.is_some()),
        published_at,
        first_published_at: published_at,
        forwarded_to_chief_constable_on: publish_on,
        forwarded_to_police_and_crime_panel_on: publish_on,
        submitted_to_hmicfrs_portal_on: publish_on,
        sent_to_home_secretary_on: None,
        published_on_opcc_website_on: publish_on,
        version: if published_at.is_some() { 2 } else { 1 },
        created_at: start,
        updated_at: published_at.unwrap_or(start),
    };
    if let Some(p) = published_at {
        // The revision freezes the force's part if it had been submitted by then.
        let cc_submitted = submitted_at.is_some_and(|s| s <= p);
        b.revisions.push(RevisionRow {
            force_id: force.into(),
            inspection_id: inspection.into(),
            revision: 1,
            comments: row.comments.clone(),
            checklist: to_json_text(&Checklist::of_row(&row)),
            published_at: p,
            published_by: format!("{force}-opcc"),
            chief_constable_submitted: cc_submitted,
            chief_constable_comments: cc_submitted.then(|| {
                "The chief constable notes the report and accepts its recommendations.".into()
            }),
        });
        if cc_submitted {
            let answers: Vec<RevisionAnswerRow> = b.item_responses[first_answer..]
                .iter()
                .map(|r| RevisionAnswerRow {
                    force_id: r.force_id.clone(),
                    inspection_id: r.inspection_id.clone(),
                    revision: 1,
                    item_id: r.item_id.clone(),
                    acceptance: r.acceptance.clone(),
                    response: r.response.clone(),
                })
                .collect();
            b.answers.extend(answers);
        }
    } else {
        row.forwarded_to_chief_constable_on = None;
    }
    b.pcc.push(row);
}

/// A row as a line of PostgreSQL `COPY … (FORMAT csv)`, columns in the table's order: text is
/// always quoted (an unquoted empty field is NULL).
trait CopyCsv {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()>;
}

struct Cell<'a>(&'a mut String);

impl Cell<'_> {
    fn text(self, s: &str) -> Self {
        self.0.push('"');
        self.0.push_str(&s.replace('"', "\"\""));
        self.0.push_str("\",");
        self
    }
    fn opt_text(self, s: Option<&str>) -> Self {
        match s {
            Some(s) => self.text(s),
            None => self.raw(""),
        }
    }
    fn raw(self, s: &str) -> Self {
        self.0.push_str(s);
        self.0.push(',');
        self
    }
    fn flag(self, b: bool) -> Self {
        self.raw(if b { "t" } else { "f" })
    }
    fn int(self, n: impl std::fmt::Display) -> Self {
        self.raw(&n.to_string())
    }
    fn date(self, d: NaiveDate) -> Self {
        self.raw(&d.format("%Y-%m-%d").to_string())
    }
    fn opt_date(self, d: Option<NaiveDate>) -> Self {
        self.raw(
            &d.map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        )
    }
    fn time(self, t: NaiveDateTime) -> Self {
        self.raw(&t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
    }
    fn opt_time(self, t: Option<NaiveDateTime>) -> Self {
        self.raw(
            &t.map(|t| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
                .unwrap_or_default(),
        )
    }
    fn end(self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        self.0.pop();
        self.0.push('\n');
        out.write_all(self.0.as_bytes())
    }
}

fn cells(s: &mut String) -> Cell<'_> {
    s.clear();
    Cell(s)
}

thread_local! {
    static LINE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn line(out: &mut dyn std::io::Write, f: impl FnOnce(Cell<'_>) -> Cell<'_>) -> std::io::Result<()> {
    LINE.with(|l| {
        let mut s = l.borrow_mut();
        f(cells(&mut s)).end(out)
    })
}

impl CopyCsv for InspectionRow {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        line(out, |c| {
            c.text(&self.id)
                .text(&self.title)
                .date(self.published_on)
                .text(&self.publication_types)
                .opt_text(self.report_url.as_deref())
                .text(&self.key_findings)
                .flag(self.all_forces)
                .date(self.section55_deadline)
                .flag(self.deadline_explicit)
                .int(self.version)
                .time(self.created_at)
                .time(self.updated_at)
        })
    }
}

impl CopyCsv for ItemRow {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        line(out, |c| {
            c.text(&self.id)
                .text(&self.inspection_id)
                .text(&self.kind)
                .int(self.number)
                .text(&self.text)
                .flag(self.to_chief_constables)
                .flag(self.to_policing_bodies)
                .text(&self.addressee_forces)
                .text(&self.other_bodies)
                .opt_date(self.due_on)
                .int(self.version)
                .time(self.created_at)
                .time(self.updated_at)
        })
    }
}

impl CopyCsv for ForceResponseRow {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        line(out, |c| {
            c.text(&self.force_id)
                .text(&self.inspection_id)
                .text(&self.comments)
                .text(&self.status)
                .opt_time(self.submitted_at)
                .int(self.version)
                .time(self.created_at)
                .time(self.updated_at)
        })
    }
}

impl CopyCsv for ItemResponseRow {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        line(out, |c| {
            c.text(&self.force_id)
                .text(&self.item_id)
                .text(&self.inspection_id)
                .opt_text(self.acceptance.as_deref())
                .text(&self.response)
                .text(&self.hmicfrs_status)
                .int(self.version)
                .time(self.created_at)
                .time(self.updated_at)
        })
    }
}

impl CopyCsv for ActionRow {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        line(out, |c| {
            c.text(&self.id)
                .text(&self.force_id)
                .text(&self.item_id)
                .text(&self.title)
                .text(&self.owner)
                .opt_date(self.due_on)
                .text(&self.status)
                .opt_text(self.rag.as_deref())
                .text(&self.evidence)
                .int(self.version)
                .time(self.created_at)
                .time(self.updated_at)
                .text(&self.inspection_id)
        })
    }
}

impl CopyCsv for ActionUpdateRow {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        line(out, |c| {
            c.text(&self.id)
                .text(&self.action_id)
                .text(&self.force_id)
                .time(self.at)
                .text(&self.author)
                .opt_text(self.status.as_deref())
                .text(&self.note)
        })
    }
}

impl CopyCsv for PccResponseRow {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        line(out, |c| {
            c.text(&self.force_id)
                .text(&self.inspection_id)
                .text(&self.comments)
                .text(&self.status)
                .int(self.revision)
                .opt_time(self.published_at)
                .opt_time(self.first_published_at)
                .opt_date(self.forwarded_to_chief_constable_on)
                .opt_date(self.forwarded_to_police_and_crime_panel_on)
                .opt_date(self.submitted_to_hmicfrs_portal_on)
                .opt_date(self.sent_to_home_secretary_on)
                .opt_date(self.published_on_opcc_website_on)
                .int(self.version)
                .time(self.created_at)
                .time(self.updated_at)
        })
    }
}

impl CopyCsv for RevisionRow {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        line(out, |c| {
            c.text(&self.force_id)
                .text(&self.inspection_id)
                .int(self.revision)
                .text(&self.comments)
                .text(&self.checklist)
                .time(self.published_at)
                .text(&self.published_by)
                .flag(self.chief_constable_submitted)
                .opt_text(self.chief_constable_comments.as_deref())
        })
    }
}

impl CopyCsv for RevisionAnswerRow {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        line(out, |c| {
            c.text(&self.force_id)
                .text(&self.inspection_id)
                .int(self.revision)
                .text(&self.item_id)
                .opt_text(self.acceptance.as_deref())
                .text(&self.response)
        })
    }
}

fn copy_rows<R: CopyCsv>(out: &mut dyn std::io::Write, rows: &[R]) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    for r in rows {
        r.write_csv(&mut buffered)?;
    }
    std::io::Write::flush(&mut buffered)
}

macro_rules! bulk {
    ($conn:expr, $table:expr, $rows:expr) => {
        bulk!($conn, $table, $table, $rows)
    };
    ($conn:expr, $table:expr, $columns:expr, $rows:expr) => {
        match &mut *$conn {
            DbConn::Pg(c) => {
                if !$rows.is_empty() {
                    diesel::copy_from($table)
                        .from_raw_data($columns, |out| {
                            copy_rows(out, &$rows)
                                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
                        })
                        .with_format(diesel::pg::CopyFormat::Csv)
                        .execute(c)?;
                }
            }
            DbConn::Sqlite(c) => {
                for chunk in $rows.chunks(200) {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
    };
}

fn flush(conn: &mut r2d2::PooledConnection<crate::db::Manager>, b: Batch) -> AppResult<()> {
    let scope: Vec<_> = b
        .scope
        .iter()
        .map(|(i, f)| {
            (
                inspection_forces::inspection_id.eq(i.clone()),
                inspection_forces::force_id.eq(f.clone()),
            )
        })
        .collect();
    crate::db::write_transaction(conn, |conn| {
        bulk!(conn, inspections::table, b.inspections);
        for row in &scope {
            diesel::insert_into(inspection_forces::table)
                .values(row.clone())
                .execute(&mut *conn)?;
        }
        bulk!(conn, items::table, b.items);
        bulk!(conn, force_responses::table, b.force_responses);
        // The actions' tallies are counted once every action is in (`national`).
        bulk!(
            conn,
            item_responses::table,
            (
                item_responses::force_id,
                item_responses::item_id,
                item_responses::inspection_id,
                item_responses::acceptance,
                item_responses::response,
                item_responses::hmicfrs_status,
                item_responses::version,
                item_responses::created_at,
                item_responses::updated_at,
            ),
            b.item_responses
        );
        bulk!(
            conn,
            actions::table,
            (
                actions::id,
                actions::force_id,
                actions::item_id,
                actions::title,
                actions::owner,
                actions::due_on,
                actions::status,
                actions::rag,
                actions::evidence,
                actions::version,
                actions::created_at,
                actions::updated_at,
                actions::inspection_id,
            ),
            b.actions
        );
        bulk!(conn, action_updates::table, b.updates);
        bulk!(conn, pcc_responses::table, b.pcc);
        bulk!(conn, pcc_response_revisions::table, b.revisions);
        bulk!(conn, pcc_revision_answers::table, b.answers);
        Ok::<(), AppError>(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let t = NaiveDate::from_ymd_opt(2025, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert_eq!(a.id(t), b.id(t));
        assert_eq!(
            (0..100).map(|_| a.below(1000)).collect::<Vec<_>>(),
            (0..100).map(|_| b.below(1000)).collect::<Vec<_>>()
        );
        assert_eq!(
            uuid::Uuid::parse_str(&a.id(t)).unwrap().get_version_num(),
            7
        );
    }
}
