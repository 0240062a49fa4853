-- Reminders (`reminders::service`): one row per reminder ever emitted, keyed by what it is
-- about, so that each is emitted once however often the check runs: the check inserts the key
-- and writes the feed event only where the insert took.
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

-- The feed names Section 55 reminders with entity `section55`: SQLite changes a CHECK only by
-- making the table again (its ids, and so the feed's cursors, kept).
CREATE TABLE audit_events_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TIMESTAMP NOT NULL,
    actor          TEXT NOT NULL,
    force_id       TEXT,
    inspection_id  TEXT,
    entity         TEXT NOT NULL CHECK (entity IN ('force', 'policing_body', 'inspection', 'item', 'force_response', 'item_response', 'action', 'action_update', 'pcc_response', 'section55')),
    entity_id      TEXT NOT NULL,
    action         TEXT NOT NULL,
    before         TEXT,
    after          TEXT
);
INSERT INTO audit_events_new SELECT * FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_new RENAME TO audit_events;
CREATE INDEX audit_events_force ON audit_events (force_id, id);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id);

-- Whether an action's overdue reminder is out, set in the transaction that emits it: the check
-- reads only the open actions whose reminder is not (`actions_open_due`), which once it has
-- caught up are those fallen due since, rather than every open action long overdue.
ALTER TABLE actions ADD COLUMN overdue_reminded BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX actions_open_due ON actions (due_on)
    WHERE status NOT IN ('done', 'cancelled') AND NOT overdue_reminded;
