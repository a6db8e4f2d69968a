package sqlstore

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// What is committed reaches the database file itself, not only the WAL,
// without waiting for the WAL to grow to SQLite's checkpoint threshold and
// without any commit doing it: a copy of the database file alone, taken
// shortly after a few small commits, holds them.
func TestSQLiteCheckpointsInBackground(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "netid.db")
	s, err := OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	const n = 20
	for i := range n {
		if err := s.UseNonce(ctx, fmt.Sprintf("checkpointed-%d", i), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}

	// The copy is read without its WAL: only checkpointed pages count.
	deadline := time.Now().Add(10 * time.Second)
	var got int
	for {
		got = countInCopy(t, path, filepath.Join(dir, "copy.db"))
		if got == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got != n {
		t.Fatalf("the database file holds %d of %d committed nonces after 10 s: the WAL was not checkpointed", got, n)
	}
}

// countInCopy copies the database file at path, without its WAL, to dst
// and counts the test's nonces in the copy (0 if the copy has no nonces
// table yet).
func countInCopy(t *testing.T, path, dst string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{dst, dst + "-wal", dst + "-shm"} {
		_ = os.Remove(f)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM nonces WHERE key LIKE 'checkpointed-%'`).Scan(&n); err != nil {
		return 0
	}
	return n
}

// The writer checkpoints by itself only at walBackstopPages, not at
// SQLite's default of 1,000 pages, so that its commits do not wait for
// checkpoints while the checkpointer keeps up.
func TestSQLiteWriterCheckpointBackstop(t *testing.T) {
	_, p := openSQLiteFile(t)
	var pages int
	if err := p.queryRow(t.Context(), "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if pages != walBackstopPages {
		t.Errorf("the writer checkpoints at %d pages, want %d", pages, walBackstopPages)
	}
}

// Closing the store stops the checkpointer: a closed store's checkpointer
// no longer runs.
func TestSQLiteCheckpointerStopsOnClose(t *testing.T) {
	s, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "netid.db"))
	if err != nil {
		t.Fatal(err)
	}
	c := s.db.(*sqlitePool).ckpt
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.stop:
	default:
		t.Fatal("the checkpointer was not told to stop")
	}
	c.writes.Add(1)
	before := c.done.Load()
	time.Sleep(3 * checkpointEvery)
	if after := c.done.Load(); after != before {
		t.Errorf("the checkpointer ran %d times after Close", after-before)
	}
}
