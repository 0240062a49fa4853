DROP INDEX actions_item_only;
CREATE INDEX actions_item_only ON actions (item_id, force_id);
