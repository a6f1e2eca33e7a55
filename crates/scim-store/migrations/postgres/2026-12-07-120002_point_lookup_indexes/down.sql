DROP INDEX memberships_by_member;
CREATE INDEX memberships_by_member ON memberships (tenant_id, member_id);

ALTER TABLE memberships DROP CONSTRAINT memberships_pkey;
ALTER TABLE memberships ADD CONSTRAINT memberships_pkey PRIMARY KEY (tenant_id, group_id, member_id);

DROP INDEX resources_in_order;
CREATE INDEX resources_in_order ON resources (tenant_id, resource_type, seq);

DROP INDEX resources_by_name;
CREATE INDEX resources_by_name ON resources (tenant_id, resource_type, name_ci);

DROP INDEX resources_by_id;
CREATE UNIQUE INDEX resources_by_id ON resources (tenant_id, id);
