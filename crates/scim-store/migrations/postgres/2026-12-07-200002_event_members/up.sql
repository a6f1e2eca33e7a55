-- Who each member and access event lists (a group's members who joined or left, the users who
-- gained or lost a role), so that a person's history finds the events about their groups too
-- by an index, not by reading every membership event. Written with the events; the events
-- written before this migration are indexed here from their `detail`.
CREATE TABLE event_members (
    tenant_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, member_id, seq)
);
INSERT INTO event_members (tenant_id, member_id, seq)
SELECT e.tenant_id, m, e.seq
FROM events e, jsonb_array_elements_text(e.detail::jsonb -> 'members') m
WHERE e.detail IS NOT NULL
ON CONFLICT DO NOTHING;
