-- An action carries the inspection of its item, as an item response does. The action counts of
-- a page (a force's dashboard: its 20 latest inspections; a national inspection: every force)
-- are then ranges of one index, already in the order they are grouped in, instead of a probe
-- per item through a join with items: for the dashboard's 380 items, 0.6 ms instead of 3.9 ms.
ALTER TABLE actions ADD COLUMN inspection_id TEXT REFERENCES inspections (id);
UPDATE actions SET inspection_id = items.inspection_id FROM items WHERE items.id = actions.item_id;
ALTER TABLE actions ALTER COLUMN inspection_id SET NOT NULL;
CREATE INDEX actions_inspection ON actions (force_id, inspection_id, item_id) INCLUDE (status, due_on);
-- The counts were the only reader of status and due date through this index.
DROP INDEX actions_item_only;
CREATE INDEX actions_item_only ON actions (item_id, force_id);
