// Package storage defines what the platform keeps and the one interface every
// backend implements: value types, two sentinel errors and update-in-a-
// transaction methods in the style of dex.
//
// Backends live in subpackages (sqlite, the embedded default, and postgres);
// package conformance holds the test suite they all pass, including the
// concurrency tests (two applications racing for the same person, two
// requests racing for the same one-time code, two appends racing for the
// end of the verification record log). Migrations are in code, in each
// backend, ordered and applied in transactions on Open.
//
// VerificationStore (verification.go) is the part the verification flows
// use: relying parties, verification sessions, OIDC grants, consents and
// the append-only verification record log with its signed heads. Storage
// embeds it, so every backend implements both.
//
// The storage layer never sees plaintext identity data: callers seal
// personal data (package keys) and pass blind indexes for look-ups.
package storage
