package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/netid-project/netid/internal/storage"
)

// openPool opens a Store on a fresh schema with at most max connections,
// dialled by dial (nil: the default).
func openPool(t *testing.T, max int32, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*Store, *pgxpool.Pool) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(newSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = max
	if dial != nil {
		cfg.ConnConfig.DialFunc = dial
	}
	p, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := open(t.Context(), postgresFlavor, pgxPool{pgxConn{p}, p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, p
}

// TestPostgresMigrationCommitFails: a migration whose COMMIT fails (here a
// deferred unique constraint) must return an error, not panic.
func TestPostgresMigrationCommitFails(t *testing.T) {
	s, _ := openPool(t, 2, nil)
	m := migration{version: 999999, name: "deferred", sql: `CREATE TABLE deferred_test (x int UNIQUE DEFERRABLE INITIALLY DEFERRED);
		INSERT INTO deferred_test VALUES (1), (1);`}
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("applyMigration panicked: %v", r)
			}
		}()
		err = applyMigration(t.Context(), s.db, s.f, m)
	}()
	if err == nil {
		t.Fatal("a migration whose commit fails succeeded")
	}
	t.Log(err)
}

// TestPostgresTransactionAfterKilledBackend: the pooled connection is killed between two
// transactions; the next transaction fails as unavailable, and the one
// after works.
func TestPostgresTransactionAfterKilledBackend(t *testing.T) {
	s, _ := openPool(t, 1, nil)
	ctx := t.Context()
	var pid int
	if err := s.queryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	killer, _ := openPool(t, 1, nil)
	if _, err := killer.exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	err := s.InTransaction(ctx, func(tx storage.Storage) error {
		return tx.UseNonce(ctx, "k1", time.Now().Add(time.Hour))
	})
	t.Logf("after kill: %v", err)
	if err != nil && !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("after kill: %v, want nil or ErrUnavailable", err)
	}
	if err := s.InTransaction(ctx, func(tx storage.Storage) error {
		return tx.UseNonce(ctx, "k2", time.Now().Add(time.Hour))
	}); err != nil {
		t.Fatalf("next transaction: %v", err)
	}
}

// TestPostgresTransactionCancelled: a context cancelled while the first batch runs
// (pg_sleep) leaves no trace on the next transaction on the same pool.
func TestPostgresTransactionCancelled(t *testing.T) {
	s, p := openPool(t, 1, nil)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	for _, stage := range []string{"first", "second", "commit"} {
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		err := s.inTx(cctx, "test", func(tx *Store) error {
			if stage == "first" {
				_, err := tx.exec(cctx, `SELECT pg_sleep(2)`)
				return err
			}
			if _, err := tx.exec(cctx, `INSERT INTO nonces (key, expires_at) VALUES ($1, $2)`, "c-"+stage, exp); err != nil {
				return err
			}
			if stage == "second" {
				_, err := tx.exec(cctx, `SELECT pg_sleep(2)`)
				return err
			}
			time.Sleep(300 * time.Millisecond)
			return nil
		})
		cancel()
		t.Logf("%s: %v", stage, err)
		if err == nil {
			t.Errorf("%s: cancelled transaction succeeded", stage)
		}
		var n int
		if err := s.queryRow(ctx, `SELECT count(*) FROM nonces`).Scan(&n); err != nil {
			t.Fatalf("%s: after: %v", stage, err)
		}
		if n != 0 {
			t.Errorf("%s: %d nonces", stage, n)
		}
		st := p.Stat()
		if st.AcquiredConns() != 0 {
			t.Errorf("%s: %d connections still acquired", stage, st.AcquiredConns())
		}
	}
}

