-- A published Section 55 document is a record: each revision freezes the force's part as it
-- stood at that publication, from submitted work only. `chief_constable_submitted` says
-- whether the chief constable's response had been submitted then; its comments are kept only
-- if it had. A revision's item answers (acceptance and narrative) are kept beside it.
ALTER TABLE pcc_response_revisions ADD COLUMN chief_constable_submitted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE pcc_response_revisions ADD COLUMN chief_constable_comments TEXT;

CREATE TABLE pcc_revision_answers (
    force_id       TEXT NOT NULL,
    inspection_id  TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    item_id        TEXT NOT NULL,
    acceptance     TEXT,
    response       TEXT NOT NULL,
    PRIMARY KEY (force_id, inspection_id, revision, item_id),
    FOREIGN KEY (force_id, inspection_id, revision)
        REFERENCES pcc_response_revisions (force_id, inspection_id, revision)
);

-- Revisions published before this migration kept nothing of the force's part: they carry the
-- force's submitted work as it stands at the upgrade (docs/OPERATIONS.md).
UPDATE pcc_response_revisions SET
    chief_constable_submitted = TRUE,
    chief_constable_comments = (
        SELECT fr.comments FROM force_responses fr
        WHERE fr.force_id = pcc_response_revisions.force_id
          AND fr.inspection_id = pcc_response_revisions.inspection_id)
WHERE EXISTS (
    SELECT 1 FROM force_responses fr
    WHERE fr.force_id = pcc_response_revisions.force_id
      AND fr.inspection_id = pcc_response_revisions.inspection_id
      AND fr.status = 'submitted');

INSERT INTO pcc_revision_answers (force_id, inspection_id, revision, item_id, acceptance, response)
SELECT r.force_id, r.inspection_id, r.revision, ir.item_id, ir.acceptance, ir.response
FROM pcc_response_revisions r
JOIN item_responses ir ON ir.force_id = r.force_id AND ir.inspection_id = r.inspection_id
WHERE r.chief_constable_submitted;
