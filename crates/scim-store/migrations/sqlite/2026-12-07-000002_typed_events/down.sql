CREATE TABLE untyped_events (
    tenant_id     TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    operation     TEXT NOT NULL,
    version       BIGINT NOT NULL,
    token_id      TEXT,
    at            BIGINT NOT NULL,
    changed       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) WITHOUT ROWID;
INSERT INTO untyped_events
SELECT tenant_id, seq, resource_type, resource_id,
       CASE WHEN type LIKE '%.created' THEN 'create' WHEN type LIKE '%.deleted' THEN 'delete'
            ELSE 'patch' END,
       COALESCE(version, 0), CASE WHEN actor IN ('admin', 'cli') THEN NULL ELSE actor END, at, changed
FROM events;
DROP TABLE events;
ALTER TABLE untyped_events RENAME TO events;
