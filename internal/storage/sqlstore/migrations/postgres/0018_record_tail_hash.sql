-- 0018_record_tail_hash: the record log's tail row also keeps the last
-- record's hash (last_hash), set by the statement that inserts each
-- record. An append then chains to the hash it takes with the tail, in the
-- statement that takes it, instead of reading its predecessor in a second
-- statement while every other append waits for the tail's row lock. A
-- tail without it (NULL) is read the old way once, by (seq, last_time).
ALTER TABLE record_log_tail ADD COLUMN last_hash bytea;
UPDATE record_log_tail SET last_hash = (
    SELECT hash FROM records
    WHERE records.seq = record_log_tail.seq AND records.time = record_log_tail.last_time
);
