package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// TestStatsCount checks the counts against statements whose number is
// known: a read, an autocommitted write, and a transaction of two.
func TestStatsCount(t *testing.T) {
	s, err := OpenSQLite(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	before := s.Stats()
	if _, err := s.GetSession(ctx, "none"); err == nil {
		t.Fatal("found a session that does not exist")
	}
	if err := s.UseNonce(ctx, "k", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.GetSession(ctx, "none"); err == nil {
			t.Fatal("found a session that does not exist")
		}
		return tx.UseNonce(ctx, "k2", time.Now().Add(time.Minute))
	}); err != nil {
		t.Fatal(err)
	}
	got := s.Stats().Sub(before)
	if want := (Stats{Statements: 4, Transactions: 1, Autocommits: 1}); got != want {
		t.Errorf("counted %+v, want %+v", got, want)
	}
	if got.Commits() != 2 {
		t.Errorf("commits %d, want 2", got.Commits())
	}
}

func TestIsSelect(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT 1": true, "\n\t  select x FROM t": true, "INSERT INTO t VALUES (1)": false,
		"UPDATE t SET x = 1 RETURNING x": false, "SELEC": false, "": false,
	} {
		if got := isSelect(q); got != want {
			t.Errorf("isSelect(%q) = %v", q, got)
		}
	}
}
