// Package devplatform runs a development platform (what `netid serve
// --dev` runs) in-process on a loopback port, with a data directory of its
// own and, on PostgreSQL, a schema of its own that Close drops. The demo,
// the load generator and tests drive it over HTTP as they would a remote
// platform.
package devplatform
