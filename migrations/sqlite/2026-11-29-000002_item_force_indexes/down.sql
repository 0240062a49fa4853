DROP INDEX item_responses_item;
CREATE INDEX item_responses_item ON item_responses (item_id);
DROP INDEX actions_item_only;
CREATE INDEX actions_item_only ON actions (item_id);
