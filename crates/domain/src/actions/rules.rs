//! Action status transitions: `done` and `cancelled` are final; any other status may move to
//! any other.

use diesel::prelude::*;

use super::model::ActionStatus;
use crate::error::AppError;

impl ActionStatus {
    /// Whether the action is finished, one way or another.
    pub fn is_closed(&self) -> bool {
        matches!(self, ActionStatus::Done | ActionStatus::Cancelled)
    }
}

/// The finished statuses, as stored.
pub fn closed_statuses() -> Vec<&'static str> {
    ActionStatus::ALL
        .iter()
        .filter(|s| s.is_closed())
        .map(|s| s.as_str())
        .collect()
}

/// `Action::is_overdue` in SQL: past its due date and not finished. (A null due date makes the
/// comparison null, which no filter and no `CASE WHEN` takes as true.)
#[diesel::dsl::auto_type]
pub fn overdue_sql(today: chrono::NaiveDate, closed: Vec<&'static str>) -> _ {
    crate::db::schema::actions::due_on
        .lt(today)
        .assume_not_null()
        .and(crate::db::schema::actions::status.ne_all(closed))
}

/// `overdue_sql` for today.
pub fn overdue(today: chrono::NaiveDate) -> overdue_sql {
    overdue_sql(today, closed_statuses())
}

pub fn can_move(from: ActionStatus, to: ActionStatus) -> bool {
    from == to || !from.is_closed()
}

pub fn require_move(from: ActionStatus, to: ActionStatus) -> Result<(), AppError> {
    if can_move(from, to) {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "the action is {from}, which is final: it cannot become {to} (start a new action instead)"
        )))
    }
}

/// What a force's response to an item holds of its actions (`item_responses.actions_*`): how
/// many stand in each status, and the due dates of the open ones, sorted and comma-separated
/// (`YYYY-MM-DD`), from which the overdue are counted on the reader's day. Recounted from the
/// actions at every write of one (`service::retally`), so it never drifts from them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// In the order of `ActionStatus::ALL`.
    pub by_status: [i32; 6],
    pub open_due: String,
}

impl Tally {
    /// The tally of these actions (status and due date).
    pub fn of(
        actions: impl IntoIterator<Item = (ActionStatus, Option<chrono::NaiveDate>)>,
    ) -> Tally {
        let mut tally = Tally::default();
        let mut due = Vec::new();
        for (status, due_on) in actions {
            if let Some(i) = ActionStatus::ALL.iter().position(|s| *s == status) {
                tally.by_status[i] += 1;
            }
            if let (false, Some(d)) = (status.is_closed(), due_on) {
                due.push(d);
            }
        }
        due.sort_unstable();
        tally.open_due = due
            .iter()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect::<Vec<_>>()
            .join(",");
        tally
    }

    /// Whether the tally counts any action at all.
    pub fn has_actions(&self) -> bool {
        self.by_status.iter().any(|n| *n > 0)
    }

    /// The counts the tally gives on `today`: an open action is overdue once its due date has
    /// passed (`Action::is_overdue`).
    pub fn counts(&self, today: chrono::NaiveDate) -> super::service::ActionCounts {
        let mut counts = super::service::ActionCounts::default();
        for (status, n) in ActionStatus::ALL.iter().zip(self.by_status) {
            counts.add(*status, i64::from(n));
        }
        if self.open_due.is_empty() {
            return counts;
        }
        let today_text = iso_day(today);
        // (Split as bytes: `str::split` sets up a substring search for each of a national
        // page's 740 tallies, which cost more than the comparisons.)
        counts.overdue = self
            .open_due
            .as_bytes()
            .split(|b| *b == b',')
            .filter(|due| due_before(due, today, today_text.as_ref()))
            .count() as i64;
        counts
    }
}

/// `day` as the tally writes it (`YYYY-MM-DD`), for a year of four digits.
fn iso_day(day: chrono::NaiveDate) -> Option<[u8; 10]> {
    use chrono::Datelike;
    let year = u32::try_from(day.year()).ok().filter(|y| *y <= 9999)?;
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let (m, d) = (day.month(), day.day());
    Some([
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ])
}