// TestPostgresTransactionFirstRowsDeferredClose: a first query of many rows,
// read partly, then another statement, then the deferred Close.
func TestPostgresTransactionFirstRowsDeferredClose(t *testing.T) {
	s, _ := openPool(t, 1, nil)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	done := make(chan error, 1)
	go func() {
		done <- s.inTx(ctx, "test", func(tx *Store) error {
			r, err := tx.query(ctx, `SELECT g FROM generate_series(1, 100000) g`)
			if err != nil {
				return err
			}
			defer r.Close()
			if !r.Next() {
				return errors.New("no row")
			}
			if _, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ('dc', $1)`, exp); err != nil {
				return err
			}
			return nil
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("hung")
	}
	var n int
	if err := s.queryRow(ctx, `SELECT count(*) FROM nonces`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d nonces", n)
	}
}

// TestPostgresTransactionFirstScanFails: a first QueryRow whose Scan fails on the
// type, then the transaction rolls back, and the connection is fine.
func TestPostgresTransactionFirstScanFails(t *testing.T) {
	s, _ := openPool(t, 1, nil)
	ctx := t.Context()
	err := s.inTx(ctx, "test", func(tx *Store) error {
		var x int
		err := tx.queryRow(ctx, `SELECT 'abc'::text`).Scan(&x)
		if err == nil {
			return errors.New("scan succeeded")
		}
		return tx.fail("scan", err)
	})
	if err == nil {
		t.Fatal("a transaction whose first scan failed committed")
	}
	if err := s.inTx(ctx, "test", func(tx *Store) error {
		var x int
		return tx.queryRow(ctx, `SELECT 1`).Scan(&x)
	}); err != nil {
		t.Fatal(err)
	}
}

// TestPostgresTransactionsRacingOnASmallPool: many concurrent transactions on two
// connections, a third of them failing in their first statement, a third
// later, a third committing.
func TestPostgresTransactionsRacingOnASmallPool(t *testing.T) {
	s, p := openPool(t, 2, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	exp := time.Now().Add(time.Hour)
	if _, err := s.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ('taken', $1)`, exp); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 300)
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.inTx(ctx, "test", func(tx *Store) error {
				switch i % 3 {
				case 0:
					_, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ('taken', $1)`, exp)
					if err != nil {
						return tx.fail("insert", err)
					}
					return nil
				case 1:
					if _, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ($1, $2)`, fmt.Sprint("x", i), exp); err != nil {
						return err
					}
					var x int
					return tx.queryRow(ctx, `SELECT 1/0`).Scan(&x)
				default:
					_, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ($1, $2)`, fmt.Sprint("ok", i), exp)
					return err
				}
			})
			if (err != nil) != (i%3 != 2) {
				errs <- fmt.Errorf("%d: %v", i, err)
			}
			if i%3 == 0 && !errors.Is(err, storage.ErrAlreadyExists) {
				errs <- fmt.Errorf("%d: %v, want ErrAlreadyExists", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n int
	if err := s.queryRow(ctx, `SELECT count(*) FROM nonces`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 101 {
		t.Errorf("%d nonces, want 101", n)
	}
	if st := p.Stat(); st.AcquiredConns() != 0 {
		t.Errorf("%d acquired", st.AcquiredConns())
	}
}

// TestPostgresTransactionScriptFirst: a statement without arguments runs as a
// script (migrate.go relies on it), also as a transaction's first.
func TestPostgresTransactionScriptFirst(t *testing.T) {
	s, _ := openPool(t, 1, nil)
	ctx := t.Context()
	err := s.inTx(ctx, "test", func(tx *Store) error {
		_, err := tx.exec(ctx, `CREATE TABLE script_a (x int); CREATE TABLE script_b (y int)`)
		return err
	})
	if err != nil {
		t.Fatalf("a script as the first statement: %v", err)
	}
}

// TestPostgresTransactionEncodeErrorFirst: an argument pgx cannot encode
// in the first statement fails the transaction, and the next one works.
func TestPostgresTransactionEncodeErrorFirst(t *testing.T) {
	s, p := openPool(t, 1, nil)
	ctx := t.Context()
	// Warm up: the statement is prepared and the pool has its connection.
	for range 2 {
		if err := s.inTx(ctx, "test", func(tx *Store) error {
			var x int
			return tx.queryRow(ctx, `SELECT $1::int4`, 1).Scan(&x)
		}); err != nil {
			t.Fatal(err)
		}
	}
	before := p.Stat().NewConnsCount()
	err := s.inTx(ctx, "test", func(tx *Store) error {
		var x int
		return tx.fail("encode", tx.queryRow(ctx, `SELECT $1::int4`, int64(1)<<40).Scan(&x))
	})
	t.Logf("encode error: %v", err)
	if err == nil {
		t.Fatal("no error")
	}
	if err := s.inTx(ctx, "test", func(tx *Store) error {
		var x int
		return tx.queryRow(ctx, `SELECT $1::int4`, 1).Scan(&x)
	}); err != nil {
		t.Fatal(err)
	}
	// pgx closes the connection of a batch whose argument it could not
	// encode after BEGIN was queued: the pool dials a new one.
	t.Logf("new connections after the encode error: %d", p.Stat().NewConnsCount()-before)
}

// TestPostgresTransactionKilledMidway: the backend dies after the first
// statement; the commit fails as unavailable and nothing is written.
func TestPostgresTransactionKilledMidway(t *testing.T) {
	s, p := openPool(t, 1, nil)
	killer, _ := openPool(t, 1, nil)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	err := s.inTx(ctx, "test", func(tx *Store) error {
		var pid int
		if err := tx.queryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ('mid', $1)`, exp); err != nil {
			return err
		}
		if _, err := killer.exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		return nil
	})
	t.Logf("commit after kill: %v", err)
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("commit after kill: %v, want ErrUnavailable", err)
	}
	var n int
	if err := s.queryRow(ctx, `SELECT count(*) FROM nonces`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 || p.Stat().AcquiredConns() != 0 {
		t.Errorf("%d nonces, %d acquired", n, p.Stat().AcquiredConns())
	}
}

