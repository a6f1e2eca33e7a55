-- The values of each resource's multi-valued attributes, as data_ci holds them: SQLite cannot
-- index inside a JSON array, so without this table a filter's `emails[type eq "work" and value
-- eq "x"]` reads every row of the tenant; with it, an `eq` on such a value finds its candidate
-- rows through resource_values_by_value (see src/sql/implied.rs). The exact condition still
-- runs on every candidate, so the table only has to hold every value it could match: an extra
-- row costs time, never correctness.
--
-- A value is an item of an array at the top level of data_ci or in one of its top-level
-- objects (extensions): the item itself when it is a string (`attribute` is then the array's
-- key), or its `value` member when it is an object with a string there (`<key>.value`). Keys
-- are joined by '.', an extension's URN first. Other members of an element (`type`,
-- `display`, `primary`) are left out: each is shared by a large part of the rows, where a
-- lookup costs more than the scan it replaces, and `schemas` for the same reason.
-- value: the string as data_ci holds it (folded unless the attribute is caseExact).
--
-- Triggers keep the table in step with data_ci, so no write path can forget it. The update
-- trigger fires only when data_ci really changes: PATCHing a group's members rewrites its row
-- with the same document, and must not pay for its values.
CREATE TABLE resource_values (
    seq           INTEGER NOT NULL REFERENCES resources (seq) ON DELETE CASCADE,
    attribute     TEXT NOT NULL,
    value         TEXT NOT NULL,
    tenant_id     TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    PRIMARY KEY (seq, attribute, value)
) WITHOUT ROWID;
CREATE INDEX resource_values_by_value
    ON resource_values (tenant_id, resource_type, attribute, value);

-- What resource_values holds for each row of resources. Each json_each reads only what its
-- CASE lets through, so a scalar is never parsed as JSON. A view, so that the backfill and the
-- triggers say it once: the triggers ask it for one seq, which SQLite pushes into both arms (a
-- rowid lookup, then that row's JSON).
CREATE VIEW resource_values_of AS
SELECT r.seq, r.tenant_id, r.resource_type,
        CASE WHEN i.type = 'text' THEN t.key ELSE t.key || '.value' END AS attribute,
        CASE WHEN i.type = 'text' THEN i.value ELSE json_extract(i.value, '$.value') END AS value
    FROM resources r, json_each(r.data_ci) t,
        json_each(CASE WHEN t.type = 'array' AND t.key <> 'schemas' THEN t.value ELSE '[]' END) i
    WHERE i.type = 'text' OR (i.type = 'object' AND json_type(i.value, '$.value') = 'text')
UNION ALL
SELECT r.seq, r.tenant_id, r.resource_type,
        CASE WHEN i.type = 'text' THEN t.key || '.' || x.key
            ELSE t.key || '.' || x.key || '.value' END,
        CASE WHEN i.type = 'text' THEN i.value ELSE json_extract(i.value, '$.value') END
    FROM resources r, json_each(r.data_ci) t,
        json_each(CASE WHEN t.type = 'object' THEN t.value ELSE '{}' END) x,
        json_each(CASE WHEN x.type = 'array' THEN x.value ELSE '[]' END) i
    WHERE i.type = 'text' OR (i.type = 'object' AND json_type(i.value, '$.value') = 'text');

-- DISTINCT: an array may hold a value twice.
INSERT INTO resource_values (seq, attribute, value, tenant_id, resource_type)
SELECT DISTINCT seq, attribute, value, tenant_id, resource_type FROM resource_values_of;

CREATE TRIGGER resource_values_on_insert AFTER INSERT ON resources
BEGIN
    INSERT INTO resource_values (seq, attribute, value, tenant_id, resource_type)
    SELECT DISTINCT seq, attribute, value, tenant_id, resource_type FROM resource_values_of
    WHERE seq = NEW.seq;
END;

CREATE TRIGGER resource_values_on_update AFTER UPDATE OF data_ci ON resources
WHEN NEW.data_ci IS NOT OLD.data_ci
BEGIN
    DELETE FROM resource_values WHERE seq = OLD.seq;
    INSERT INTO resource_values (seq, attribute, value, tenant_id, resource_type)
    SELECT DISTINCT seq, attribute, value, tenant_id, resource_type FROM resource_values_of
    WHERE seq = NEW.seq;
END;
