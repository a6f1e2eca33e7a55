-- Subscriptions to a tenant's events (docs/events.md). A push subscription is delivered from its
-- cursor by whichever server process holds its lease (lease_owner until lease_until), so that no
-- event is in flight twice; a crashed holder's lease runs out and another process resumes.
CREATE TABLE subscriptions (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    format          TEXT NOT NULL,
    delivery        TEXT NOT NULL,
    -- A JSON array of event types; empty: every type.
    event_types     TEXT NOT NULL,
    full_form       BOOLEAN NOT NULL,
    -- The Standard Webhooks secret (whsec_...), and a poll receiver's credential.
    secret          TEXT NOT NULL,
    audience        TEXT,
    description     TEXT NOT NULL DEFAULT '',
    enabled         BOOLEAN NOT NULL,
    state           TEXT NOT NULL,
    -- The last event delivered (acknowledged); and, for poll subscriptions, events acknowledged
    -- out of order beyond it (a JSON array of sequence numbers).
    cursor_seq      BIGINT NOT NULL,
    acked_beyond    TEXT NOT NULL DEFAULT '[]',
    attempts        INTEGER NOT NULL DEFAULT 0,
    failing_since   BIGINT,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    lease_owner     TEXT,
    lease_until     BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX subscriptions_by_tenant ON subscriptions (tenant_id);
CREATE INDEX subscriptions_due ON subscriptions (next_attempt_at) WHERE enabled;

-- The last attempts of each subscription's deliveries (at most 200 are kept).
CREATE TABLE deliveries (
    subscription_id  TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    at               BIGINT NOT NULL,
    event_id         TEXT,
    seq              BIGINT,
    status           INTEGER,
    latency_us       BIGINT NOT NULL,
    delivered        BOOLEAN NOT NULL,
    error            TEXT,
    response_excerpt TEXT,
    PRIMARY KEY (subscription_id, at, id)
);

-- An event by its id: acknowledgements of polled SETs name their jti.
CREATE INDEX events_by_id ON events (tenant_id, id);

-- When each key was last seen (at most once per verification-cache period per process).
ALTER TABLE tokens ADD COLUMN last_used_at BIGINT;
