-- Times are microseconds since the Unix epoch (UTC).

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    -- The last change-log sequence number handed out for this tenant. Every write transaction
    -- increments it first (taking the row lock), which serialises a tenant's writes across server
    -- instances and makes the change log gap-free and ordered by commit.
    event_seq   BIGINT NOT NULL DEFAULT 0,
    settings    JSONB NOT NULL DEFAULT '{}'
);

CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    issued_at   BIGINT NOT NULL,
    expires_at  BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX tokens_tenant ON tokens (tenant_id);

CREATE TABLE resources (
    -- Insertion order: the default sort order and the tie-breaker of every other one.
    seq           BIGSERIAL PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    resource_type TEXT NOT NULL,
    id            TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    -- userName (User) or displayName (Group), case-folded: the indexed lookup key.
    name_ci       TEXT COLLATE "C",
    -- name_ci again when the tenant's policy makes the name unique, else NULL.
    unique_name   TEXT COLLATE "C",
    external_id   TEXT COLLATE "C",
    protected     BOOLEAN NOT NULL DEFAULT FALSE,
    -- The canonical resource without id, meta and detached attributes (members, groups).
    data          JSONB NOT NULL,
    -- The same document with every case-insensitive string case-folded: filters read this one.
    data_ci       JSONB NOT NULL
);
CREATE UNIQUE INDEX resources_by_id ON resources (tenant_id, id);
CREATE UNIQUE INDEX resources_unique_name ON resources (tenant_id, resource_type, unique_name)
    WHERE unique_name IS NOT NULL;
CREATE INDEX resources_by_name ON resources (tenant_id, resource_type, name_ci);
CREATE INDEX resources_by_external_id ON resources (tenant_id, resource_type, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX resources_in_order ON resources (tenant_id, resource_type, seq);

CREATE TABLE memberships (
    tenant_id   TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_type TEXT NOT NULL,
    PRIMARY KEY (tenant_id, group_id, member_id)
);
CREATE INDEX memberships_by_member ON memberships (tenant_id, member_id);

CREATE TABLE events (
    tenant_id     TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    operation     TEXT NOT NULL,
    version       BIGINT NOT NULL,
    token_id      TEXT,
    at            BIGINT NOT NULL,
    changed       JSONB NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
