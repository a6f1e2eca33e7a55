-- How many resources of each type a tenant has, per block of 1024 insertion sequence numbers
-- (block = seq / 1024). Every write that creates or deletes resources adjusts the blocks of
-- their rows in its own transaction, under the tenant's write lock, so the counts are exact at
-- every commit. An unfiltered query reads its totalResults as the sum of the blocks instead of
-- counting the tenant's rows, and an index page deep into the set starts its scan at the block
-- that holds its first row instead of skipping every row before it.
CREATE TABLE resource_counts (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    resource_type TEXT NOT NULL,
    block         BIGINT NOT NULL,
    n             BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, resource_type, block)
) WITHOUT ROWID;
INSERT INTO resource_counts (tenant_id, resource_type, block, n)
    SELECT tenant_id, resource_type, seq / 1024, COUNT(*) FROM resources
    GROUP BY tenant_id, resource_type, seq / 1024;
