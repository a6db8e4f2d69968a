// Package platform assembles a running netid platform from its
// configuration: storage (SQLite or PostgreSQL), the master key, envelope
// encryption and blind indexes, the signing keys, the trust lists, the SMS
// sender, the proofing service, the status publisher and the HTTP server —
// and, with --dev, the development authorities, which it also trusts.
//
// `netid serve`, `netid demo`, `netid load` and the end-to-end tests all
// build the platform here, so they run the same code.
package platform
