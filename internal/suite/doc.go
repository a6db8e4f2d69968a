// Package suite names the cryptographic algorithms a deployment uses, so
// that the code which signs, hashes, seals and indexes asks its Suite
// instead of naming an algorithm, and a deployment switches them all at
// once.
//
// Two suites exist:
//
//   - ES256, the default: ECDSA P-256 with SHA-256 signatures (ES256),
//     SHA-256 for SD-JWT digests and key thumbprints, AES-256-GCM for
//     sealing personal data, HMAC-SHA256 for blind indexes and MACs,
//     HKDF-SHA256 to derive keys from the master key.
//   - SM, the national algorithms (docs/sm-profile.md): SM2 signatures
//     over SM3 (GB/T 32918.2, GB/T 32905), SM3 for SD-JWT digests
//     ("_sd_alg" "sm3") and thumbprints, SM4-GCM (GB/T 32907, GB/T 36624)
//     for sealing, HMAC-SM3 for blind indexes and MACs, HKDF over
//     HMAC-SM3 to derive keys.
//
// Password hashing is not part of a suite: it stays argon2id in both (no
// national standard defines a memory-hard password hash).
//
// A Suite is a small comparable value; the zero Suite is not valid, and
// Parse and Lookup return only valid ones. A deployment's suite is fixed
// at its first start (the data it sealed and indexed can only be read with
// the same algorithms), which the code that stores the signing keys
// enforces, not this package.
package suite
