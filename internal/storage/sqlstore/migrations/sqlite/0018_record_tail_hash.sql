-- 0018_record_tail_hash: on PostgreSQL, the record log's tail row keeps
-- the last record's hash. SQLite keeps no tail row (its one writer holds
-- the log's end, and an append reads the last record's Seq, time and hash
-- at once); the schema does not change.
SELECT 1;
