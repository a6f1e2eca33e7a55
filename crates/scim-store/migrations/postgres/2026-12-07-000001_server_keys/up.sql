-- The server's own keys, shared by every process on this database: the secret SCIM keys are
-- signed with, and later others (for signed events). Kept here rather than in a file beside the
-- process, so that every command and every instance agree on them wherever they run.
CREATE TABLE server_keys (
    -- The key id (JWT `kid`).
    id          TEXT PRIMARY KEY,
    -- What the key signs: 'scim-key', ...
    purpose     TEXT NOT NULL,
    algorithm   TEXT NOT NULL,
    -- The secret or private key. Whoever reads this table can sign: protect the database.
    material    TEXT NOT NULL,
    -- Where the key came from: 'generated', or the file it was adopted from.
    origin      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    -- Set once the key no longer signs; it still verifies what it signed before.
    retired_at  BIGINT
);
-- At most one current (signing) key per purpose: processes that start together on a new
-- database race to insert one, and all of them then use the one that won.
CREATE UNIQUE INDEX server_keys_current ON server_keys (purpose) WHERE retired_at IS NULL;
