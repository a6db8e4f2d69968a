package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// Store is a storage.Storage kept in a SQL database. It is safe for
// concurrent use.
type Store struct {
	db pool
	f  *flavor
	// tx is the transaction every call belongs to: nil for the Store
	// itself, set for the Store that InTransaction gives its function.
	tx *txn
	// counts are the Stats, shared with the Stores of transactions.
	counts *statCounters

	// Now returns the current time. Increment and UseNonce use it to tell
	// whether a counter or nonce has expired. The Open functions set it to
	// time.Now; tests may replace it before the Store is first used.
	Now func() time.Time
}

var _ storage.Storage = (*Store)(nil)

// Errors of calls on a transaction's Store that can no longer run.
var (
	errTxEnded   = errors.New("the transaction has ended")
	errTxSpoiled = errors.New("the transaction is spoiled by an earlier failure")
)

// txn is an open transaction and what its calls need to know about it.
type txn struct {
	db dbTx

	mu    sync.Mutex
	ended bool
	// spoiled is the first failure of a call, after which the transaction
	// can only roll back.
	spoiled error
}

// conn returns the transaction's querier, or why it cannot be used.
func (t *txn) conn() (querier, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.ended:
		return nil, errTxEnded
	case t.spoiled != nil:
		return nil, fmt.Errorf("%w (%v)", errTxSpoiled, t.spoiled)
	}
	return t.db, nil
}

func (t *txn) spoil(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.spoiled == nil && !t.ended {
		t.spoiled = err
	}
}

// end marks the transaction over and returns the failure that spoiled
// it, if any.
func (t *txn) end() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ended = true
	return t.spoiled
}

// open returns the Store on db, after checking that the database answers
// and applying the pending migrations. It closes db if it fails.
func open(ctx context.Context, f *flavor, db pool) (*Store, error) {
	if err := db.ping(ctx); err != nil {
		_ = db.close()
		return nil, fmt.Errorf("%s: open: %w", f.name, err)
	}
	ms, err := loadMigrations(f.migrations)
	if err == nil {
		err = migrate(ctx, db, f, ms)
	}
	if err != nil {
		_ = db.close()
		return nil, fmt.Errorf("%s: %w", f.name, err)
	}
	return &Store{db: db, f: f, counts: &statCounters{}, Now: time.Now}, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if s.tx != nil {
		if _, err := s.exec(ctx, `SELECT 1`); err != nil {
			return s.fail("ping", err)
		}
		return nil
	}
	if err := s.db.ping(ctx); err != nil {
		return fmt.Errorf("%s: ping: %w", s.f.name, err)
	}
	return nil
}

// Close closes the database (an in-memory one is gone afterwards). On a
// transaction's Store it does nothing.
func (s *Store) Close() error {
	if s.tx != nil {
		return nil
	}
	if err := s.db.close(); err != nil {
		return fmt.Errorf("%s: close: %w", s.f.name, err)
	}
	return nil
}

// now returns the current time from the injected clock.
func (s *Store) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// InTransaction runs fn with a Store whose every call belongs to one
// transaction (see storage.Storage).
func (s *Store) InTransaction(ctx context.Context, fn func(tx storage.Storage) error) error {
	return s.inTx(ctx, "transaction", func(tx *Store) error { return fn(tx) })
}

