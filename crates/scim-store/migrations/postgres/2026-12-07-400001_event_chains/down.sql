CREATE INDEX events_by_resource ON events (tenant_id, resource_id, seq);
DROP TABLE event_heads;
ALTER TABLE resources DROP COLUMN last_event;
ALTER TABLE events DROP COLUMN previous;
