-- As for PostgreSQL: the responses' inspection indexes carry the force too, so that a read of
-- one force's responses to a page of inspections is the index's alone on either backend.
DROP INDEX force_responses_inspection;
CREATE INDEX force_responses_inspection ON force_responses (inspection_id, force_id);
DROP INDEX pcc_responses_inspection;
CREATE INDEX pcc_responses_inspection ON pcc_responses (inspection_id, force_id);
