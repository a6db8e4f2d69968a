package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// openSQLiteFile opens a new SQLite file database, closed at the end of
// the test, and returns it with its pool.
func openSQLiteFile(t *testing.T) (*Store, *sqlitePool) {
	t.Helper()
	s, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "netid.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, s.db.(*sqlitePool)
}

// holdWriter runs a transaction that holds the writer until release is
// closed; it returns once the transaction has begun, and done is closed
// when it has ended.
func holdWriter(t *testing.T, s *Store) (release, done chan struct{}) {
	t.Helper()
	release, done, begun := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		err := s.InTransaction(context.Background(), func(tx storage.Storage) error {
			if _, err := tx.Increment(context.Background(), "held", time.Time{}); err != nil {
				return err
			}
			close(begun)
			<-release
			return nil
		})
		if err != nil {
			t.Errorf("holding transaction: %v", err)
		}
	}()
	select {
	case <-begun:
	case <-done:
		t.Fatal("the holding transaction ended early")
	}
	return release, done
}

// A SELECT outside a transaction runs on the readers: it does not wait for
// the writer, and sees the last committed state, not the open
// transaction's.
func TestSQLiteReadsWhileWriterHeld(t *testing.T) {
	s, _ := openSQLiteFile(t)
	ctx := t.Context()
	if err := s.UseNonce(ctx, "before", time.Time{}); err != nil {
		t.Fatal(err)
	}
	release, done := holdWriter(t, s)
	defer func() { close(release); <-done }()

	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var n int
	if err := s.queryRow(rctx, `SELECT count(*) FROM counters WHERE key = $1`, "held").Scan(&n); err != nil {
		t.Fatalf("read while the writer is held: %v", err)
	}
	if n != 0 {
		t.Errorf("a reader saw the open transaction's uncommitted counter")
	}
	if err := s.queryRow(rctx, `SELECT count(*) FROM nonces WHERE key = $1`, "before").Scan(&n); err != nil || n != 1 {
		t.Errorf("a reader did not see a committed nonce: %d, %v", n, err)
	}
}

// A write waits for the writer only as long as its context allows, and
// the writer serves it once the transaction holding it has ended.
func TestSQLiteWriterWaitHonoursContext(t *testing.T) {
	s, _ := openSQLiteFile(t)
	release, done := holdWriter(t, s)

	wctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Increment(wctx, "waiting", time.Time{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("write while the writer is held: %v, want context.DeadlineExceeded", err)
	}
	close(release)
	<-done
	if v, err := s.Increment(t.Context(), "waiting", time.Time{}); err != nil || v != 1 {
		t.Errorf("write after the writer is free: %d, %v", v, err)
	}
}

// A transaction whose commit is refused leaves the writer usable: it is
// not left inside the transaction, and the next one commits.
func TestSQLiteWriterAfterFailedTransaction(t *testing.T) {
	s, _ := openSQLiteFile(t)
	ctx := t.Context()
	boom := errors.New("boom")
	err := s.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.Increment(ctx, "rolled back", time.Time{}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTransaction = %v, want boom", err)
	}
	// A statement that fails inside a transaction spoils it.
	err = s.InTransaction(ctx, func(tx storage.Storage) error {
		return tx.(*Store).queryRow(ctx, `SELECT no_such_column FROM counters`).Scan(new(int))
	})
	if err == nil {
		t.Fatal("a failing statement did not fail its transaction")
	}
	if v, err := s.Increment(ctx, "rolled back", time.Time{}); err != nil || v != 1 {
		t.Errorf("after the failed transactions: %d, %v (want 1: the first increment rolled back)", v, err)
	}
}

// The writer prepares each statement once and keeps at most
// stmtCacheSize; statements past the bound still run, unprepared.
func TestSQLiteStatementCacheBounded(t *testing.T) {
	s, p := openSQLiteFile(t)
	ctx := t.Context()
	if _, err := s.Increment(ctx, "same", time.Time{}); err != nil {
		t.Fatal(err)
	}
	before := len(p.w.c.stmts)
	for range 3 {
		if _, err := s.Increment(ctx, "same", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(p.w.c.stmts); n != before {
		t.Errorf("a statement run again left %d prepared statements, want %d", n, before)
	}
	for i := range stmtCacheSize + 10 {
		q := fmt.Sprintf(`INSERT INTO nonces (key, expires_at) VALUES ($1, $2) -- %d`, i)
		if _, err := s.exec(ctx, q, fmt.Sprint("k", i), int64(0)); err != nil {
			t.Fatalf("statement %d: %v", i, err)
		}
	}
	if n := len(p.w.c.stmts); n != stmtCacheSize {
		t.Errorf("%d prepared statements, want the bound %d", n, stmtCacheSize)
	}
	var n int
	if err := s.queryRow(ctx, `SELECT count(*) FROM nonces`).Scan(&n); err != nil || n != stmtCacheSize+10 {
		t.Errorf("%d nonces, %v; want %d", n, err, stmtCacheSize+10)
	}
}
