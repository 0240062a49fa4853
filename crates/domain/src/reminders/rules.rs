//! When reminders fall due, as pure functions of dates (UTC calendar days), on the same rule
//! as the Section 55 status (`section55::rules::status`) and an action's `is_overdue`.

use chrono::Duration;

use crate::audit::model::Entity;
use crate::section55::rules::DUE_SOON_DAYS;
use crate::types::Date;

crate::text_enum! {
    /// What a reminder says, as its feed event's `{entity}.{action}`.
    ReminderKind {
        Section55DueSoon => "section55.due_soon",
        Section55Overdue => "section55.overdue",
        ActionOverdue => "action.overdue",
    }
}

impl ReminderKind {
    pub fn entity(&self) -> Entity {
        match self {
            ReminderKind::Section55DueSoon | ReminderKind::Section55Overdue => Entity::Section55,
            ReminderKind::ActionOverdue => Entity::Action,
        }
    }

    /// The feed event's `action`.
    pub fn action(&self) -> &'static str {
        match self {
            ReminderKind::Section55DueSoon => "due_soon",
            ReminderKind::Section55Overdue | ReminderKind::ActionOverdue => "overdue",
        }
    }
}

/// The Section 55 reminders whose day has come, each with its day, for a force that has
/// published nothing for an inspection published on `published_on` (the caller checks both):
/// `due_soon` on the day its status becomes `due_soon` (14 days before the deadline, or the
/// inspection's publication if that is later, and never after the deadline), `overdue` the
/// day after the deadline (or the publication, if that is later still). A reminder whose day
/// passed unseen (every instance down) is still due, with its own day.
pub fn section55_due(deadline: Date, published_on: Date, today: Date) -> Vec<(ReminderKind, Date)> {
    let mut due = Vec::new();
    let soon = (deadline.0 - Duration::days(DUE_SOON_DAYS)).max(published_on.0);
    if soon <= deadline.0 && soon <= today.0 {
        due.push((ReminderKind::Section55DueSoon, Date(soon)));
    }
    let late = (deadline.0 + Duration::days(1)).max(published_on.0);
    if late <= today.0 {
        due.push((ReminderKind::Section55Overdue, Date(late)));
    }
    due
}

/// The day an open action due on `due_on` became overdue (the day after), if it has come.
pub fn action_overdue_on(due_on: Date, today: Date) -> Option<Date> {
    let day = due_on.0 + Duration::days(1);
    (day <= today.0).then_some(Date(day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::section55::rules::{Section55State, status};

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn kinds(due: &[(ReminderKind, Date)]) -> Vec<(&'static str, String)> {
        due.iter()
            .map(|(k, day)| (k.as_str(), day.0.to_string()))
            .collect()
    }

    #[test]
    fn section55_reminders_fall_due_on_the_days_the_status_changes() {
        let published = d("2025-05-16");
        let deadline = d("2025-07-11");
        // 15 days before: nothing; 14 days before: due soon, that day.
        assert!(section55_due(deadline, published, d("2025-06-26")).is_empty());
        assert_eq!(
            kinds(&section55_due(deadline, published, d("2025-06-27"))),
            [("section55.due_soon", "2025-06-27".into())]
        );
        // On the deadline still only due soon; the day after, overdue too.
        assert_eq!(section55_due(deadline, published, deadline).len(), 1);
        assert_eq!(
            kinds(&section55_due(deadline, published, d("2025-07-12"))),
            [
                ("section55.due_soon", "2025-06-27".into()),
                ("section55.overdue", "2025-07-12".into())
            ]
        );
        // Each reminder's day is the one on which the status itself changes.
        for (kind, day) in section55_due(deadline, published, d("2025-09-01")) {
            let before = status(deadline, None, Date(day.0 - Duration::days(1))).status;
            let on = status(deadline, None, day).status;
            let expected = match kind {
                ReminderKind::Section55DueSoon => Section55State::DueSoon,
                _ => Section55State::Overdue,
            };
            assert_eq!(on, expected, "{kind} on {}", day.0);
            assert_ne!(before, expected, "{kind} the day before {}", day.0);
        }
    }

    #[test]
    fn a_short_deadline_is_due_soon_from_publication() {
        // Published ten days before its deadline: due soon on publication, not before.
        let due = section55_due(d("2025-07-11"), d("2025-07-01"), d("2025-07-01"));
        assert_eq!(kinds(&due), [("section55.due_soon", "2025-07-01".into())]);
        // Published after its deadline (a deadline set by hand): overdue from publication,
        // never due soon.
        let due = section55_due(d("2025-07-11"), d("2025-07-20"), d("2025-07-20"));
        assert_eq!(kinds(&due), [("section55.overdue", "2025-07-20".into())]);
    }

    #[test]
    fn an_action_is_overdue_the_day_after_it_was_due() {
        assert_eq!(action_overdue_on(d("2025-07-11"), d("2025-07-11")), None);
        assert_eq!(
            action_overdue_on(d("2025-07-11"), d("2025-07-12")),
            Some(d("2025-07-12"))
        );
        assert_eq!(
            action_overdue_on(d("2025-07-11"), d("2026-01-01")),
            Some(d("2025-07-12"))
        );
    }
}
