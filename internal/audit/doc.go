// Package audit owns the verification record log (核验记录): every
// verification, approved or not, is appended as a storage.Record, and the log
// is append-only and tamper-evident.
//
// # Chain
//
// Each record carries PrevHash, the Hash of its predecessor (32 zero bytes
// for the first record), and Hash, SHA-256 over a canonical encoding of every
// other field including Seq and PrevHash (see Hash). Changing any field of a
// record, removing one, or moving one to another Seq breaks the chain at that
// point unless the tamperer also rewrites every later record.
//
// # Merkle tree and its signed heads
//
// Every record is also a leaf of a Merkle tree (RFC 9162, Certificate
// Transparency 2.0): leaf hash SHA-256(0x00 || record Hash) at index
// Seq-1, node hash SHA-256(0x01 || left || right). With every append, in
// the same transaction, the log signs the tree head: a compact JWS
// (ES256, typ "netid-tree-head+jwt", the signing key's kid) over
// {"size":…, "root":…, "iat":…}, stored as a storage.TreeHead with the
// tree's frontier (the hashes of its perfect subtrees), so the next append
// computes the next root from the frontier, stores the one or two new
// perfect-subtree nodes (storage.TreeNode) and signs: it never reads the
// log. The store (Store.AppendTreeRecord) hands the frontier over with
// the log's tail and stores record, nodes and head together, in as few
// statements as it can while every other append waits for the tail. A
// record and its signed head commit together or not at all, so no record
// exists that no signed head covers, and racing appends (the store
// serialises them on the log's tail) build one tree.
//
// The append's head is the newest stored head until the next append's
// replaces it; it stays stored only if its size is a multiple of
// KeptTreeHeadEvery. A consistency proof links any two sizes, so the
// heads in between add no evidence, and stored for every size they were
// half of what a record took. A cut of the newest records together with
// the heads over them then leaves records no stored head covers, unless
// it ends at a kept size or the operator copied the head of the size it
// ends at while that was the newest; the parties outside see the cut
// either way.
//
// From the stored nodes the platform answers inclusion proofs (a record
// is in the tree of a head) and consistency proofs (the tree of one size
// extends the tree of a smaller one). Parties outside the platform keep a
// head and check the next one extends it (package treeproof, linked by
// the wallet and by package witness); Verify rebuilds the tree from the
// records and checks every stored head, on a log that may grow while it
// reads (the heads are listed again as the walk passes the last one
// listed); VerifyAgainstTree checks the log against a head kept
// elsewhere. docs/threat-model.md says who detects
// which alteration.
//
// # Chain heads
//
// Every Log.HeadEvery records (and whenever SignHead is called) the
// platform also signs a chain head: a compact JWS (typ
// "netid-log-head+jwt") over {"seq":…, "hash":…, "iat":…}, the Seq and Hash
// of the tail, published at GET /v1/audit/head. They predate the tree;
// Verify still checks every one, and VerifyAgainst a given one.
//
// # Why a library for the tree
//
// The tree's hashing, compact ranges and proofs are those of
// github.com/transparency-dev/merkle, the library of the Certificate
// Transparency and Go checksum database ecosystems, which implements
// RFC 9162 and is tested against its reference; this package only stores
// the frontier and nodes, signs the heads and binds the proofs to records.
// The record encoding (below) is netid's own, fixed and versioned so a log
// written today verifies for as long as it is kept. Hashing is
// crypto/sha256 and the JWS is go-jose's.
//
// The records hold no plaintext identity data (see storage.Record), and no
// error or problem reported here quotes a record's fields: problems name
// Seqs, hashes and key IDs only.
package audit
