-- 0005_tree_heads: the Merkle tree over the record log (RFC 9162).
--
-- tree_heads: one signed head per tree size, written in the transaction
-- of the append that made that size; frontier is the compact range of the
-- tree (the hashes of its perfect subtrees, left to right, 32 bytes each),
-- from which the next append computes the next root without reading the
-- log.
CREATE TABLE tree_heads (
	size      INTEGER NOT NULL PRIMARY KEY,
	root      BLOB    NOT NULL,
	frontier  BLOB    NOT NULL,
	time      INTEGER,
	signature TEXT    NOT NULL
) STRICT;

-- tree_nodes: the hash of every perfect subtree (level 0: the leaves),
-- from which inclusion and consistency proofs are read.
CREATE TABLE tree_nodes (
	level INTEGER NOT NULL,
	idx   INTEGER NOT NULL,
	hash  BLOB    NOT NULL,
	PRIMARY KEY (level, idx)
) STRICT;
