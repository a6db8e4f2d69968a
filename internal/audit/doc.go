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
// # Signed heads
//
// Every Log.HeadEvery records (and whenever SignHead is called) the platform
// signs a head: a compact JWS (ES256, typ "netid-log-head+jwt", the signing
// key's kid) over {"seq":…, "hash":…, "iat":…}, the Seq and Hash of the tail
// at that moment. Rewriting the log up to a signed head is then detected
// (head-mismatch), and so is truncating it below one (truncated), as long as
// the verifier trusts the signing keys rather than the database.
//
// What the stored heads cannot show: records appended after the last stored
// head can be removed, or rewritten together with everything after them,
// without a trace in the database alone, and an attacker who can write the
// database can delete stored heads too. Heads are therefore also published
// (GET /v1/audit/head): a relying party or auditor who kept a head checks
// the log against it with VerifyAgainst, which catches exactly those cases.
//
// # Why hand-written
//
// Certificate-transparency style Merkle logs (RFC 9162) give compact
// inclusion proofs, which netid does not need: a verifier here reads the
// whole log. A hash chain with periodically signed heads is the smallest
// structure that makes every alteration, removal and reordering evident, and
// its encoding (below) is fixed and versioned so a log written today
// verifies for as long as it is kept. Hashing is crypto/sha256 and the JWS
// is go-jose's; this package only defines the encoding and the checks.
//
// The records hold no plaintext identity data (see storage.Record), and no
// error or problem reported here quotes a record's fields: problems name
// Seqs, hashes and key IDs only.
package audit
