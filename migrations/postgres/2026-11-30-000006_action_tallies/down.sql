ALTER TABLE item_responses
    DROP COLUMN actions_planned,
    DROP COLUMN actions_in_progress,
    DROP COLUMN actions_blocked,
    DROP COLUMN actions_pending_sign_off,
    DROP COLUMN actions_done,
    DROP COLUMN actions_cancelled,
    DROP COLUMN actions_open_due;
