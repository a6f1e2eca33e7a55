CREATE INDEX events_by_id ON events (tenant_id, id);
CREATE INDEX events_by_type ON events (tenant_id, type, seq);
CREATE INDEX events_by_actor ON events (tenant_id, actor, seq);
