-- The web console's sessions and one-time sign-in links. Only SHA-256 hashes of session ids and
-- link tokens are kept: whoever reads the database cannot sign in with what it holds. Every server
-- process on the database sees the same sessions, so no load balancer needs session affinity.
CREATE TABLE console_sessions (
    id_hash      TEXT PRIMARY KEY,
    -- 'operator' (signed in with the admin token, every tenant) or 'tenant' (from a link: one).
    kind         TEXT NOT NULL,
    tenant_id    TEXT,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_tenant ON console_sessions (tenant_id);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);

-- A link opens one session, once, before it expires.
CREATE TABLE console_links (
    token_hash TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX console_links_by_tenant ON console_links (tenant_id);

-- The activity page filters the change log by type and by actor, newest first.
CREATE INDEX events_by_type ON events (tenant_id, type, seq);
CREATE INDEX events_by_actor ON events (tenant_id, actor, seq);

-- A group's members a page at a time, in byte order of their ids (as every list of the store is
-- ordered, whatever the database's default collation): the primary key's own order may be a
-- linguistic one.
CREATE INDEX memberships_by_group_bytes ON memberships (tenant_id, group_id, member_id COLLATE "C");
