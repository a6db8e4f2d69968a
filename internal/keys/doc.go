// Package keys owns the platform's secrets and the cryptography built on them.
//
//   - The master key: 32 random bytes in a file of its own (mode 0600), read
//     or created by LoadOrCreateMasterKey. Every other secret is derived from
//     it with Derive (HKDF-SHA256, one purpose string per use), so an
//     operator backs up one file.
//   - Envelope encryption of personal data at rest (Sealer): every record
//     gets a fresh AES-256-GCM data key, wrapped by a key-encryption key
//     (KEK). The output names its KEK, so KEKs can be rotated: a Sealer opens
//     records sealed under its current KEK and any old KEK it was given, and
//     Rewrap moves a record to the current KEK without touching its data.
//   - Blind indexes and secret hashing (Indexer): HMAC-SHA256 under a
//     domain, to look up personal data (document identity, phone numbers)
//     and to store bearer secrets (tokens, codes, challenges) without keeping
//     their plaintext.
//   - The platform's signing keys (KeySet): an ES256 key that signs what
//     the platform issues, and an RS256 key (RSA-2048) for the ID tokens of
//     relying parties that registered RS256; kept sealed in the store,
//     rotated together with Rotate, published as a JWKS while what they
//     signed is still valid. On the SM suite (NewKeySetFor) the first key
//     is SM2, its kid the SM3 thumbprint, its stored public key the SM2 JWK
//     of docs/sm-profile.md; the keys record the suite, and a KeySet refuses
//     a store holding the other suite's keys (ErrSuite).
//
// Only standard constructions from the standard library, golang.org/x/crypto
// and go-jose are used. The sealed format is hand-written because no library
// offers envelope encryption with KEK identifiers in a few bytes and without
// a network KMS; it is small and fixed:
//
//	version (1) | KEK id (8) | wrap nonce (12) | wrapped data key (32+16)
//	| data nonce (12) | ciphertext | tag (16)
//
// The data key is wrapped with AES-256-GCM under the KEK with version and KEK
// id as additional data; the record is encrypted under the data key with the
// version byte and the caller's additional data (e.g. "person:<id>:identity")
// as additional data, so a sealed value moved to another record does not
// open. Errors never contain plaintext or key material.
//
// A deployment on the national crypto suite (package suite, SM) uses the
// same constructions with its algorithms: NewSealerFor seals with SM4-GCM
// in format version 2 (16-byte KEK and data key, KEK id from SM3, so 81
// bytes of overhead instead of 97), NewIndexerFor computes HMAC-SM3, and
// SealingKEK and IndexKey derive with HKDF over HMAC-SM3. The ES256 suite's
// are exactly NewSealer's, NewIndexer's and Derive's.
package keys
