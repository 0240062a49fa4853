DROP INDEX actions_open_due;
ALTER TABLE actions DROP COLUMN overdue_reminded;
DELETE FROM audit_events WHERE entity = 'section55';
CREATE TABLE audit_events_old (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TIMESTAMP NOT NULL,
    actor          TEXT NOT NULL,
    force_id       TEXT,
    inspection_id  TEXT,
    entity         TEXT NOT NULL CHECK (entity IN ('force', 'policing_body', 'inspection', 'item', 'force_response', 'item_response', 'action', 'action_update', 'pcc_response')),
    entity_id      TEXT NOT NULL,
    action         TEXT NOT NULL,
    before         TEXT,
    after          TEXT
);
INSERT INTO audit_events_old SELECT * FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_old RENAME TO audit_events;
CREATE INDEX audit_events_force ON audit_events (force_id, id);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id);
DROP TABLE reminders;
