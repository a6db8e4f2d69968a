// Package storage defines what the platform keeps and the one interface every
// backend implements: value types, two sentinel errors, update-in-a-
// transaction methods in the style of dex, and InTransaction, which makes
// several calls one transaction.
//
// The backend is package sqlstore: one SQL implementation with a flavor
// per database (SQLite, the embedded default, and PostgreSQL), its
// migrations in SQL files applied in transactions on open. Package
// conformance holds the test suite it passes on both, including the
// concurrency tests (two applications racing for the same person, two
// requests racing for the same one-time code, two appends racing for the
// end of the verification record log, racing transactions).
//
// VerificationStore (verification.go) is the part the verification flows
// use: relying parties, verification sessions, OIDC grants, consents and
// the append-only verification record log with its signed heads. Storage
// embeds it, so every backend implements both.
//
// The storage layer never sees plaintext identity data: callers seal
// personal data (package keys) and pass blind indexes for look-ups.
package storage
