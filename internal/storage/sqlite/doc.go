// Package sqlite is the embedded storage backend: a storage.Storage kept in
// one SQLite file, on the pure-Go driver modernc.org/sqlite (no cgo). It is
// the default for single-node deployments and, opened on Memory, the
// storage of tests.
//
// Concurrency. Every connection runs in WAL mode (readers never block the
// writer) with a busy timeout, and every transaction begins IMMEDIATE, taking
// the database's write lock before its first read. An Update method's
// read–fn–write therefore runs under that lock: racing updates of one row
// serialise, the second sees the first's result, and no transaction fails
// with SQLITE_BUSY for having upgraded a read lock. Single statements
// (GetOrCreatePerson's insert, Increment, UseNonce, PutConsent) are atomic
// upserts. AppendRecord reads the last record, runs the chain function and
// inserts in one such transaction, so racing appends serialise and get
// contiguous Seq values. An in-memory database uses exactly one connection,
// so the fn of an Update method (and AppendRecord's chain) must not call
// back into the same Storage (it would wait forever).
//
// Values. Times are INTEGER microseconds since the Unix epoch, NULL for the
// zero time, and come back in UTC; byte slices are BLOBs, and an empty slice
// comes back nil. String slices are TEXT holding a JSON array (NULL when
// empty; they come back nil): exact for any valid UTF-8 without NUL bytes,
// and such elements are refused rather than altered, as PostgreSQL would. The clock that decides whether a counter or nonce has
// expired is the Storage's Now field.
//
// Migrations. The schema is a list of numbered SQL files embedded from
// migrations/, applied on Open in order, each in its own transaction and
// recorded in schema_migrations. The runner is hand-written (about 80 lines)
// rather than github.com/pressly/goose: goose reads the applied versions
// before it opens each migration's transaction and has no lock for SQLite, so
// two processes opening one file at once could both apply a migration. Here
// the check and the migration share one BEGIN IMMEDIATE transaction, which
// makes Open idempotent and safe to race. (The postgres backend uses the same
// design under an advisory lock.)
package sqlite
