// Package treeproof checks the signed heads of the verification record
// log's Merkle tree and the proofs the platform gives with them, for the
// parties outside the platform: the holder's wallet, a witness, an
// auditor. It holds no storage and links nothing of the platform's side.
//
// The tree is RFC 9162's (Certificate Transparency 2.0): leaf hash
// SHA-256(0x00 || leaf), node hash SHA-256(0x01 || left || right); the
// leaf at index Seq-1 is the hash of record Seq (package audit defines
// the record hash). A tree head is a compact JWS (ES256, typ
// netid-tree-head+jwt, the platform's kid) over {"size", "root", "iat"}.
//
// The hashing and proof checks are those of github.com/transparency-dev/merkle
// (the Merkle tree library of the Certificate Transparency and Go checksum
// database ecosystem), not written again here; this package binds them to
// netid's heads and errors.
package treeproof
