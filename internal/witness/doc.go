// Package witness is an independent witness of the platform's
// verification record log: run by someone other than the platform's
// operator (an auditor, a relying party, a court), it fetches the newest
// signed tree head of the log, checks that it extends the last head it
// saw (the RFC 9162 consistency proof the platform serves), co-signs it
// with its own key and keeps it.
//
// What it keeps, in its state directory:
//
//	witness-key.json   its private key (JWK, mode 0600), made on the first run in
//	                   the platform's suite: P-256 (ES256) for an es256 platform, SM2
//	                   for an sm one (one that publishes SM2 keys), the SM2 key as
//	                   its public SM2 JWK with d added; a key made earlier is kept
//	witness.jwks.json  its public key, for whoever checks its co-signatures
//	head.json          the newest head it saw and co-signed (one Cosigned)
//	cosigned.jsonl     every head it co-signed, one Cosigned per line, oldest first
//
// A co-signed head is evidence outside the platform's database: an
// operator who removes or rewrites records the head covers cannot make
// the log extend it again (the witness's next run fails with
// treeproof.ErrRewound or ErrForked), and `netid admin audit verify
// --against` checks the database against it. The co-signature (typ
// netid-tree-cosignature+jwt, over {"size", "root", "iat"}) shows that
// this witness saw that head and found it consistent with every earlier
// one it saw.
//
// It links nothing of the platform's side: it speaks to the platform
// through the public API only (package api, treeproof).
package witness
