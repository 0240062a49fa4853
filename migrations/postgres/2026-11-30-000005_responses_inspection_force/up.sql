-- A force's and a PCC's responses to a page of inspections (a dashboard: one force, 20
-- inspections) are read by `force_id = $1 AND inspection_id = ANY($2)`. PostgreSQL plans that
-- generically (src/db/mod.rs) with the inspection index, which held only the inspection: it
-- visited every force's row of each inspection (825 for a dashboard's 19) and filtered out all
-- but one. With the force as the index's second column, both conditions are the index's and
-- it visits the 19; reads by inspection alone (every force's response) use it as before.
DROP INDEX force_responses_inspection;
CREATE INDEX force_responses_inspection ON force_responses (inspection_id, force_id);
DROP INDEX pcc_responses_inspection;
CREATE INDEX pcc_responses_inspection ON pcc_responses (inspection_id, force_id);
