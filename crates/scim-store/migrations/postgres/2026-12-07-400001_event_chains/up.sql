-- A resource's history without an index entry per event. An index on (tenant_id, resource_id,
-- seq) gives every event an entry on its resource's leaf page: a different page for each
-- person, dirtied (and, after each checkpoint, written whole to the WAL) by every write about
-- them (docs/benchmarks.md, "What events cost a write"). Instead each event names the previous
-- event about the same resource, and the newest one is kept on the resource's own row, which
-- every write about it rewrites anyway, in the same statement. A history is a walk from there
-- by the primary key. Whatever has no row (a deleted resource, a token, the tenant) keeps its
-- newest event in `event_heads`, written only by those rare writes.
ALTER TABLE events ADD COLUMN previous BIGINT;
ALTER TABLE resources ADD COLUMN last_event BIGINT;
CREATE TABLE event_heads (
    tenant_id   TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    last_event  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, resource_id)
);
-- The events written before are linked. Their heads go to `event_heads`, not onto the
-- resources' rows, which would take a new version of every row and its index entries; a
-- resource's own `last_event`, once its next write sets it, comes first.
UPDATE events e SET previous = p.previous
FROM (
    SELECT tenant_id, seq, LAG(seq) OVER (PARTITION BY tenant_id, resource_id ORDER BY seq) AS previous
    FROM events
) p
WHERE p.tenant_id = e.tenant_id AND p.seq = e.seq AND p.previous IS NOT NULL;
INSERT INTO event_heads (tenant_id, resource_id, last_event)
SELECT tenant_id, resource_id, MAX(seq) FROM events GROUP BY tenant_id, resource_id;
DROP INDEX events_by_resource;
