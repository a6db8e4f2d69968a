package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/netid-project/netid/internal/storage"
)

// Memory is the path that opens a private in-memory SQLite database, for
// tests.
const Memory = ":memory:"

// busyTimeout is how long a statement waits for SQLite's write lock before
// failing with SQLITE_BUSY. Writers hold the lock for one short transaction.
const busyTimeout = 10 * time.Second

// ErrInvalidPath is returned by OpenSQLite for a path it cannot use as a
// file name.
var ErrInvalidPath = errors.New("sqlite: invalid database path")

// sqliteFlavor keeps times as INTEGER microseconds since the Unix epoch and
// string lists as TEXT holding a JSON array. Every transaction begins
// IMMEDIATE (the _txlock connection parameter), taking the database's write
// lock before its first read: that lock serialises Update methods, issues
// and appends, and migrations, and nothing else is needed.
var sqliteFlavor = &flavor{
	name:         "sqlite",
	placeholders: sqlitePlaceholders,
	timeArg:      func(t time.Time) any { return t.UnixMicro() },
	tree:         newTreeQueries(`SELECT size, root, frontier, time, signature FROM tree_tail`),
	recordOfSession: fmt.Sprintf(`SELECT 1 FROM records WHERE records.rp_id = sessions.rp_id
		AND records.time BETWEEN sessions.updated_at - %d AND sessions.updated_at + %d AND records.id = sessions.id
		ORDER BY records.time LIMIT 1`,
		storage.RecordSlack.Microseconds(), storage.RecordWindow.Microseconds()),
	listArg: func(l []string) (any, error) {
		b, err := json.Marshal(l)
		if err != nil {
			return nil, fmt.Errorf("encode list: %w", err)
		}
		return string(b), nil
	},
	scanList: func(text []byte) ([]string, error) {
		var out []string
		if err := json.Unmarshal(text, &out); err != nil {
			return nil, err
		}
		return out, nil
	},
	unique: func(err error) bool {
		var se *sqlite.Error
		if !errors.As(err, &se) {
			return false
		}
		code := se.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || code == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	},
	migrations: flavorMigrations("sqlite"),
	migrationTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`,
}

// OpenSQLite opens (creating if needed) the SQLite database file at path,
// on the pure-Go driver modernc.org/sqlite, and applies any pending
// migrations. The path Memory (":memory:") opens a private in-memory
// database that lives until Close.
//
// Every connection runs in WAL mode (readers never block the writer) with
// a busy timeout and foreign keys on. An in-memory database has exactly
// one connection, so every call waits for a transaction in progress, and
// the function given to an Update method (or AppendRecord's chain, or
// InTransaction's fn) must not call the Store itself.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	db, err := connectSQLite(path)
	if err != nil {
		return nil, err
	}
	if err := db.pingNew(ctx); err != nil {
		_ = db.close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	return open(ctx, sqliteFlavor, db)
}

// connectSQLite returns the connections of the database at path: one that
// writes, and for a file a pool of others that only read.
//
// SQLite lets one connection write at a time. With several writing
// connections, the others wait for its lock in busy_timeout's sleeps (up
// to 100 ms each), which under load made the tail latency of every write
// a multiple of the work, and each connection's page cache was dropped
// whenever another wrote. So every transaction and every statement that is
// not a SELECT runs on the one writer (sqliteWriter), queueing in Go for
// as long as the transaction before it; SELECTs outside transactions run
// on the readers, which WAL mode lets read while the writer writes, each
// seeing the last committed state. The readers are query_only, so a write
// sent there by mistake fails rather than takes the lock. Every statement
// is prepared once per connection and kept: parsing and planning them
// again on each call was about a fifth of the CPU of a verification
// session.
func connectSQLite(path string) (*sqlitePool, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("%w: want a file name or %q", ErrInvalidPath, Memory)
	}
	dsn := func(write bool, busy time.Duration) string {
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
		q.Add("_pragma", "foreign_keys(1)")
		if path != Memory {
			q.Add("_pragma", "journal_mode(WAL)")
			// In WAL mode NORMAL is durable against application crashes; a
			// power loss may lose the last transactions but never corrupts.
			q.Add("_pragma", "synchronous(NORMAL)")
			if write {
				q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walBackstopPages))
			} else {
				q.Add("_pragma", "query_only(1)")
			}
		}
		return path + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn(true, busyTimeout))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	// One connection, kept forever: for ":memory:" each connection is a
	// separate database, so every caller must share it (shared-cache mode
	// would allow more, but reports lock conflicts as SQLITE_LOCKED, which
	// busy_timeout does not retry); for a file it is the one writer.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	p := &sqlitePool{w: &sqliteWriter{db: w, sem: make(chan struct{}, 1)}}
	if path == Memory {
		return p, nil
	}
	r, err := sql.Open("sqlite", dsn(false, busyTimeout))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	n := max(2, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	p.r = &stmtDB{db: r, stmts: make(map[string]*sql.Stmt)}
	// The checkpointer's connection is query_only like the readers': a
	// checkpoint copies committed pages, which query_only allows, and the
	// connection can change nothing else. Its short busy timeout bounds how
	// long its restart checkpoint, which holds the writer, waits for readers.
	if p.ckpt, err = startCheckpointer(dsn(false, restartBusyTimeout), p.w); err != nil {
		_ = w.Close()
		_ = r.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	return p, nil
}

// sqlitePool is a database's writer and, for a file, its readers; nil
// readers (an in-memory database) send everything to the writer.
type sqlitePool struct {
	w *sqliteWriter
	r *stmtDB
	// ckpt checkpoints the WAL in the background (nil in memory).
	ckpt *checkpointer
}

// reads reports whether a statement outside a transaction runs on the
// readers: a SELECT on a file. Anything else, an INSERT … RETURNING run
// by queryRow too, runs on the writer.
func (p *sqlitePool) reads(query string) bool {
	if p.r == nil {
		return false
	}
	q := strings.TrimLeft(query, " \t\r\n")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

func (p *sqlitePool) exec(ctx context.Context, query string, args ...any) (int64, error) {
	if p.reads(query) {
		return p.r.exec(ctx, query, args...)
	}
	c, err := p.w.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer p.w.release()
	return c.exec(ctx, query, args...)
}

func (p *sqlitePool) query(ctx context.Context, query string, args ...any) (rowSet, error) {
	if p.reads(query) {
		return p.r.query(ctx, query, args...)
	}
	c, err := p.w.acquire(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.query(ctx, query, args...)
	if err != nil {
		p.w.release()
		return nil, err
	}
	return &heldRows{rowSet: r, release: p.w.release}, nil
}

func (p *sqlitePool) queryRow(ctx context.Context, query string, args ...any) scanner {
	if p.reads(query) {
		return p.r.queryRow(ctx, query, args...)
	}
	c, err := p.w.acquire(ctx)
	if err != nil {
		return errRow{err}
	}
	return &heldRow{r: c.queryRow(ctx, query, args...), release: p.w.release}
}

// begin begins a transaction on the writer with BEGIN IMMEDIATE, taking
// the database's write lock before the first read. The writer is the
// transaction's until it commits or rolls back.
func (p *sqlitePool) begin(ctx context.Context) (dbTx, error) {
	c, err := p.w.acquire(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		p.w.release()
		return nil, err
	}
	return &sqliteTx{w: p.w, c: c}, nil
}

func (p *sqlitePool) close() error {
	var err error
	if p.ckpt != nil {
		err = p.ckpt.close()
	}
	err = errors.Join(err, p.w.close())
	if p.r != nil {
		err = errors.Join(err, p.r.close())
	}
	return err
}

func (p *sqlitePool) ping(ctx context.Context) error {
	c, err := p.w.acquire(ctx)
	if err != nil {
		return err
	}
	err = c.conn.PingContext(ctx)
	p.w.release()
	if err == nil && p.r != nil {
		err = p.r.db.PingContext(ctx)
	}
	return err
}

// sqliteWriter is the one connection that writes, and the statements
// prepared on it. Whoever holds sem uses it: a transaction from begin to
// commit or rollback, or one statement outside a transaction. The
// transactions are the connection's own BEGIN IMMEDIATE and COMMIT rather
// than database/sql's, so that statements prepared once on the connection
// serve inside and outside them alike (database/sql prepares a
// connection's statement again in each of its transactions).
type sqliteWriter struct {
	db  *sql.DB
	sem chan struct{}
	// held by whoever holds sem:
	c *writerConn
	// writes counts the times the writer was released: the checkpointer
	// has nothing to do while it stands still.
	writes atomic.Uint64
}

// writerConn is the writer's connection and its prepared statements.
type writerConn struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

// acquire waits for the writer, for as long as ctx allows, and returns
// its connection, opened if it is not.
func (w *sqliteWriter) acquire(ctx context.Context) (*writerConn, error) {
	select {
	case w.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if w.c == nil {
		conn, err := w.db.Conn(ctx)
		if err != nil {
			<-w.sem
			return nil, err
		}
		w.c = &writerConn{conn: conn, stmts: make(map[string]*sql.Stmt)}
	}
	return w.c, nil
}

func (w *sqliteWriter) release() {
	w.writes.Add(1)
	<-w.sem
}

// discard drops the writer's connection, held by the caller, after a
// failure that may have left it inside a transaction: database/sql closes
// it, and the next acquire opens another.
func (w *sqliteWriter) discard() {
	if w.c == nil {
		return
	}
	for _, st := range w.c.stmts {
		_ = st.Close()
	}
	_ = w.c.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = w.c.conn.Close()
	w.c = nil
}

func (w *sqliteWriter) close() error {
	w.sem <- struct{}{}
	defer func() { <-w.sem }()
	if w.c != nil {
		for _, st := range w.c.stmts {
			_ = st.Close()
		}
		_ = w.c.conn.Close()
		w.c = nil
	}
	return w.db.Close()
}

// stmt returns query prepared on the connection, preparing it on first
// use; nil (and no error) past stmtCacheSize statements.
func (c *writerConn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	if len(c.stmts) >= stmtCacheSize {
		return nil, nil
	}
	st, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = st
	return st, nil
}

func (c *writerConn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	return execPrepared(ctx, c, c.conn, query, args...)
}

func (c *writerConn) query(ctx context.Context, query string, args ...any) (rowSet, error) {
	return queryPrepared(ctx, c, c.conn, query, args...)
}

func (c *writerConn) queryRow(ctx context.Context, query string, args ...any) scanner {
	return queryRowPrepared(ctx, c, c.conn, query, args...)
}

// preparer keeps prepared statements: stmt returns query prepared, or nil
// (and no error) when its cache is full.
type preparer interface {
	stmt(ctx context.Context, query string) (*sql.Stmt, error)
}

// direct runs a statement without preparing it: the *sql.Conn of the
// writer or the *sql.DB of the readers.
type direct interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// execPrepared runs query through its prepared statement from p, or on d
// once p's cache is full.
func execPrepared(ctx context.Context, p preparer, d direct, query string, args ...any) (int64, error) {
	ctx, err := started(ctx)
	if err != nil {
		return 0, err
	}
	st, err := p.stmt(ctx, query)
	if err != nil {
		return 0, err
	}
	var res sql.Result
	if st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = d.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// queryPrepared is execPrepared for a query read row by row (its context
// is watched while it runs, so it stays interruptible).
func queryPrepared(ctx context.Context, p preparer, d direct, query string, args ...any) (rowSet, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.QueryContext(ctx, query, args...)
}

// queryRowPrepared is execPrepared for a query of at most one row.
func queryRowPrepared(ctx context.Context, p preparer, d direct, query string, args ...any) scanner {
	ctx, err := started(ctx)
	if err != nil {
		return errRow{err}
	}
	st, err := p.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	if st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.QueryRowContext(ctx, query, args...)
}

// started returns the context a statement run by exec or queryRow runs
// under on SQLite, or ctx's error if ctx has ended already: a
// request that has gone stops before its next statement, but a statement
// it started runs to its end. modernc.org/sqlite starts a goroutine per
// statement to interrupt it when a cancellable context ends, and
// database/sql another for the rows of each query, two goroutines for
// statements of tens of microseconds. Without them a verification session
// on a file database took about 3% less CPU and served about 4% more
// sessions a second (docs/performance.md). A transaction whose request
// has gone still ends at its next statement, and is rolled back, or
// commits whole.
// Queries read row by row (query) keep their context: a list can be
// long, and cancelling it frees its connection. The longest statements
// exec runs are DeleteExpired's, a minute's expiries at a time.
func started(ctx context.Context) (context.Context, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// sqliteTx is a transaction on the writer, which it holds until it ends.
type sqliteTx struct {
	w     *sqliteWriter
	c     *writerConn
	ended bool
}

func (t *sqliteTx) conn() (*writerConn, error) {
	if t.ended {
		return nil, errTxEnded
	}
	return t.c, nil
}

func (t *sqliteTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	c, err := t.conn()
	if err != nil {
		return 0, err
	}
	return c.exec(ctx, query, args...)
}

func (t *sqliteTx) query(ctx context.Context, query string, args ...any) (rowSet, error) {
	c, err := t.conn()
	if err != nil {
		return nil, err
	}
	return c.query(ctx, query, args...)
}

func (t *sqliteTx) queryRow(ctx context.Context, query string, args ...any) scanner {
	c, err := t.conn()
	if err != nil {
		return errRow{err}
	}
	return c.queryRow(ctx, query, args...)
}

// commit commits and releases the writer. If COMMIT fails the
// transaction is rolled back (or, if that fails too, the connection is
// discarded), so that the writer is never left inside it.
func (t *sqliteTx) commit(ctx context.Context) error {
	if t.ended {
		return errTxEnded
	}
	t.ended = true
	defer t.w.release()
	if _, err := t.c.exec(ctx, "COMMIT"); err != nil {
		if _, rerr := t.c.exec(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
			t.w.discard()
		}
		return err
	}
	return nil
}

// rollback rolls back, even when ctx is cancelled, and releases the
// writer; a transaction that has ended already is left alone.
func (t *sqliteTx) rollback(ctx context.Context) error {
	if t.ended {
		return nil
	}
	t.ended = true
	defer t.w.release()
	if _, err := t.c.exec(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
		t.w.discard()
		return err
	}
	return nil
}

// heldRow is a row read on the writer outside a transaction, which holds
// the writer until it is scanned (the Store scans every row it asks for).
type heldRow struct {
	r       scanner
	release func()
	once    sync.Once
}

func (r *heldRow) Scan(dest ...any) error {
	defer r.once.Do(r.release)
	return r.r.Scan(dest...)
}

// heldRows are rows read on the writer outside a transaction, which hold
// the writer until they are closed.
type heldRows struct {
	rowSet
	release func()
	once    sync.Once
}

func (r *heldRows) Close() error {
	defer r.once.Do(r.release)
	return r.rowSet.Close()
}

// errRow is a row whose query could not run.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// stmtCacheSize bounds the prepared statements kept per connection. The
// Store's queries are a fixed set of constants but for a few built from a
// caller's filters (lists of cases, of tree nodes); past the bound, new
// queries run unprepared, as every query did before.
const stmtCacheSize = 512

// stmtDB is the readers' pool and its statements, each a database/sql
// Stmt, which database/sql prepares on each connection the first time it
// runs there and keeps.
type stmtDB struct {
	db *sql.DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// stmt returns the prepared query, preparing it on first use; nil (and
// no error) past stmtCacheSize statements.
func (d *stmtDB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	d.mu.Lock()
	st, ok := d.stmts[query]
	full := len(d.stmts) >= stmtCacheSize
	d.mu.Unlock()
	if ok || full {
		return st, nil
	}
	st, err := d.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if prev, ok := d.stmts[query]; ok {
		// Prepared at the same time by another caller: keep one.
		_ = st.Close()
		return prev, nil
	}
	d.stmts[query] = st
	return st, nil
}

func (d *stmtDB) exec(ctx context.Context, query string, args ...any) (int64, error) {
	return execPrepared(ctx, d, d.db, query, args...)
}

func (d *stmtDB) query(ctx context.Context, query string, args ...any) (rowSet, error) {
	return queryPrepared(ctx, d, d.db, query, args...)
}

func (d *stmtDB) queryRow(ctx context.Context, query string, args ...any) scanner {
	return queryRowPrepared(ctx, d, d.db, query, args...)
}

// close closes the prepared statements and the pool.
func (d *stmtDB) close() error {
	d.mu.Lock()
	for q, st := range d.stmts {
		_ = st.Close()
		delete(d.stmts, q)
	}
	d.mu.Unlock()
	return d.db.Close()
}

// pingNew opens the first connection. Its pragmas include
// journal_mode(WAL), which on a new file needs a lock SQLite does not wait
// for with busy_timeout: when several processes open the same new file at
// once, one of them may get SQLITE_BUSY. pingNew retries that case, with a
// short pause, for as long as busy_timeout would have waited.
func (p *sqlitePool) pingNew(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	pause := 5 * time.Millisecond
	for {
		err := p.ping(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// positional is a query whose $N placeholders are rewritten as SQLite's
// plain ?, which the driver binds fastest (by position, without reading
// each parameter's name back), and for each ? the index of its argument.
type positional struct {
	query string
	// args[i] is the index of the argument the ith ? takes; nil if the
	// ith takes the ith, for every i.
	args []int
	// n is the number of arguments the query takes.
	n int
}

// sqlitePositional caches the rewritten queries: the Store's queries are
// a fixed set of constants.
var sqlitePositional sync.Map // string → *positional

// sqlitePlaceholders rewrites the $N placeholders of query as plain ?, and
// args to match (in order, repeated where a placeholder repeats). The
// queries hold no $ but in placeholders. A query whose placeholders name
// an argument beyond args is left as it is: the driver then reports it.
func sqlitePlaceholders(query string, args []any) (string, []any) {
	v, ok := sqlitePositional.Load(query)
	if !ok {
		v, _ = sqlitePositional.LoadOrStore(query, toPositional(query))
	}
	p := v.(*positional)
	if p.n > len(args) {
		return query, args
	}
	if p.args == nil {
		return p.query, args
	}
	out := make([]any, len(p.args))
	for i, a := range p.args {
		out[i] = args[a]
	}
	return p.query, out
}

// toPositional rewrites query's $N placeholders as ?.
func toPositional(query string) *positional {
	var b strings.Builder
	var order []int
	p := &positional{}
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(query) && query[j] >= '0' && query[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(query[i+1 : j])
		if err != nil || n < 1 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('?')
		order = append(order, n-1)
		p.n = max(p.n, n)
		i = j - 1
	}
	p.query = b.String()
	for i, a := range order {
		if a != i || len(order) != p.n {
			p.args = order
			break
		}
	}
	return p
}
