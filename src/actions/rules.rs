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

#[cfg(test)]
mod tests {
    use super::*;
    use ActionStatus::*;

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
