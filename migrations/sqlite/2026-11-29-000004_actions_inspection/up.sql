-- An action carries the inspection of its item, as an item response does, so the action
-- counts of a page are ranges of one index (status and due date as trailing columns, read
-- from the index alone) instead of a probe per item through a join with items. SQLite adds a
-- NOT NULL column only with a default; every insert gives the real value.
ALTER TABLE actions ADD COLUMN inspection_id TEXT NOT NULL DEFAULT '';
UPDATE actions SET inspection_id = (SELECT items.inspection_id FROM items WHERE items.id = actions.item_id);
CREATE INDEX actions_inspection ON actions (force_id, inspection_id, item_id, status, due_on);
DROP INDEX actions_item_only;
CREATE INDEX actions_item_only ON actions (item_id, force_id);
