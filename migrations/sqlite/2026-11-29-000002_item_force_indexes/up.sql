-- Lookups of one force's rows for many items (a force's dashboard) filter on both columns.
-- With an index on item_id alone, PostgreSQL's generic plan for the prepared statement probed
-- it and fetched every force's rows to discard all but one: 18 ms instead of 2 ms for the
-- action counts of a page of 20 inspections. With force_id in the index it is a condition of
-- the probe, whatever the plan; item-only lookups (every force's responses to an item) use
-- the same index.
DROP INDEX item_responses_item;
CREATE INDEX item_responses_item ON item_responses (item_id, force_id);
DROP INDEX actions_item_only;
CREATE INDEX actions_item_only ON actions (item_id, force_id);
