package sqlstore

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/netid-project/netid/internal/storage"
)

// countingConn counts the writes pgx makes on a connection: one per round
// trip, since pgx sends each batch of messages with one write.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// openCountingPostgres opens a Store on a fresh schema whose connections
// count their writes in writes.
func openCountingPostgres(t *testing.T, writes *atomic.Int64) (*Store, *pgxpool.Pool) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(newSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	var d net.Dialer
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, writes}, nil
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

// A transaction sends BEGIN with its first statement: a transaction of two
// statements is three round trips (BEGIN and the first, the second,
// COMMIT), not four.
func TestPostgresBeginGoesWithTheFirstStatement(t *testing.T) {
	var writes atomic.Int64
	s, _ := openCountingPostgres(t, &writes)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	twoNonces := func(a, b string) error {
		return s.InTransaction(ctx, func(tx storage.Storage) error {
			if err := tx.UseNonce(ctx, a, exp); err != nil {
				return err
			}
			return tx.UseNonce(ctx, b, exp)
		})
	}
	// The first run prepares the statement on the connection.
	if err := twoNonces("warm-1", "warm-2"); err != nil {
		t.Fatal(err)
	}
	before := writes.Load()
	if err := twoNonces("n-1", "n-2"); err != nil {
		t.Fatal(err)
	}
	if got := writes.Load() - before; got != 3 {
		t.Errorf("a transaction of two statements took %d round trips, want 3", got)
	}
	for _, key := range []string{"n-1", "n-2"} {
		if err := s.UseNonce(ctx, key, exp); !errors.Is(err, storage.ErrAlreadyExists) {
			t.Errorf("nonce %s after the commit: %v, want it used", key, err)
		}
	}
}

// The transactions whose BEGIN goes with their first statement end as
// before, whatever that statement does, and give their connection back.
func TestPostgresTransactionFirstStatement(t *testing.T) {
	var writes atomic.Int64
	s, p := openCountingPostgres(t, &writes)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	idle := func(what string) {
		t.Helper()
		// pgxpool releases a connection whose transaction ended in the
		// background when it must check it first.
		for deadline := time.Now().Add(5 * time.Second); p.Stat().AcquiredConns() != 0 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		if n := p.Stat().AcquiredConns(); n != 0 {
			t.Errorf("%s: %d connections still held", what, n)
		}
	}
	used := func(key string) bool {
		t.Helper()
		err := s.UseNonce(ctx, key, exp)
		if err != nil && !errors.Is(err, storage.ErrAlreadyExists) {
			t.Fatal(err)
		}
		return err != nil
	}

	// No statement: nothing is sent, nothing held.
	before := writes.Load()
	if err := s.InTransaction(ctx, func(storage.Storage) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := writes.Load() - before; got != 0 {
		t.Errorf("an empty transaction made %d round trips", got)
	}
	idle("an empty transaction")

	// A first read that finds nothing leaves the transaction usable.
	if err := s.inTx(ctx, "test", func(tx *Store) error {
		if _, err := tx.GetPersonByWanghao(ctx, "no-such-wanghao"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("first read: %v, want ErrNotFound", err)
		}
		return tx.UseNonce(ctx, "after-not-found", exp)
	}); err != nil {
		t.Fatal(err)
	}
	if !used("after-not-found") {
		t.Error("the write after a first read that found nothing was not committed")
	}
	idle("a first read that found nothing")

	// A first statement the server refuses: the transaction rolls back,
	// and its connection goes back to the pool.
	err := s.inTx(ctx, "test", func(tx *Store) error {
		if _, err := tx.exec(ctx, `SELECT 1/0`); err != nil {
			return err
		}
		return tx.UseNonce(ctx, "after-refusal", exp)
	})
	if err == nil {
		t.Fatal("a transaction whose first statement failed committed")
	}
	if used("after-refusal") {
		t.Error("a nonce of the refused transaction was written")
	}
	idle("a refused first statement")

	// A first row not read before the next statement: the statement runs,
	// and the transaction commits.
	if err := s.inTx(ctx, "test", func(tx *Store) error {
		_ = tx.queryRow(ctx, `SELECT 1`)
		return tx.UseNonce(ctx, "after-unread-row", exp)
	}); err != nil {
		t.Fatal(err)
	}
	if !used("after-unread-row") {
		t.Error("the write after an unread first row was not committed")
	}
	idle("an unread first row")

	// A first row read: its value, and the rest of the transaction.
	var n int
	if err := s.inTx(ctx, "test", func(tx *Store) error {
		if err := tx.queryRow(ctx, `SELECT 41 + 1`).Scan(&n); err != nil {
			return err
		}
		return tx.UseNonce(ctx, "after-row", exp)
	}); err != nil || n != 42 {
		t.Fatalf("first row: %d, %v", n, err)
	}
	if !used("after-row") {
		t.Error("the write after a first row was not committed")
	}

	// A first query of several rows.
	if err := s.inTx(ctx, "test", func(tx *Store) error {
		if _, err := tx.ListRecords(ctx, 0, 10); err != nil {
			return err
		}
		return tx.UseNonce(ctx, "after-rows", exp)
	}); err != nil {
		t.Fatal(err)
	}
	if !used("after-rows") {
		t.Error("the write after a first query of rows was not committed")
	}

	// A transaction rolled back by its function after its first write.
	errStop := errors.New("stop")
	if err := s.inTx(ctx, "test", func(tx *Store) error {
		if err := tx.UseNonce(ctx, "rolled-back", exp); err != nil {
			return err
		}
		return errStop
	}); !errors.Is(err, errStop) {
		t.Fatalf("rolled back: %v", err)
	}
	if used("rolled-back") {
		t.Error("the write of a rolled-back transaction was kept")
	}
	idle("the end")
}
