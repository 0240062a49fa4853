ALTER TABLE item_responses DROP COLUMN actions_planned;
ALTER TABLE item_responses DROP COLUMN actions_in_progress;
ALTER TABLE item_responses DROP COLUMN actions_blocked;
ALTER TABLE item_responses DROP COLUMN actions_pending_sign_off;
ALTER TABLE item_responses DROP COLUMN actions_done;
ALTER TABLE item_responses DROP COLUMN actions_cancelled;
ALTER TABLE item_responses DROP COLUMN actions_open_due;
