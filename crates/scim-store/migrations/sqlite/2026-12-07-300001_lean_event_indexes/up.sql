-- Every write appends its events, and each index of `events` is one more B-tree that write
-- changes (on SQLite, one more page in the WAL at every commit). These three cost a POST
-- /Users 15-20% of its CPU for lookups that are rare or can do without them
-- (docs/benchmarks.md, "What events cost a write"):
-- * acknowledgements of polled SETs find their events among those after the cursor, by the
--   primary key;
-- * the activity page filters by type and by actor over a bounded range of sequence numbers,
--   newest first, by the primary key.
DROP INDEX events_by_id;
DROP INDEX events_by_type;
DROP INDEX events_by_actor;
