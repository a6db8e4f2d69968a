// Package postgres is the storage backend for replicated deployments: a
// storage.Storage kept in PostgreSQL, on github.com/jackc/pgx/v5 (pgxpool,
// native protocol; no database/sql).
//
// Concurrency. Every Update method reads its row with SELECT … FOR UPDATE in
// a READ COMMITTED transaction, runs fn, and writes: racing updates of one
// row serialise, and the second reads the first's committed result. Unique
// keys decide the other races: GetOrCreatePerson inserts with ON CONFLICT
// (person_index) DO NOTHING, which waits for a racing insert to commit;
// Increment, UseNonce and PutConsent are single-statement upserts.
// IssueCredential serialises per person with a transaction-scoped advisory
// lock, because a row lock cannot see another transaction's uncommitted
// insert. AppendRecord serialises on the row lock of the one-row table
// record_log_tail, whose counter it increments: racing appends get
// contiguous Seq values and each reads its true predecessor.
//
// Errors. SQLSTATE 23505 (unique_violation) becomes storage.ErrAlreadyExists
// and pgx.ErrNoRows storage.ErrNotFound; neither wraps the driver error,
// whose detail would quote the conflicting value. Open never echoes the DSN.
//
// Values. Times are timestamptz, truncated to the microsecond (as the sqlite
// backend does; PostgreSQL itself would round), NULL for the zero time, and
// come back in UTC; an empty byte slice is stored as NULL and comes back
// nil. String slices are text[], NULL when empty (they come back nil);
// elements that are not valid UTF-8 or hold NUL bytes are refused before
// the query, so the error never quotes them. Columns that List methods order
// by are COLLATE "C", so orderings are bytewise as in Go and SQLite. The clock that decides whether a counter or nonce has expired is the
// Storage's Now field, not the database's.
//
// Migrations. The schema is a list of numbered SQL files embedded from
// migrations/, applied on Open in order, each in its own transaction and
// recorded in schema_migrations, in the connection's current schema (set
// search_path in the DSN to use another; the tests use a fresh schema each).
// The runner is hand-written (about 80 lines) rather than
// github.com/pressly/goose: goose needs database/sql, and it reads the
// applied versions before each migration's transaction, relying on a
// session lock taken on the side; here every migration transaction takes
// pg_advisory_xact_lock itself and re-checks its version under it, the same
// design as the sqlite backend, which goose cannot lock at all. Two
// processes opening one database at once are therefore safe, and reopening
// is idempotent. The migration SQL comments on how the growing tables could
// later be partitioned by time.
package postgres
