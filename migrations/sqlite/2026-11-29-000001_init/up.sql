-- The whole Oversight domain. Ids are text (UUIDv7 strings; forces use slugs), lists that are
-- only ever read whole are JSON text, enumerations are text guarded by CHECK constraints, and
-- every mutable row carries version/created_at/updated_at (timestamps are UTC).

CREATE TABLE forces (
    id          TEXT PRIMARY KEY CHECK (id <> '' AND id NOT GLOB '*[^a-z0-9-]*'),
    name        TEXT NOT NULL CHECK (name <> ''),
    country     TEXT NOT NULL CHECK (country IN ('england', 'wales', 'scotland', 'northern_ireland', 'united_kingdom')),
    kind        TEXT NOT NULL CHECK (kind IN ('territorial', 'british_transport_police', 'civil_nuclear', 'ministry_of_defence', 'national_crime_agency', 'other')),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- Who answers for a force under Section 55, over time.
CREATE TABLE policing_bodies (
    id          TEXT PRIMARY KEY,
    force_id    TEXT NOT NULL REFERENCES forces (id),
    name        TEXT NOT NULL CHECK (name <> ''),
    kind        TEXT NOT NULL CHECK (kind IN ('pcc', 'pfcc', 'mayor', 'common_council', 'policing_board')),
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    UNIQUE (force_id, valid_from)
);

CREATE TABLE inspections (
    id                  TEXT PRIMARY KEY,
    title               TEXT NOT NULL CHECK (title <> ''),
    published_on        DATE NOT NULL,
    publication_types   TEXT NOT NULL DEFAULT '[]',
    report_url          TEXT,
    key_findings        TEXT NOT NULL DEFAULT '',
    all_forces          BOOLEAN NOT NULL,
    section55_deadline  DATE NOT NULL,
    deadline_explicit   BOOLEAN NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX inspections_published ON inspections (published_on DESC, id DESC);

-- The forces named in an inspection's scope (empty when it covers all territorial forces).
CREATE TABLE inspection_forces (
    inspection_id  TEXT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    force_id       TEXT NOT NULL REFERENCES forces (id),
    PRIMARY KEY (inspection_id, force_id)
);
CREATE INDEX inspection_forces_force ON inspection_forces (force_id, inspection_id);

CREATE TABLE items (
    id                   TEXT PRIMARY KEY,
    inspection_id        TEXT NOT NULL REFERENCES inspections (id),
    kind                 TEXT NOT NULL CHECK (kind IN ('recommendation', 'area_for_improvement', 'cause_of_concern')),
    number               INTEGER NOT NULL CHECK (number > 0),
    text                 TEXT NOT NULL CHECK (text <> ''),
    to_chief_constables  BOOLEAN NOT NULL,
    to_policing_bodies   BOOLEAN NOT NULL,
    addressee_forces     TEXT NOT NULL DEFAULT '[]',
    other_bodies         TEXT NOT NULL DEFAULT '[]',
    due_on               DATE,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    UNIQUE (inspection_id, kind, number)
);

CREATE TABLE force_responses (
    force_id       TEXT NOT NULL REFERENCES forces (id),
    inspection_id  TEXT NOT NULL REFERENCES inspections (id),
    comments       TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    submitted_at   TIMESTAMP,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (force_id, inspection_id),
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL))
);
CREATE INDEX force_responses_inspection ON force_responses (inspection_id);

CREATE TABLE item_responses (
    force_id        TEXT NOT NULL REFERENCES forces (id),
    item_id         TEXT NOT NULL REFERENCES items (id),
    inspection_id   TEXT NOT NULL REFERENCES inspections (id),
    acceptance      TEXT CHECK (acceptance IN ('accepted', 'partially_accepted', 'not_accepted', 'not_applicable')),
    response        TEXT NOT NULL DEFAULT '',
    hmicfrs_status  TEXT NOT NULL DEFAULT 'awaiting_review' CHECK (hmicfrs_status IN ('awaiting_review', 'being_progressed', 'complete', 'no_further_action_needed', 'superseded', 'discharged')),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (force_id, item_id)
);
CREATE INDEX item_responses_item ON item_responses (item_id);
CREATE INDEX item_responses_inspection ON item_responses (inspection_id, force_id);

