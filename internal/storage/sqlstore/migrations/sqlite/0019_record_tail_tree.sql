-- 0019_record_tail_tree: on PostgreSQL, the record log's tail row keeps
-- the Merkle tree's size and frontier. SQLite keeps no tail row (its one
-- writer holds the log's end, and an append reads the last record and the
-- newest tree head in one statement); the schema does not change.
SELECT 1;
