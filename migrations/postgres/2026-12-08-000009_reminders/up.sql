-- Reminders (`reminders::service`): one row per reminder ever emitted, keyed by what it is
-- about, so that each is emitted once however many instances look at once and however often:
-- an instance inserts the key and writes the feed event only where the insert took.
CREATE TABLE reminders (
    kind        TEXT NOT NULL CHECK (kind IN ('section55.due_soon', 'section55.overdue', 'action.overdue')),
    force_id    TEXT NOT NULL,
    -- The inspection (section55.*) or the action (action.overdue).
    subject_id  TEXT NOT NULL,
    -- The day the reminder fell due, as its feed event's `at`.
    due_at      TIMESTAMP NOT NULL,
    emitted_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, force_id, subject_id)
);

-- The feed names Section 55 reminders with entity `section55`.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_entity_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_entity_check CHECK (entity IN ('force', 'policing_body', 'inspection', 'item', 'force_response', 'item_response', 'action', 'action_update', 'pcc_response', 'section55'));

-- Whether an action's overdue reminder is out, set in the transaction that emits it: the check
-- reads only the open actions whose reminder is not (`actions_open_due`), which once it has
-- caught up are those fallen due since, rather than every open action long overdue.
ALTER TABLE actions ADD COLUMN overdue_reminded BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX actions_open_due ON actions (due_on)
    WHERE status NOT IN ('done', 'cancelled') AND NOT overdue_reminded;
