package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// countingConn counts the writes on a connection to PostgreSQL: pgx
// sends each round trip's messages in one write.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// openCounted opens a Store on a fresh schema over one connection whose
// writes are counted.
func openCounted(t *testing.T) (*Store, *atomic.Int64) {
	t.Helper()
	writes := new(atomic.Int64)
	s, _ := openPool(t, 1, func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, writes}, nil
	})
	return s, writes
}

// TestPostgresTransactionRoundTrips: a transaction's BEGIN goes with its
// first statement, so a transaction of n statements is n+1 round trips
// (the statements and COMMIT), one that runs none sends nothing, and a
// last change held by execLast goes with COMMIT.
func TestPostgresTransactionRoundTrips(t *testing.T) {
	s, writes := openCounted(t)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	i := 0
	insert := func(tx *Store) error {
		i++
		_, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ($1, $2)`, "k"+string(rune('a'+i)), exp)
		return err
	}
	count := func(tx *Store) error {
		var n int
		return tx.queryRow(ctx, `SELECT count(*) FROM nonces`).Scan(&n)
	}
	cases := []struct {
		name  string
		fn    func(tx *Store) error
		trips int64
	}{
		{"none", func(*Store) error { return nil }, 0},
		{"one change", insert, 2},
		{"a read, then a change", func(tx *Store) error {
			if err := count(tx); err != nil {
				return err
			}
			return insert(tx)
		}, 3},
		{"a change, then a read", func(tx *Store) error {
			if err := insert(tx); err != nil {
				return err
			}
			return count(tx)
		}, 3},
		{"a read, then a change sent with COMMIT", func(tx *Store) error {
			if err := count(tx); err != nil {
				return err
			}
			i++
			return tx.execLast(ctx, `INSERT INTO nonces (key, expires_at) VALUES ($1, $2)`, "k"+string(rune('a'+i)), exp)
		}, 2},
	}
	for _, tc := range cases {
		// The first run prepares the statements on the connection.
		if err := s.inTx(ctx, "test", tc.fn); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		before := writes.Load()
		if err := s.inTx(ctx, "test", tc.fn); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := writes.Load() - before; got != tc.trips {
			t.Errorf("%s: %d round trips, want %d", tc.name, got, tc.trips)
		}
	}
}

// TestPostgresTransactionFirstStatement: the transaction's first
// statement, sent with BEGIN, behaves as any other: its failure rolls
// the transaction back and leaves the connection usable, a row it did
// not find is storage.ErrNotFound's sql.ErrNoRows, and rows left unread
// do not keep the next statement from running.
func TestPostgresTransactionFirstStatement(t *testing.T) {
	s, _ := openCounted(t)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	keys := func() int {
		t.Helper()
		var n int
		if err := s.queryRow(ctx, `SELECT count(*) FROM nonces`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := s.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ('taken', $1)`, exp); err != nil {
		t.Fatal(err)
	}

	// A first statement that fails: nothing after it is written.
	err := s.inTx(ctx, "test", func(tx *Store) error {
		if _, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ('taken', $1)`, exp); err != nil {
			return tx.fail("insert", err)
		}
		_, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ('after', $1)`, exp)
		return err
	})
	if !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("a first statement breaking a unique key: %v, want ErrAlreadyExists", err)
	}
	if n := keys(); n != 1 {
		t.Fatalf("%d nonces after the failed transaction, want 1", n)
	}

	// A first statement that fails in the server after BEGIN: the block
	// is aborted, and the Store's transaction refuses the next call.
	err = s.inTx(ctx, "test", func(tx *Store) error {
		var x int
		if err := tx.queryRow(ctx, `SELECT 1/0`).Scan(&x); err == nil {
			t.Error("SELECT 1/0 succeeded")
		} else {
			_ = tx.fail("divide", err)
		}
		_, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ('after', $1)`, exp)
		return err
	})
	if err == nil {
		t.Fatal("a spoiled transaction committed")
	}
	if n := keys(); n != 1 {
		t.Fatalf("%d nonces after the aborted transaction, want 1", n)
	}

	// A first read that finds nothing, then a change that commits.
	err = s.inTx(ctx, "test", func(tx *Store) error {
		var k string
		if err := tx.queryRow(ctx, `SELECT key FROM nonces WHERE key = 'absent'`).Scan(&k); !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("a first read of no row: %v, want sql.ErrNoRows", err)
		}
		_, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ('second', $1)`, exp)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// First rows closed before they were all read, and first rows never
	// closed by their caller, then a change that commits.
	for _, close := range []bool{true, false} {
		err = s.inTx(ctx, "test", func(tx *Store) error {
			r, err := tx.query(ctx, `SELECT key FROM nonces ORDER BY key`)
			if err != nil {
				return err
			}
			if !r.Next() {
				t.Error("no first row")
			}
			if close {
				if err := r.Close(); err != nil {
					t.Errorf("closing the first rows: %v", err)
				}
			}
			key := "closed"
			if !close {
				key = "unclosed"
			}
			_, err = tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ($1, $2)`, key, exp)
			return err
		})
		if err != nil {
			t.Fatalf("rows closed %v: %v", close, err)
		}
	}
	if n := keys(); n != 4 {
		t.Fatalf("%d nonces, want 4", n)
	}

	// A transaction rolled back by its function writes nothing.
	errStop := errors.New("stop")
	err = s.inTx(ctx, "test", func(tx *Store) error {
		if _, err := tx.exec(ctx, `INSERT INTO nonces (key, expires_at) VALUES ('rolled back', $1)`, exp); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	if n := keys(); n != 4 {
		t.Fatalf("%d nonces after a rollback, want 4", n)
	}
}

// TestPostgresTransactionEnded: a transaction's calls after its COMMIT or
// ROLLBACK fail with errTxEnded rather than reach a connection that is
// back in the pool.
func TestPostgresTransactionEnded(t *testing.T) {
	s, _ := openCounted(t)
	ctx := t.Context()
	for _, end := range []string{"commit", "rollback"} {
		for _, first := range []bool{false, true} {
			tx, err := s.db.begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if first {
				if _, err := tx.exec(ctx, `SELECT 1`); err != nil {
					t.Fatal(err)
				}
			}
			if end == "commit" {
				err = tx.commit(ctx)
			} else {
				err = tx.rollback(ctx)
			}
			if err != nil {
				t.Fatalf("%s: %v", end, err)
			}
			if _, err := tx.exec(ctx, `SELECT 1`); !errors.Is(err, errTxEnded) {
				t.Errorf("exec after %s: %v, want errTxEnded", end, err)
			}
			var n int
			if err := tx.queryRow(ctx, `SELECT 1`).Scan(&n); !errors.Is(err, errTxEnded) {
				t.Errorf("queryRow after %s: %v, want errTxEnded", end, err)
			}
			if _, err := tx.query(ctx, `SELECT 1`); !errors.Is(err, errTxEnded) {
				t.Errorf("query after %s: %v, want errTxEnded", end, err)
			}
			if err := tx.commit(ctx); !errors.Is(err, errTxEnded) {
				t.Errorf("commit after %s: %v, want errTxEnded", end, err)
			}
			if err := tx.rollback(ctx); !errors.Is(err, errTxEnded) {
				t.Errorf("rollback after %s: %v, want errTxEnded", end, err)
			}
		}
	}
	// The pool's one connection is free again.
	var n int
	if err := s.queryRow(ctx, `SELECT 1`).Scan(&n); err != nil {
		t.Fatalf("the pool after the transactions: %v", err)
	}
}

// TestPostgresTransactionChangeWithCommit: a change held for COMMIT
// (execLast) is written with it; it goes first if another statement
// follows; a rollback drops it; and if it fails, COMMIT fails with its
// error, nothing of the transaction is written, and the connection goes
// back to the pool.
func TestPostgresTransactionChangeWithCommit(t *testing.T) {
	s, _ := openCounted(t)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	has := func(key string) bool {
		t.Helper()
		var n int
		if err := s.queryRow(ctx, `SELECT count(*) FROM nonces WHERE key = $1`, key).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	const insert = `INSERT INTO nonces (key, expires_at) VALUES ($1, $2)`

	// Alone, and after a read.
	if err := s.inTx(ctx, "test", func(tx *Store) error { return tx.execLast(ctx, insert, "alone", exp) }); err != nil || !has("alone") {
		t.Fatalf("a held change alone: %v, written %v", err, has("alone"))
	}
	err := s.inTx(ctx, "test", func(tx *Store) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM nonces`).Scan(&n); err != nil {
			return err
		}
		return tx.execLast(ctx, insert, "after a read", exp)
	})
	if err != nil || !has("after a read") {
		t.Fatalf("a held change after a read: %v, written %v", err, has("after a read"))
	}

	// A statement after it sees it.
	err = s.inTx(ctx, "test", func(tx *Store) error {
		if err := tx.execLast(ctx, insert, "seen", exp); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM nonces WHERE key = 'seen'`).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("the statement after a held change sees %d rows of it", n)
		}
		return nil
	})
	if err != nil || !has("seen") {
		t.Fatalf("a held change before a read: %v, written %v", err, has("seen"))
	}

	// A rollback drops it.
	errStop := errors.New("stop")
	err = s.inTx(ctx, "test", func(tx *Store) error {
		if _, err := tx.exec(ctx, insert, "rolled back 1", exp); err != nil {
			return err
		}
		if err := tx.execLast(ctx, insert, "rolled back 2", exp); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) || has("rolled back 1") || has("rolled back 2") {
		t.Fatalf("a rolled-back transaction with a held change: %v", err)
	}

	// A held change that fails fails COMMIT, and nothing is written.
	p := s.db.(pgxPool).p
	conns := p.Stat().NewConnsCount()
	err = s.inTx(ctx, "test", func(tx *Store) error {
		if _, err := tx.exec(ctx, insert, "before the failure", exp); err != nil {
			return err
		}
		return tx.execLast(ctx, insert, "alone", exp) // taken
	})
	if !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("COMMIT after a held change that breaks a unique key: %v, want ErrAlreadyExists", err)
	}
	if has("before the failure") {
		t.Fatal("a transaction whose held change failed was written")
	}
	// Failing after a read, with nothing written before it.
	err = s.inTx(ctx, "test", func(tx *Store) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM nonces`).Scan(&n); err != nil {
			return err
		}
		return tx.execLast(ctx, insert, "seen", exp) // taken
	})
	if !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("COMMIT after a read and a held change that breaks a unique key: %v", err)
	}
	if err := s.inTx(ctx, "test", func(tx *Store) error { return tx.execLast(ctx, insert, "next", exp) }); err != nil || !has("next") {
		t.Fatalf("the transaction after: %v", err)
	}
	if n := p.Stat().NewConnsCount() - conns; n != 0 {
		t.Errorf("the failed COMMITs cost %d new connections: the connection was not rolled back and kept", n)
	}

	// A held change sends the values it was given, even if their memory
	// is reused before COMMIT.
	hash := []byte("the node's hash")
	err = s.inTx(ctx, "test", func(tx *Store) error {
		if err := tx.execLast(ctx, `INSERT INTO tree_nodes (level, idx, hash) VALUES ($1, $2, $3)`, int16(7), int64(7), hash); err != nil {
			return err
		}
		copy(hash, "overwritten....")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	if err := s.queryRow(ctx, `SELECT hash FROM tree_nodes WHERE level = 7 AND idx = 7`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if string(stored) != "the node's hash" {
		t.Errorf("the held change stored %q, want the value it was given", stored)
	}
}
