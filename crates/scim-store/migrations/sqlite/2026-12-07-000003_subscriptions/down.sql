ALTER TABLE tokens DROP COLUMN last_used_at;
DROP INDEX events_by_id;
DROP TABLE deliveries;
DROP TABLE subscriptions;
