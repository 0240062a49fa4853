-- The action counts of a page (a force's dashboard, a national inspection) read status and
-- due date of every action of its items. With both in the index, PostgreSQL answers from the
-- index alone (an index-only scan) instead of visiting a heap page per action: for the
-- national query's 1,618 actions, 1.2 ms instead of 2.5 ms.
DROP INDEX actions_item_only;
CREATE INDEX actions_item_only ON actions (item_id, force_id) INCLUDE (status, due_on);