/// Whether a due date of the tally falls before `today`. Dates written `YYYY-MM-DD` with a
/// four-digit year sort as text as they do as dates, so the text is compared as it stands: a
/// national page counts the overdue of hundreds of tallies, and parsing each date with chrono
/// took 4.5% of its CPU. Any other form is parsed.
fn due_before(due: &[u8], today: chrono::NaiveDate, today_text: Option<&[u8; 10]>) -> bool {
    let iso = due.len() == 10
        && due.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    match today_text {
        Some(t) if iso => due < &t[..],
        _ => std::str::from_utf8(due)
            .ok()
            .and_then(|due| chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d").ok())
            .is_some_and(|d| d < today),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ActionStatus::*;

    #[test]
    fn a_tally_counts_statuses_and_the_overdue_of_its_day() {
        let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let tally = Tally::of([
            (Planned, Some(day(3, 1))),
            (InProgress, Some(day(1, 15))),
            (InProgress, None),
            (Blocked, Some(day(2, 1))),
            (Done, Some(day(1, 1))),
            (Cancelled, Some(day(1, 2))),
            (PendingSignOff, Some(day(12, 31))),
        ]);
        assert_eq!(tally.by_status, [1, 2, 1, 1, 1, 1]);
        // Closed actions and those with no due date are never overdue; the rest sorted.
        assert_eq!(
            tally.open_due,
            "2026-01-15,2026-02-01,2026-03-01,2026-12-31"
        );
        let counts = tally.counts(day(2, 1));
        assert_eq!(
            (
                counts.planned,
                counts.in_progress,
                counts.blocked,
                counts.pending_sign_off
            ),
            (1, 2, 1, 1)
        );
        assert_eq!((counts.done, counts.cancelled, counts.total), (1, 1, 7));
        // Due on the day itself is not yet overdue.
        assert_eq!(counts.overdue, 1);
        assert_eq!(tally.counts(day(1, 15)).overdue, 0);
        assert_eq!(tally.counts(day(12, 31)).overdue, 3);
        assert_eq!(tally.counts(day(2, 2)).overdue, 2);
        assert_eq!(Tally::of([]).counts(day(1, 1)), Default::default());
    }

    #[test]
    fn due_dates_compared_as_text_agree_with_dates_compared_as_dates() {
        let start = chrono::NaiveDate::from_ymd_opt(1999, 12, 25).unwrap();
        let days: Vec<_> = (0..400)
            .map(|n| start + chrono::Duration::days(n * 7 % 400))
            .chain([
                chrono::NaiveDate::from_ymd_opt(999, 1, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
                chrono::NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(),
            ])
            .collect();
        for today in days.iter().step_by(13) {
            let text = iso_day(*today);
            for due in &days {
                let written = due.format("%Y-%m-%d").to_string();
                assert_eq!(
                    due_before(written.as_bytes(), *today, text.as_ref()),
                    due < today,
                    "{written} before {today}"
                );
            }
        }
        assert_eq!(iso_day(days[0]), Some(*b"1999-12-25"));
        assert_eq!(iso_day(days[402]), None);
    }

    #[test]
    fn open_actions_move_freely_and_closed_ones_stay_closed() {
        for from in ActionStatus::ALL {
            for to in ActionStatus::ALL {
                let expected = from == to || !matches!(from, Done | Cancelled);
                assert_eq!(can_move(*from, *to), expected, "{from} → {to}");
            }
        }
        assert!(can_move(Planned, Done));
        assert!(can_move(Blocked, InProgress));
        assert!(can_move(PendingSignOff, InProgress));
        assert!(!can_move(Done, InProgress));
        assert!(!can_move(Cancelled, Planned));
        assert_eq!(require_move(Done, Planned).unwrap_err().code(), "conflict");
    }
}
