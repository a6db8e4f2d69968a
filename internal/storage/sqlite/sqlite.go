package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/netid-project/netid/internal/storage"
)

// Memory is the path that opens a private in-memory database, for tests.
const Memory = ":memory:"

// busyTimeout is how long a statement waits for SQLite's write lock before
// failing with SQLITE_BUSY. Writers hold the lock for one short transaction.
const busyTimeout = 10 * time.Second

// ErrInvalidPath is returned by Open for a path it cannot use as a file name.
var ErrInvalidPath = errors.New("sqlite: invalid database path")

// Storage is a storage.Storage kept in one SQLite database. It is safe for
// concurrent use.
type Storage struct {
	db *sql.DB

	// Now returns the current time. Increment and UseNonce use it to tell
	// whether a counter or nonce has expired. Open sets it to time.Now;
	// tests may replace it before the Storage is first used.
	Now func() time.Time
}

var _ storage.Storage = (*Storage)(nil)

// Open opens (creating if needed) the SQLite database file at path and
// applies any pending migrations. The path Memory (":memory:") opens a
// private in-memory database that lives until Close.
//
// Every connection runs in WAL mode with a busy timeout and foreign keys on,
// and every transaction begins IMMEDIATE, so read-then-write transactions
// (the Update methods) serialise on SQLite's write lock instead of failing
// with SQLITE_BUSY.
func Open(ctx context.Context, path string) (*Storage, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("%w: want a file name or %q", ErrInvalidPath, Memory)
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
		return nil, fmt.Errorf("sqlite: open: %w", err)
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
	s := &Storage{db: db, Now: time.Now}
	if err := s.init(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Storage) init(ctx context.Context) error {
	if err := s.ping(ctx); err != nil {
		return fmt.Errorf("sqlite: open: %w", err)
	}
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return err
	}
	return migrate(ctx, s.db, ms)
}

// ping opens the first connection. Its connection pragmas include
// journal_mode(WAL), which on a new file needs a lock SQLite does not wait
// for with busy_timeout: when several processes open the same new file at
// once, one of them may get SQLITE_BUSY. ping retries that case, with a
// short pause, for as long as busy_timeout would have waited.
func (s *Storage) ping(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	pause := 5 * time.Millisecond
	for {
		err := s.db.PingContext(ctx)
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

// Ping checks that the database answers.
func (s *Storage) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes the database. An in-memory database is gone afterwards.
func (s *Storage) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// now returns the current time from the injected clock.
func (s *Storage) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// inTx runs fn in a transaction (BEGIN IMMEDIATE: it holds the write lock
// from the start). If fn fails, the transaction is rolled back and fn's
// error is returned unchanged.
func (s *Storage) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: begin: %w", op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return translate(op+": commit", err)
	}
	return nil
}

// translate maps driver errors to the storage sentinels and wraps the rest.
// Translated errors do not wrap the driver error: callers never see a driver
// type, and SQLite's constraint messages are not needed to act on them.
func translate(op string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", op, storage.ErrNotFound)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return fmt.Errorf("sqlite: %s: %w", op, storage.ErrAlreadyExists)
		}
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// Value conversions. Times are stored as INTEGER microseconds since the
// Unix epoch, NULL for the zero time; byte slices as BLOBs, NULL if empty.

// timeArg converts t for storage: microseconds (truncated), or NULL if zero.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// timeVal converts a stored time back, in UTC.
func timeVal(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// normTime is t as it reads back from storage.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMicro(t.UnixMicro()).UTC()
}

// bytesArg converts b for storage: NULL if empty.
func bytesArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// bytesVal is b as it reads back from storage: nil if empty.
func bytesVal(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// errBadListElement is returned for a string slice element that is not
// valid UTF-8 text without NUL bytes. The backends refuse such elements
// rather than alter them (encoding/json would replace invalid bytes), and
// PostgreSQL's text cannot hold them either.
var errBadListElement = errors.New("sqlite: list element is not valid UTF-8 text without NUL bytes")

// stringList stores a []string as TEXT holding a JSON array, NULL if empty,
// and reads it back, nil if NULL or empty. Use (*stringList)(&v.Field) as a
// Scan destination and stringList(v.Field) as an argument.
type stringList []string

// Value implements driver.Valuer.
func (l stringList) Value() (driver.Value, error) {
	if len(l) == 0 {
		return nil, nil
	}
	for _, e := range l {
		if !utf8.ValidString(e) || strings.IndexByte(e, 0) >= 0 {
			return nil, errBadListElement
		}
	}
	b, err := json.Marshal([]string(l))
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode list: %w", err)
	}
	return string(b), nil
}

// Scan implements sql.Scanner.
func (l *stringList) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*l = nil
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("sqlite: decode list: unexpected %T", src)
	}
	var out []string
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("sqlite: decode list: %w", err)
	}
	if len(out) == 0 {
		out = nil
	}
	*l = out
	return nil
}

// normList is l as it reads back from storage: nil if empty.
func normList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

// collect scans every row of rows with scan, translating errors for op.
// It returns nil for no rows.
func collect[T any](op string, rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, translate(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(op, err)
	}
	return out, nil
}
