DROP INDEX memberships_by_group_bytes;
DROP INDEX events_by_actor;
DROP INDEX events_by_type;
DROP TABLE console_links;
DROP TABLE console_sessions;
