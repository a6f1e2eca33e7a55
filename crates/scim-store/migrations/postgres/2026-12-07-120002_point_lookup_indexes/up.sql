-- Each index of resources and memberships serves only the statements it is for, whatever the
-- planner's statistics say (docs/decisions/0005-point-lookups-without-statistics.md).
--
-- Every index here used to begin with tenant_id. A planner that believes a tenant holds about
-- one row (a table never analysed, or statistics gathered before the tenant existed) costs a
-- scan of "the tenant's rows" through any of them at one row, the same as the lookup through
-- the index made for it, and the tie went to whichever it considered first: a lookup by
-- userName or id read every row of a freshly provisioned tenant through resources_in_order.
-- Now, for a point lookup, exactly one index has the statement's equalities as its leading
-- columns, and any other would be a scan of the whole index:
--
-- - resources_by_id and memberships_by_member lead with the id they look up;
-- - the primary key of memberships leads with the group;
-- - resources_by_name, like resources_by_external_id and resources_unique_name before it, is
--   partial: only a statement that says `name_ci IS NOT NULL` (every filter on the name
--   does) can use it;
-- - resources_in_order is partial on a condition every row meets, `seq > 0`: only statements
--   that say so can use it, and the store says so in listings, never in point lookups.

DROP INDEX resources_by_id;
CREATE UNIQUE INDEX resources_by_id ON resources (id, tenant_id);

DROP INDEX resources_by_name;
CREATE INDEX resources_by_name ON resources (tenant_id, resource_type, name_ci)
    WHERE name_ci IS NOT NULL;

DROP INDEX resources_in_order;
CREATE INDEX resources_in_order ON resources (tenant_id, resource_type, seq) WHERE seq > 0;

ALTER TABLE memberships DROP CONSTRAINT memberships_pkey;
ALTER TABLE memberships ADD CONSTRAINT memberships_pkey PRIMARY KEY (group_id, tenant_id, member_id);

DROP INDEX memberships_by_member;
CREATE INDEX memberships_by_member ON memberships (member_id, tenant_id);
