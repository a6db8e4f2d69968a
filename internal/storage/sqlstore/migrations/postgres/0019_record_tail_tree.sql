-- 0019_record_tail_tree: the record log's tail row also keeps the Merkle
-- tree's size and frontier (its compact range) after the last append,
-- written by the statement that stores each append with its tree nodes
-- and signed tree head. An append then finds the whole end of the log
-- (Seq, the last record's time and hash, the tree) in the statement that
-- takes the tail, and stores itself in one more: two statements while
-- every other append waits for the tail's row lock. A tail whose tree
-- size is not the last Seq (NULL here, until the first append after this
-- migration) has the newest tree head read from tree_heads instead.
ALTER TABLE record_log_tail ADD COLUMN tree_size bigint;
ALTER TABLE record_log_tail ADD COLUMN tree_frontier bytea;
