package sqlstore

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
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
	c.w.writes.Add(1)
	before := c.done.Load()
	time.Sleep(3 * checkpointEvery)
	if after := c.done.Load(); after != before {
		t.Errorf("the checkpointer ran %d times after Close", after-before)
	}
}

// Under steady writes, with readers reading all along, the WAL starts again
// from its beginning once it has reached walRestartPages, well before the
// writer's own checkpoint at walBackstopPages. Without the checkpointer's
// restart, new pages committed during every PASSIVE checkpoint kept the WAL
// from ever being fully copied when a write began, so it grew to the
// backstop each time and the commit that reached it checkpointed holding
// the writer.
func TestSQLiteWALRestartsUnderSteadyWrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "netid.db")
	s, err := OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ckpt := s.db.(*sqlitePool).ckpt
	ctx := t.Context()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	writeErr := make(chan error, 1)
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.UseNonce(ctx, fmt.Sprintf("steady-%d", i), time.Now().Add(time.Hour)); err != nil {
				writeErr <- err
				return
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.GetPersonByWanghao(ctx, "no-such-wanghao"); err == nil {
					t.Error("a reader found a person in an empty database")
					return
				}
			}
		})
	}

	// Follow the WAL's size from the wal-index (the -shm file), summing
	// the pages written, until the writer has written two and a half
	// backstops' worth.
	// early counts the restarts seen before the WAL reached the backstop.
	var last, most, written, drops, early int
	deadline := time.Now().Add(2 * time.Minute)
	for written < 5*walBackstopPages/2 && time.Now().Before(deadline) {
		select {
		case err := <-writeErr:
			t.Fatal(err)
		default:
		}
		n := walFrames(t, path+"-shm")
		if n < last {
			drops++
			if last < walBackstopPages {
				early++
			}
			written += n
		} else {
			written += n - last
		}
		last, most = n, max(most, n)
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if written < 5*walBackstopPages/2 {
		t.Fatalf("only %d pages written in 2 minutes", written)
	}
	// How large the WAL grows depends on how promptly the checkpointer
	// runs, which a busy machine delays: the writer here writes as fast as
	// it can. What does not depend on it: the checkpointer restarted the
	// WAL, and the WAL started again before it reached the backstop.
	if ckpt.restarts.Load() == 0 || early == 0 {
		t.Errorf("%d restart checkpoints; the WAL started again %d times, %d of them before the backstop (%d pages), and grew to %d pages",
			ckpt.restarts.Load(), drops, early, walBackstopPages, most)
	}
	t.Logf("%d pages written, the WAL at most %d pages, started again %d times (%d before the backstop, %d restart checkpoints)",
		written, most, drops, early, ckpt.restarts.Load())
}

// walFrames reads the number of valid frames in the WAL (mxFrame) from
// the wal-index header at the start of the -shm file, as SQLite's WAL
// format documents it: a 32-bit native-endian integer at offset 16.
func walFrames(t *testing.T, shm string) int {
	t.Helper()
	f, err := os.Open(shm)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [20]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		t.Fatal(err)
	}
	return int(binary.NativeEndian.Uint32(b[16:]))
}
