-- A force's response to an item carries the tally of its actions: how many stand in each
-- status, and the due dates of those still open (done and cancelled are closed), sorted and
-- comma-separated, from which a reader counts the overdue for its own day. Action counts are
-- then read with the responses rather than counted from every action. Every write of an
-- action recounts its item's tally in the same transaction (`actions::service::retally`).
ALTER TABLE item_responses ADD COLUMN actions_planned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_responses ADD COLUMN actions_in_progress INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_responses ADD COLUMN actions_blocked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_responses ADD COLUMN actions_pending_sign_off INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_responses ADD COLUMN actions_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_responses ADD COLUMN actions_cancelled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_responses ADD COLUMN actions_open_due TEXT NOT NULL DEFAULT '';
UPDATE item_responses SET
    actions_planned = a.planned,
    actions_in_progress = a.in_progress,
    actions_blocked = a.blocked,
    actions_pending_sign_off = a.pending_sign_off,
    actions_done = a.done,
    actions_cancelled = a.cancelled,
    actions_open_due = a.open_due
FROM (
    SELECT force_id, item_id,
        count(*) FILTER (WHERE status = 'planned') AS planned,
        count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
        count(*) FILTER (WHERE status = 'blocked') AS blocked,
        count(*) FILTER (WHERE status = 'pending_sign_off') AS pending_sign_off,
        count(*) FILTER (WHERE status = 'done') AS done,
        count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
        coalesce(group_concat(due_on, ',' ORDER BY due_on)
            FILTER (WHERE due_on IS NOT NULL AND status NOT IN ('done', 'cancelled')), '') AS open_due
    FROM actions GROUP BY force_id, item_id
) AS a
WHERE item_responses.force_id = a.force_id AND item_responses.item_id = a.item_id;
