//! The Section 55 rules, as pure functions of dates (UTC calendar days).

use chrono::Duration;
use serde::Serialize;
use utoipa::ToSchema;

use crate::types::Date;

/// Days a local policing body has to publish its response.
pub const RESPONSE_DAYS: i64 = 56;
/// A deadline this close (or closer) is `due_soon`.
pub const DUE_SOON_DAYS: i64 = 14;

/// The default deadline: publication + 56 days (16 May 2025 → 11 July 2025). The Act's "56
/// days beginning with the day" read strictly ends a day earlier; the inspectorate sets the
/// deadline explicitly where it reads it so.
pub fn default_deadline(published_on: Date) -> Date {
    Date(published_on.0 + Duration::days(RESPONSE_DAYS))
}

crate::text_enum! {
    /// Where a force's PCC response stands against the deadline.
    Section55State {
        NotDue => "not_due",
        DueSoon => "due_soon",
        Overdue => "overdue",
        PublishedOnTime => "published_on_time",
        PublishedLate => "published_late",
    }
}

/// A force's Section 55 status for one inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Section55Status {
    pub deadline: Date,
    pub status: Section55State,
    /// Days until the deadline while it is ahead and nothing is published (0 on the day).
    pub days_remaining: Option<i64>,
    /// Days past the deadline: of publication, or of today while nothing is published.
    pub days_late: Option<i64>,
}

/// The status on `today`, given the date of the first publication (later revisions do not
/// change it).
pub fn status(deadline: Date, first_published_on: Option<Date>, today: Date) -> Section55Status {
    let (status, days_remaining, days_late) = match first_published_on {
        Some(published) => {
            let late = (published.0 - deadline.0).num_days();
            if late <= 0 {
                (Section55State::PublishedOnTime, None, None)
            } else {
                (Section55State::PublishedLate, None, Some(late))
            }
        }
        None => {
            let left = (deadline.0 - today.0).num_days();
            if left < 0 {
                (Section55State::Overdue, None, Some(-left))
            } else if left <= DUE_SOON_DAYS {
                (Section55State::DueSoon, Some(left), None)
            } else {
                (Section55State::NotDue, Some(left), None)
            }
        }
    };
    Section55Status {
        deadline,
        status,
        days_remaining,
        days_late,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn the_default_deadline_is_publication_plus_56_days() {
        assert_eq!(default_deadline(d("2025-05-16")), d("2025-07-11"));
        // Across a leap day.
        assert_eq!(default_deadline(d("2024-02-01")), d("2024-03-28"));
    }

    #[test]
    fn publishing_on_day_56_is_on_time_and_day_57_is_late() {
        let deadline = default_deadline(d("2025-05-16"));
        let on_time = status(deadline, Some(d("2025-07-11")), d("2025-08-01"));
        assert_eq!(on_time.status, Section55State::PublishedOnTime);
        assert_eq!((on_time.days_remaining, on_time.days_late), (None, None));
        let late = status(deadline, Some(d("2025-07-12")), d("2025-08-01"));
        assert_eq!(late.status, Section55State::PublishedLate);
        assert_eq!(late.days_late, Some(1));
    }

    #[test]
    fn unpublished_responses_are_not_due_then_due_soon_then_overdue() {
        let deadline = d("2025-07-11");
        let s = status(deadline, None, d("2025-06-26"));
        assert_eq!(
            (s.status, s.days_remaining),
            (Section55State::NotDue, Some(15))
        );
        let s = status(deadline, None, d("2025-06-27"));
        assert_eq!(
            (s.status, s.days_remaining),
            (Section55State::DueSoon, Some(14))
        );
        let s = status(deadline, None, d("2025-07-11"));
        assert_eq!(
            (s.status, s.days_remaining),
            (Section55State::DueSoon, Some(0))
        );
        let s = status(deadline, None, d("2025-07-12"));
        assert_eq!(
            (s.status, s.days_late, s.days_remaining),
            (Section55State::Overdue, Some(1), None)
        );
    }

    #[test]
    fn publishing_early_is_on_time() {
        let s = status(d("2025-07-11"), Some(d("2025-05-20")), d("2025-05-21"));
        assert_eq!(s.status, Section55State::PublishedOnTime);
    }
}
