-- The transaction an event came from: every event of one write shares it (an RFC 8417 `txn`).
-- Events written before have none; they are read as transactions of their own.
ALTER TABLE events ADD COLUMN txn TEXT;
