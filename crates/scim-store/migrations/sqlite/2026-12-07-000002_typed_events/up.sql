-- Typed events (docs/events.md): each has a UUID that stays the same across redeliveries, a type
-- (`user.deactivated`, `access.revoked`...), the actor (a token id, 'admin' or 'cli'), what the
-- resource is called, and, for member and access events, the ids in `detail` (at most 1,000 per
-- event). `snapshot` is the document as stored after the write, for the "full" form of created
-- and updated events. A plain rowid table: member events are tens of kilobytes, which a
-- WITHOUT ROWID table stores badly.
CREATE TABLE typed_events (
    tenant_id     TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    id            TEXT NOT NULL,
    type          TEXT NOT NULL,
    at            BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    external_id   TEXT,
    name          TEXT,
    version       BIGINT,
    changed       TEXT NOT NULL,
    detail        TEXT,
    snapshot      TEXT,
    PRIMARY KEY (tenant_id, seq)
);
-- Events written before this release keep their place in the log: their type follows from what
-- was done to what, their actor is the token or else the command line.
INSERT INTO typed_events (tenant_id, seq, id, type, at, actor, resource_type, resource_id,
                          version, changed)
SELECT tenant_id, seq,
       lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
           substr(lower(hex(randomblob(2))), 2) || '-a' || substr(lower(hex(randomblob(2))), 2) ||
           '-' || lower(hex(randomblob(6))),
       lower(resource_type) || CASE operation WHEN 'create' THEN '.created'
                                              WHEN 'delete' THEN '.deleted'
                                              ELSE '.updated' END,
       at, COALESCE(token_id, 'cli'), resource_type, resource_id, version, changed
FROM events;
DROP TABLE events;
ALTER TABLE typed_events RENAME TO events;
-- A person's or a group's history, newest first.
CREATE INDEX events_by_resource ON events (tenant_id, resource_id, seq);
