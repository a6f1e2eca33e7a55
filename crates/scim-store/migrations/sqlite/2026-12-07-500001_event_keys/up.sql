-- The events table keyed by its rowid. Its key (tenant_id, seq) was a B-tree of its own beside
-- the table: one more page that every write's commit put in the WAL and a checkpoint copied
-- back (docs/benchmarks.md, "What events cost a write"). `log_key` is the rowid: the tenant's
-- event space in the high bits and `seq` in the low 40 (crates/scim-store/src/engine/
-- log_range.rs), so a tenant's log is one range of the table itself, in order.
--
-- Each tenant gets its space when it is created: by a trigger, so that every way of creating a
-- tenant gives one. A space freed by deleting the newest tenant may be given again; that
-- tenant's events went with it.
ALTER TABLE tenants ADD COLUMN event_space INTEGER;
UPDATE tenants SET event_space = (SELECT COUNT(*) FROM tenants t WHERE t.id <= tenants.id);
CREATE UNIQUE INDEX tenants_by_event_space ON tenants (event_space);
CREATE TRIGGER tenants_event_space AFTER INSERT ON tenants WHEN NEW.event_space IS NULL
BEGIN
    UPDATE tenants SET event_space = (SELECT COALESCE(MAX(event_space), 0) + 1 FROM tenants)
    WHERE id = NEW.id;
END;
CREATE TABLE keyed_events (
    log_key       INTEGER PRIMARY KEY,
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
    previous      BIGINT
);
INSERT INTO keyed_events (log_key, tenant_id, seq, id, type, at, actor, resource_type,
                          resource_id, external_id, name, version, changed, detail, snapshot,
                          txn, previous)
SELECT (t.event_space << 40) + e.seq, e.tenant_id, e.seq, e.id, e.type, e.at, e.actor,
       e.resource_type, e.resource_id, e.external_id, e.name, e.version, e.changed, e.detail,
       e.snapshot, e.txn, e.previous
FROM events e JOIN tenants t ON t.id = e.tenant_id
ORDER BY 1;
DROP TABLE events;
ALTER TABLE keyed_events RENAME TO events;
