// Package pgschema gives one run of the platform, or one test, a
// PostgreSQL schema of its own in a shared database: a new schema with a
// random name, a DSN whose connections use it (search_path, which pgx
// sends to the server as a run-time parameter), and a way to drop it with
// everything in it. The load command (netid-load, through devplatform)
// and every test that needs PostgreSQL use it, so that runs can repeat on
// one database side by side with anything else in it.
package pgschema
