-- Webhooks (`webhooks::service`): each acts as its creator (`principal`, as registered) and
-- reads the change feed after `position`; the worker that holds its lease turns what it finds
-- into deliveries and sends them in order. `secret` is sealed with the key from configuration
-- (`OVERSIGHT_WEBHOOK_KEY`), so a dump of this table alone cannot sign a delivery.
CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    owner_sub     TEXT NOT NULL,
    owner_issuer  TEXT,
    principal     TEXT NOT NULL,
    url           TEXT NOT NULL,
    events        TEXT NOT NULL,
    forces        TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    secret        TEXT NOT NULL,
    -- The last feed event (audit_events.id) this webhook has looked at.
    position      BIGINT NOT NULL,
    -- When its first pending delivery is next tried.
    next_at       TIMESTAMP NOT NULL,
    -- Held by the instance delivering it until then.
    lease_until   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    version       INTEGER NOT NULL
);
CREATE INDEX webhooks_owner ON webhooks (owner_sub);

-- One event (or ping) for one webhook, with the body sent on every attempt.
CREATE TABLE webhook_deliveries (
    n               INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        BIGINT,
    kind            TEXT NOT NULL,
    body            TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    response_status INTEGER,
    response_body   TEXT,
    created_at      TIMESTAMP NOT NULL,
    -- Retries go on for a day from here.
    first_attempt_at TIMESTAMP,
    next_at         TIMESTAMP NOT NULL,
    at              TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, n);
