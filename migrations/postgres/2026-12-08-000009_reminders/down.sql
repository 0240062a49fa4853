DROP INDEX actions_open_due;
ALTER TABLE actions DROP COLUMN overdue_reminded;
DELETE FROM audit_events WHERE entity = 'section55';
ALTER TABLE audit_events DROP CONSTRAINT audit_events_entity_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_entity_check CHECK (entity IN ('force', 'policing_body', 'inspection', 'item', 'force_response', 'item_response', 'action', 'action_update', 'pcc_response'));
DROP TABLE reminders;
