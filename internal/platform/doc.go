// Package platform assembles a running netid platform from its
// configuration: storage (SQLite or PostgreSQL), the master key, envelope
// encryption and blind indexes, the signing keys, the trust lists, the SMS
// sender, the proofing service, the status publisher and the HTTP server —
// and, with --dev, the development authorities, which it also trusts.
//
// OpenCore opens the part that works on a data directory without serving
// (database, master key, signing keys, record log, register of relying
// parties, operator actions). It is the one way the operator's commands
// reach a data directory, and it refuses, with ErrNoData, one that holds no
// database or master key instead of creating them: only Open (netid
// serve) creates a data directory, on its first start.
//
// `netid serve`, the demo, the load generator and the end-to-end tests all
// build the platform here, so they run the same code.
package platform
