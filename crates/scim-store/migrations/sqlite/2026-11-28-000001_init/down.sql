DROP TABLE events;
DROP TABLE memberships;
DROP TABLE resources;
DROP TABLE tokens;
DROP TABLE tenants;