// inTx runs fn with a Store whose calls belong to one transaction: s's
// own, if s belongs to one (fn's error is then returned unchanged, and the
// outer transaction decides), else a new one, committed if fn returns nil
// and the transaction was not spoiled, rolled back otherwise (fn's error
// returned unchanged) and when fn panics.
//
// SQLite begins every transaction IMMEDIATE, taking the database's write
// lock before the first read; PostgreSQL's are READ COMMITTED, and the
// Update methods lock their row with SELECT … FOR UPDATE.
func (s *Store) inTx(ctx context.Context, op string, fn func(tx *Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	dbTx, err := s.db.begin(ctx)
	if err != nil {
		return s.f.translate(op+": begin", err)
	}
	if s.counts != nil {
		s.counts.transactions.Add(1)
	}
	tx := &Store{db: s.db, f: s.f, tx: &txn{db: dbTx}, counts: s.counts, Now: s.Now}
	done := false
	defer func() {
		if !done { // fn failed or panicked
			tx.tx.end()
			_ = dbTx.rollback(ctx)
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	done = true
	if spoiled := tx.tx.end(); spoiled != nil {
		_ = dbTx.rollback(ctx)
		return fmt.Errorf("%s: %s: rolled back: %w", s.f.name, op, spoiled)
	}
	if err := dbTx.commit(ctx); err != nil {
		return s.f.translate(op+": commit", err)
	}
	return nil
}

// conn returns the querier s's calls run on.
func (s *Store) conn() (querier, error) {
	if s.tx == nil {
		return s.db, nil
	}
	return s.tx.conn()
}

// statement readies a statement to run: the querier it runs on, and the
// query and arguments in the backend's form (flavor.prepare), counted.
func (s *Store) statement(query string, args []any) (querier, string, []any, error) {
	c, err := s.conn()
	if err != nil {
		return nil, "", nil, err
	}
	if query, args, err = s.f.prepare(query, args); err != nil {
		return nil, "", nil, err
	}
	s.count(query)
	return c, query, args, nil
}

// exec runs a statement that returns no rows, and returns how many rows
// it changed.
func (s *Store) exec(ctx context.Context, query string, args ...any) (int64, error) {
	c, query, args, err := s.statement(query, args)
	if err != nil {
		return 0, err
	}
	return c.exec(ctx, query, args...)
}

// laterExecer is a transaction that can hold a change to send with its
// COMMIT (pgxTx).
type laterExecer interface {
	execLater(query string, args []any) error
}

// execLast runs a change whose result its caller does not need and after
// which it changes nothing more: in a PostgreSQL transaction it is held
// and sent in one round trip with COMMIT (or before a statement that
// follows after all), and a failure of it fails the COMMIT; elsewhere it
// runs at once.
func (s *Store) execLast(ctx context.Context, query string, args ...any) error {
	c, query, args, err := s.statement(query, args)
	if err != nil {
		return err
	}
	if l, ok := c.(laterExecer); ok {
		return l.execLater(query, args)
	}
	_, err = c.exec(ctx, query, args...)
	return err
}

// change runs a statement that is to change a row; if it changes none,
// change fails with unchanged.
func (s *Store) change(ctx context.Context, op string, unchanged error, query string, args ...any) error {
	n, err := s.exec(ctx, query, args...)
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return s.fail(op, unchanged)
	}
	return nil
}

// query runs a query; its rows convert the Scan destinations (dests).
func (s *Store) query(ctx context.Context, query string, args ...any) (*rows, error) {
	c, query, args, err := s.statement(query, args)
	if err != nil {
		return nil, err
	}
	r, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return &rows{rowSet: r, f: s.f}, nil
}

// queryRow runs a query that returns at most one row.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) row {
	c, query, args, err := s.statement(query, args)
	if err != nil {
		return row{err: err}
	}
	return row{r: c.queryRow(ctx, query, args...), f: s.f}
}

// row is a row, or the error that kept the query from running, whose Scan
// converts its destinations (flavor.dests).
type row struct {
	r   scanner
	f   *flavor
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.r.Scan(r.f.dests(dest)...)
}

// rows are rows whose Scan converts their destinations.
type rows struct {
	rowSet
	f *flavor
}

func (r *rows) Scan(dest ...any) error { return r.rowSet.Scan(r.f.dests(dest)...) }

// fail returns err, the failure of the operation op, as the method
// returns it (translate), and spoils the transaction s belongs to unless
// it is storage.ErrNotFound.
func (s *Store) fail(op string, err error) error {
	err = s.f.translate(op, err)
	if s.tx != nil && !errors.Is(err, storage.ErrNotFound) {
		s.tx.spoil(err)
	}
	return err
}

// translate maps driver errors to the storage sentinels (a lost or
// refused connection to storage.ErrUnavailable) and wraps the rest. Translated errors do not wrap the driver error: callers never see
// a driver type, and its message would quote the conflicting key's value.
func (f *flavor) translate(op string, err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = storage.ErrNotFound
	case f.unique(err):
		err = storage.ErrAlreadyExists
	case f.unavailable != nil && f.unavailable(err):
		return &storage.UnavailableError{Op: f.name + ": " + op, Err: err}
	}
	return fmt.Errorf("%s: %s: %w", f.name, op, err)
}