CREATE TABLE actions (
    id          TEXT PRIMARY KEY,
    force_id    TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    title       TEXT NOT NULL CHECK (title <> ''),
    owner       TEXT NOT NULL DEFAULT '',
    due_on      DATE,
    status      TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'blocked', 'pending_sign_off', 'done', 'cancelled')),
    rag         TEXT CHECK (rag IN ('red', 'amber', 'green')),
    evidence    TEXT NOT NULL DEFAULT '[]',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    FOREIGN KEY (force_id, item_id) REFERENCES item_responses (force_id, item_id)
);
CREATE INDEX actions_item ON actions (force_id, item_id);
CREATE INDEX actions_item_only ON actions (item_id);

-- Progress updates are appended, never changed.
CREATE TABLE action_updates (
    id         TEXT PRIMARY KEY,
    action_id  TEXT NOT NULL REFERENCES actions (id),
    force_id   TEXT NOT NULL REFERENCES forces (id),
    at         TIMESTAMP NOT NULL,
    author     TEXT NOT NULL,
    status     TEXT CHECK (status IN ('planned', 'in_progress', 'blocked', 'pending_sign_off', 'done', 'cancelled')),
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX action_updates_action ON action_updates (action_id, at);

CREATE TABLE pcc_responses (
    force_id                                TEXT NOT NULL REFERENCES forces (id),
    inspection_id                           TEXT NOT NULL REFERENCES inspections (id),
    comments                                TEXT NOT NULL DEFAULT '',
    status                                  TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    revision                                INTEGER NOT NULL DEFAULT 0,
    published_at                            TIMESTAMP,
    first_published_at                      TIMESTAMP,
    forwarded_to_chief_constable_on         DATE,
    forwarded_to_police_and_crime_panel_on  DATE,
    submitted_to_hmicfrs_portal_on          DATE,
    sent_to_home_secretary_on               DATE,
    published_on_opcc_website_on            DATE,
    version                                 INTEGER NOT NULL DEFAULT 1,
    created_at                              TIMESTAMP NOT NULL,
    updated_at                              TIMESTAMP NOT NULL,
    PRIMARY KEY (force_id, inspection_id)
);
CREATE INDEX pcc_responses_inspection ON pcc_responses (inspection_id);

-- Every published revision of a PCC response, readable for ever.
CREATE TABLE pcc_response_revisions (
    force_id       TEXT NOT NULL,
    inspection_id  TEXT NOT NULL,
    revision       INTEGER NOT NULL CHECK (revision > 0),
    comments       TEXT NOT NULL,
    checklist      TEXT NOT NULL DEFAULT '{}',
    published_at   TIMESTAMP NOT NULL,
    published_by   TEXT NOT NULL,
    PRIMARY KEY (force_id, inspection_id, revision),
    FOREIGN KEY (force_id, inspection_id) REFERENCES pcc_responses (force_id, inspection_id)
);

-- Every change, written in the transaction that makes it. The id orders the change feed.
CREATE TABLE audit_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TIMESTAMP NOT NULL,
    actor          TEXT NOT NULL,
    force_id       TEXT,
    inspection_id  TEXT,
    entity         TEXT NOT NULL CHECK (entity IN ('force', 'policing_body', 'inspection', 'item', 'force_response', 'item_response', 'action', 'action_update', 'pcc_response')),
    entity_id      TEXT NOT NULL,
    action         TEXT NOT NULL,
    before         TEXT,
    after          TEXT
);
CREATE INDEX audit_events_force ON audit_events (force_id, id);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id);