// TestPostgresTransactionCommitAborted: COMMIT of a block its first statement aborted
// is an error, even when the caller ignored the statement's failure.
func TestPostgresTransactionCommitAborted(t *testing.T) {
	s, _ := openPool(t, 1, nil)
	ctx := t.Context()
	tx, err := s.db.begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.exec(ctx, `SELECT 1/$1::int`, 0); err == nil {
		t.Fatal("1/0 succeeded")
	}
	err = tx.commit(ctx)
	t.Logf("commit: %v", err)
	if err == nil {
		t.Fatal("commit of an aborted block succeeded")
	}
}

// TestPostgresTransactionFirstStatementUnprepared: after a first statement that fails in
// Parse, a statement that follows must not escape the rollback.
func TestPostgresTransactionFirstStatementUnprepared(t *testing.T) {
	s, _ := openPool(t, 1, nil)
	ctx := t.Context()
	tx, err := s.db.begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO no_such_table VALUES ($1)`, 1); err == nil {
		t.Fatal("an insert into a missing table succeeded")
	}
	if _, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ('escaped', $1)`, time.Now().Add(time.Hour)); err == nil {
		t.Error("a statement after a first statement that never began the transaction succeeded")
	}
	_ = tx.rollback(ctx)
	var n int
	if err := s.queryRow(ctx, `SELECT count(*) FROM nonces`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d nonces after rollback, want 0", n)
	}
}

// TestPostgresTransactionDeadlineAtCommit: a transaction whose context
// ends while its last change runs reports what the server did. A change
// held for COMMIT (execLast) is sent with COMMIT only if the context has
// not ended, and COMMIT's answer is then awaited: a transaction reported
// failed must have written nothing. pgx's cancel request dials a second
// connection, here made to arrive a second late, as across a network, so
// a COMMIT already sent would run before it.
func TestPostgresTransactionDeadlineAtCommit(t *testing.T) {
	var dials atomic.Int64
	s, p := openPool(t, 1, func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) > 1 {
			time.Sleep(time.Second)
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	})
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	const slow = `INSERT INTO nonces (key, expires_at) SELECT $1, $2 FROM pg_sleep(0.5)`
	for _, tc := range []struct {
		name  string
		last  func(tx *Store, ctx context.Context, key string) error
		ended bool // the context ends before the commit
	}{
		{"a slow last change", func(tx *Store, ctx context.Context, key string) error {
			_, err := tx.exec(ctx, slow, key, exp)
			return err
		}, false},
		{"a slow change held for COMMIT", func(tx *Store, ctx context.Context, key string) error {
			return tx.execLast(ctx, slow, key, exp)
		}, false},
		{"a change held for COMMIT after the deadline", func(tx *Store, ctx context.Context, key string) error {
			time.Sleep(200 * time.Millisecond)
			return tx.execLast(ctx, `INSERT INTO nonces (key, expires_at) VALUES ($1, $2)`, key, exp)
		}, true},
	} {
		key := strings.ReplaceAll(tc.name, " ", "-")
		cctx, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
		err := s.inTx(cctx, "test", func(tx *Store) error {
			if _, err := tx.exec(cctx, `INSERT INTO nonces (key, expires_at) VALUES ($1, $2)`, key+"-first", exp); err != nil {
				return err
			}
			return tc.last(tx, cctx, key)
		})
		cancel()
		time.Sleep(1500 * time.Millisecond) // past a late cancel request
		var n int
		if qerr := s.queryRow(ctx, `SELECT count(*) FROM nonces WHERE key IN ($1, $2)`, key, key+"-first").Scan(&n); qerr != nil {
			t.Fatal(qerr)
		}
		switch {
		case err != nil && n != 0:
			t.Errorf("%s: the transaction was reported failed (%v) but its %d rows were written", tc.name, err, n)
		case err == nil && n != 2:
			t.Errorf("%s: the transaction was reported committed but %d of its 2 rows were written", tc.name, n)
		case tc.ended && err == nil:
			t.Errorf("%s: committed after its context ended", tc.name)
		}
		if a := p.Stat().AcquiredConns(); a != 0 {
			t.Errorf("%s: %d connections still acquired", tc.name, a)
		}
	}
}
