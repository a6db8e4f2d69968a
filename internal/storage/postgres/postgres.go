package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/netid-project/netid/internal/storage"
)

// ErrInvalidDSN is returned by Open for a DSN pgx cannot parse. The error
// does not quote the DSN, which may hold a password.
var ErrInvalidDSN = errors.New("postgres: invalid DSN")

// SQLSTATE codes the backend translates.
const sqlstateUniqueViolation = "23505"

// Storage is a storage.Storage kept in a PostgreSQL database. It is safe for
// concurrent use.
type Storage struct {
	pool *pgxpool.Pool

	// Now returns the current time. Increment and UseNonce use it to tell
	// whether a counter or nonce has expired. Open sets it to time.Now;
	// tests may replace it before the Storage is first used.
	Now func() time.Time
}

var _ storage.Storage = (*Storage)(nil)

// Open connects to the PostgreSQL database dsn (a URL or keyword/value
// string as understood by pgx; e.g. "postgres://user@host/db") and applies
// any pending migrations. Tables live in the connection's current schema:
// set search_path in the DSN to choose another than public.
func Open(ctx context.Context, dsn string) (*Storage, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included: drop it.
		return nil, ErrInvalidDSN
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &Storage{pool: pool, Now: time.Now}
	if err := s.init(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func (s *Storage) init(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: open: %w", err)
	}
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return err
	}
	return migrate(ctx, s.pool, ms)
}

// Ping checks that the database answers.
func (s *Storage) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes every connection. It waits for connections in use to be
// released.
func (s *Storage) Close() error {
	s.pool.Close()
	return nil
}

// now returns the current time from the injected clock.
func (s *Storage) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// inTx runs fn in a READ COMMITTED transaction. If fn fails, the transaction
// is rolled back and fn's error is returned unchanged.
func (s *Storage) inTx(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %s: begin: %w", op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return translate(op+": commit", err)
	}
	return nil
}

// translate maps driver errors to the storage sentinels and wraps the rest.
// Translated errors do not wrap the driver error: callers never see a driver
// type, and the error's detail would quote the conflicting key's value.
func translate(op string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == sqlstateUniqueViolation {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrAlreadyExists)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// Value conversions. Times are timestamptz, NULL for the zero time; byte
// slices are bytea, NULL if empty.

// timeArg converts t for storage: UTC truncated to the microsecond, or NULL
// if zero. (PostgreSQL would round; truncating matches the sqlite backend.)
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

// timeVal converts a stored time back, in UTC.
func timeVal(v pgtype.Timestamptz) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return v.Time.UTC()
}

// normTime is t as it reads back from storage.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
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

// scanner is a pgx.Row or pgx.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// errBadListElement is returned for a string slice element that is not
// valid UTF-8 text without NUL bytes, which PostgreSQL's text cannot hold.
// It is checked before the query so that the error never quotes the value
// (the server's would).
var errBadListElement = errors.New("postgres: list element is not valid UTF-8 text without NUL bytes")

// checkLists returns errBadListElement if an element of lists is not
// valid UTF-8 text without NUL bytes.
func checkLists(lists ...[]string) error {
	for _, l := range lists {
		for _, e := range l {
			if !utf8.ValidString(e) || strings.IndexByte(e, 0) >= 0 {
				return errBadListElement
			}
		}
	}
	return nil
}

// listArg converts l for storage as text[]: NULL if empty.
func listArg(l []string) any {
	if len(l) == 0 {
		return nil
	}
	return l
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
func collect[T any](op string, rows pgx.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
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
