package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
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

// connectSQLite returns the connection pool of the database at path.
func connectSQLite(path string) (sqlPool, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return sqlPool{}, fmt.Errorf("%w: want a file name or %q", ErrInvalidPath, Memory)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	inMemory := path == Memory
	if !inMemory {
		q.Add("_pragma", "journal_mode(WAL)")
		// In WAL mode NORMAL is durable against application crashes; a
		// power loss may lose the last transactions but never corrupts.
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return sqlPool{}, fmt.Errorf("sqlite: open: %w", err)
	}
	if inMemory {
		// Each connection to ":memory:" is a separate database: keep
		// exactly one, forever, so every caller sees the same data.
		// (Shared-cache mode would allow more, but it reports lock
		// conflicts as SQLITE_LOCKED, which busy_timeout does not retry.)
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	} else {
		// Writers serialise on the database lock anyway; a bounded pool
		// makes excess callers queue in Go rather than in busy_timeout.
		n := max(4, runtime.GOMAXPROCS(0))
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
	}
	return sqlPool{sqlConn{db}, db}, nil
}

// sqlPool is a database/sql pool, its transactions sqlTx; sqlConn runs
// statements on either.
type (
	sqlPool struct {
		sqlConn
		db *sql.DB
	}
	sqlTx struct {
		sqlConn
		tx *sql.Tx
	}
	sqlConn struct {
		c interface {
			ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
			QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
			QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
		}
	}
)

func (c sqlConn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.c.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c sqlConn) query(ctx context.Context, query string, args ...any) (rowSet, error) {
	return c.c.QueryContext(ctx, query, args...)
}

func (c sqlConn) queryRow(ctx context.Context, query string, args ...any) scanner {
	return c.c.QueryRowContext(ctx, query, args...)
}

func (p sqlPool) begin(ctx context.Context) (dbTx, error) {
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return sqlTx{sqlConn{tx}, tx}, nil
}

func (p sqlPool) close() error                 { return p.db.Close() }
func (t sqlTx) commit(context.Context) error   { return t.tx.Commit() }
func (t sqlTx) rollback(context.Context) error { return t.tx.Rollback() }

func (p sqlPool) ping(ctx context.Context) error { return p.db.PingContext(ctx) }

// pingNew opens the first connection. Its pragmas include
// journal_mode(WAL), which on a new file needs a lock SQLite does not wait
// for with busy_timeout: when several processes open the same new file at
// once, one of them may get SQLITE_BUSY. pingNew retries that case, with a
// short pause, for as long as busy_timeout would have waited.
func (p sqlPool) pingNew(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	pause := 5 * time.Millisecond
	for {
		err := p.db.PingContext(ctx)
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
