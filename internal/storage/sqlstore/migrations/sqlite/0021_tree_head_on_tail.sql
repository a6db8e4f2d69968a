-- 0021_tree_head_on_tail: the newest signed tree head lives in a row of
-- its own, and tree_heads keeps only the heads worth keeping.
--
-- Every append signs a tree head over the log it ends, and the holder is
-- given it with their record; but once the next append has signed the
-- next head, the earlier one proves nothing the newer does not (a
-- consistency proof, built from tree_nodes, links any two sizes). Until
-- now each one stayed in tree_heads, a row for every record. An append now
-- writes its head into tree_tail, one row replaced in place, and inserts
-- it into tree_heads only when the log keeps it (package audit keeps one
-- head every 1,024 sizes). Heads already stored stay, the newest among
-- them found there until the next append (docs/operating.md says how to
-- thin them).
CREATE TABLE tree_tail (
	one       INTEGER NOT NULL PRIMARY KEY CHECK (one = 1),
	size      INTEGER NOT NULL,
	root      BLOB    NOT NULL,
	frontier  BLOB    NOT NULL,
	time      INTEGER,
	signature TEXT    NOT NULL
) STRICT;
