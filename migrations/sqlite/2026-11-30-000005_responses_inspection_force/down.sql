DROP INDEX force_responses_inspection;
CREATE INDEX force_responses_inspection ON force_responses (inspection_id);
DROP INDEX pcc_responses_inspection;
CREATE INDEX pcc_responses_inspection ON pcc_responses (inspection_id);
