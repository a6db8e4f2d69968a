// Package sqlstore is the platform's storage.Storage in a SQL database: one
// implementation, with a flavor per database. OpenSQLite keeps it in one
// SQLite file on the pure-Go driver modernc.org/sqlite (no cgo), the
// default for single-node deployments and, opened on Memory, the storage
// of tests; OpenPostgres keeps it in PostgreSQL, for replicated
// deployments, on pgx (pgxpool). Statements run through a small querier
// interface with an adapter per driver API (db.go): database/sql for
// SQLite, pgx's own for PostgreSQL (pgx through database/sql cost the
// record log's appends much more, as db.go measures); the arguments, the
// Scan destinations and everything above them are shared.
//
// What is written once: every query (in the PostgreSQL dialect, which
// SQLite also speaks, with $N placeholders), the transactions, the
// policies (DeleteExpired's retention, IssueCredential's revocation,
// AppendRecord's chaining) and the migration runner. What a flavor
// (flavor.go) holds: the placeholders (SQLite's driver binds plain ?
// fastest), the locks, the translation of driver errors, the mapping of
// times and string lists, connection set-up and the migration files. Queries are run by the Store
// (exec, query, queryRow), which converts arguments and Scan destinations
// for the flavor; each storage value type is described once as a table
// (table.go): its columns, and pointers to its fields in the same order.
//
// Transactions. Every method runs on a Store that is the database or a
// transaction; InTransaction gives its function a Store of the second
// kind, and an Update method, IssueCredential, AppendRecord or
// DeleteExpired called on it joins that transaction rather than beginning
// one, so its locks last until the end of the whole. A call on it that
// fails with a storage error other than ErrNotFound spoils it: PostgreSQL
// refuses any further statement of a transaction whose statement failed,
// and the Store makes SQLite do the same, so that both roll back.
//
// Concurrency on SQLite. A file database has one connection that writes
// and a small pool that only reads (query_only), all in WAL mode, where
// readers never block the writer and see the last committed state. Every
// transaction, and every statement outside one that is not a SELECT, runs
// on the writer, which callers take in turn in Go (a semaphore that
// honours their context) rather than by sleeping in SQLite's busy timeout;
// SELECTs outside transactions run on the readers. Transactions are the
// writer's own BEGIN IMMEDIATE … COMMIT, so that the statements prepared
// once on it serve inside and outside transactions alike; the write lock
// is taken before the first read: an Update method's read–fn–write, an
// issue, an append, a migration each run under it, racing updates of one
// row serialise and the second sees the first's result, and no
// transaction fails with SQLITE_BUSY for having upgraded a read lock
// (another process on the same file still waits in busy_timeout). An
// in-memory database is the writer alone. So on SQLite the function given
// to an Update method, AppendRecord or InTransaction must not write
// through the Store itself, outside its transaction (it would wait for
// the writer its own transaction holds), and in memory must not call the
// Store at all. A file database's WAL is copied into the file in the
// background (a PASSIVE checkpoint every 100 ms after writes, on a
// connection of its own), so that no commit waits for a long checkpoint.
// Once the WAL reaches 4,096 pages the checkpointer takes the writer for a
// moment and restarts the WAL (SQLite never does so by itself under steady
// writes); the writer checkpoints by itself only if the WAL reaches 10,000
// pages. A
// statement run by exec or queryRow whose context has ended is refused
// before it starts, but once started it runs to its end: nothing watches
// its context while it runs, which took two goroutines a statement.
// Queries read row by row (query) stay interruptible.
//
// Concurrency on PostgreSQL. Transactions are READ COMMITTED, and their
// BEGIN goes to the server in one pipelined batch with their first
// statement (pgxtx.go): a transaction of n statements costs n+1 round
// trips, not n+2. A last change whose result nothing waits on (execLast:
// the record log's append) goes in one batch with COMMIT, one round trip
// fewer again, and one fewer while the log's lock is held. Every Update
// method reads its row with SELECT … FOR UPDATE: racing updates of one
// row serialise, and the second reads the first's committed result.
// IssueCredential serialises per person with a transaction-scoped advisory
// lock, because a row lock cannot see another transaction's uncommitted
// insert. AppendRecord serialises on the row lock of the one-row table
// record_log_tail, whose counter it increments in the statement that
// also returns the last record's time and hash (kept in the row by the
// statement that inserted that record): racing appends get contiguous Seq
// values and each chains to its true predecessor. AppendTreeRecord takes
// the same lock in a statement that also returns the Merkle tree's size
// and frontier, which the tail row keeps too, and stores the record, the
// tree's nodes and the new tail, the signed tree head included, in one
// statement; the head goes to tree_heads as well only when the log keeps
// it (SQLite keeps the newest head in the one-row table tree_tail). On both
// databases unique keys decide the other races: GetOrCreatePerson inserts
// with ON CONFLICT (person_index) DO NOTHING; Increment, UseNonce and
// PutConsent are single-statement upserts. ClaimSession and FinishSession
// with a one-time value record it and change the session in one statement
// (a data-modifying WITH query): the session changes only if the value's
// upsert did, and racing replays wait on the value's unique key.
//
// Values. Times are stored UTC truncated to the microsecond (SQLite:
// INTEGER microseconds since the Unix epoch; PostgreSQL: timestamptz),
// NULL for the zero time, and come back in UTC; an empty byte slice is
// stored as NULL and comes back nil. String lists are TEXT holding a JSON
// array on SQLite and text[] on PostgreSQL, NULL when empty (they come
// back nil); elements that are not valid UTF-8 or hold NUL bytes are
// refused before the query, so the error never quotes them. PostgreSQL's
// columns that List methods order by are COLLATE "C", so orderings are
// bytewise as in Go and SQLite. The clock that decides whether a counter
// or nonce has expired is the Store's Now field, not the database's.
//
// Errors. A unique key taken (SQLite's constraint codes, PostgreSQL's
// SQLSTATE 23505) becomes storage.ErrAlreadyExists and no row
// storage.ErrNotFound; neither wraps the driver error, whose message would
// quote the conflicting value. OpenPostgres never echoes the DSN.
//
// Migrations. The schema is a list of numbered SQL files per flavor,
// embedded from migrations/sqlite and migrations/postgres, applied on
// open in order, each in its own transaction and recorded in
// schema_migrations (in PostgreSQL's current schema: set search_path in
// the DSN to use another; the tests use a fresh schema each). Each
// migration's transaction takes a lock first (SQLite's write lock;
// PostgreSQL's pg_advisory_xact_lock) and checks its version under it, so
// two processes opening one database at once are safe, and reopening is
// idempotent. The runner is hand-written (about 80 lines) rather than
// github.com/pressly/goose: goose reads the applied versions before it
// opens each migration's transaction, relying on a session lock taken on
// the side, which it has no way to take on SQLite. The PostgreSQL
// migrations comment on how the growing tables could later be partitioned
// by time.
package sqlstore
