CREATE TABLE paired_events (
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
    txn           TEXT,
    previous      BIGINT,
    PRIMARY KEY (tenant_id, seq)
);
INSERT INTO paired_events (tenant_id, seq, id, type, at, actor, resource_type, resource_id,
                           external_id, name, version, changed, detail, snapshot, txn, previous)
SELECT tenant_id, seq, id, type, at, actor, resource_type, resource_id, external_id, name,
       version, changed, detail, snapshot, txn, previous
FROM events;
DROP TABLE events;
ALTER TABLE paired_events RENAME TO events;
DROP TRIGGER tenants_event_space;
DROP INDEX tenants_by_event_space;
ALTER TABLE tenants DROP COLUMN event_space;
