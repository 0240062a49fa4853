DROP INDEX actions_item_only;
CREATE INDEX actions_item_only ON actions (item_id, force_id) INCLUDE (status, due_on);
DROP INDEX actions_inspection;
ALTER TABLE actions DROP COLUMN inspection_id;
