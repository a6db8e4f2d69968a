-- 0021_tree_head_on_tail: the newest signed tree head lives in the record
-- log's tail row, and tree_heads keeps only the heads worth keeping.
--
-- Every append signs a tree head over the log it ends, and the holder is
-- given it with their record; but once the next append has signed the
-- next head, the earlier one proves nothing the newer does not (a
-- consistency proof, built from tree_nodes, links any two sizes). Until
-- now each one stayed in tree_heads: a row of about 630 bytes for every
-- record, half of what the record log took. The statement that stores an
-- append now writes its head into the tail row, which it updates anyway,
-- and inserts it into tree_heads only when the log keeps it (package
-- audit keeps one head every 1,024 sizes). Heads already stored stay, the
-- newest among them found there until the next append (docs/operating.md
-- says how to thin them).
--
-- The tail row is locked briefly by every append; the lock timeout makes
-- this start fail, to be retried, rather than hold every append behind it.
SET LOCAL lock_timeout = '5s';
ALTER TABLE record_log_tail
    ADD COLUMN tree_root bytea,
    ADD COLUMN tree_time timestamptz,
    ADD COLUMN tree_signature text;
