-- A resource's history without an index entry per event. An index on (tenant_id, resource_id,
-- seq) puts every event's entry on the page of its resource's key: a different page for each
-- person, which each commit writes to the WAL and a checkpoint copies back, half of what events
-- cost a user PATCH (docs/benchmarks.md, "What events cost a write"). Instead each event names
-- the previous event about the same resource, and the newest one is kept on the resource's own
-- row, which every write about it rewrites anyway. A history is a walk from there by the
-- primary key. Whatever has no row (a deleted resource, a token, the tenant) keeps its newest
-- event in `event_heads`, written only by those rare writes.
ALTER TABLE events ADD COLUMN previous BIGINT;
ALTER TABLE resources ADD COLUMN last_event BIGINT;
CREATE TABLE event_heads (
    tenant_id   TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    last_event  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, resource_id)
) WITHOUT ROWID;
-- The events written before: linked while the index still finds each one's predecessor.
UPDATE events SET previous = (
    SELECT MAX(p.seq) FROM events p
    WHERE p.tenant_id = events.tenant_id AND p.resource_id = events.resource_id
      AND p.seq < events.seq
);
UPDATE resources SET last_event = (
    SELECT MAX(e.seq) FROM events e WHERE e.tenant_id = resources.tenant_id AND e.resource_id = resources.id
);
INSERT INTO event_heads (tenant_id, resource_id, last_event)
SELECT e.tenant_id, e.resource_id, MAX(e.seq) FROM events e
WHERE NOT EXISTS (SELECT 1 FROM resources r WHERE r.tenant_id = e.tenant_id AND r.id = e.resource_id)
GROUP BY e.tenant_id, e.resource_id;
DROP INDEX events_by_resource;
