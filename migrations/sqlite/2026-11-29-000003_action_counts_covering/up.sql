-- The action counts of a page read status and due date of every action of its items; with
-- both in the index (SQLite has no INCLUDE: they are trailing columns) the counts are read
-- from the index alone.
DROP INDEX actions_item_only;
CREATE INDEX actions_item_only ON actions (item_id, force_id, status, due_on);
