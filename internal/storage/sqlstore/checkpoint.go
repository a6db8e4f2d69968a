package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often the checkpointer copies the WAL's new
// pages into the database file when something was written since its last
// checkpoint.
const checkpointEvery = 100 * time.Millisecond

// walBackstopPages is the WAL's size, in pages, at which the writer
// checkpoints by itself after a commit, as SQLite does by default at 1,000
// pages. The checkpointer keeps the WAL far below it; the writer reaches it
// only if the checkpointer cannot keep up or cannot run, so that the WAL
// stays bounded whatever happens to the checkpointer.
const walBackstopPages = 10000

// checkpointer copies, in the background, the pages committed to the WAL
// into the database file (a PASSIVE checkpoint on a connection of its own,
// which neither waits for nor blocks the writer and the readers).
//
// Left to SQLite, the checkpoint runs inside the commit that makes the WAL
// reach 1,000 pages, and that commit's caller waits for it: it copies the
// pages and, with synchronous(NORMAL), syncs the database file, for some
// milliseconds during which the one writer (and everyone queued for it)
// waits too. Under load that was the largest share of the writes' tail
// latency. The checkpointer takes that work off the commit path.
type checkpointer struct {
	db *sql.DB
	// writes counts the writer's releases; the checkpointer skips a
	// round when it has not moved.
	writes *atomic.Uint64
	// done counts the checkpoints run, for tests.
	done atomic.Uint64

	stop chan struct{}
	wg   sync.WaitGroup
}

// startCheckpointer opens a connection with dsn and checkpoints on it
// every checkpointEvery while writes moves, until close.
func startCheckpointer(dsn string, writes *atomic.Uint64) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{db: db, writes: writes, stop: make(chan struct{})}
	c.wg.Add(1)
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer c.wg.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var seen uint64
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		n := c.writes.Load()
		if n == seen {
			continue
		}
		// A failed or partial checkpoint loses nothing: the pages stay in
		// the WAL, the next round tries again, and the writer's own
		// checkpoint at walBackstopPages bounds the WAL meanwhile. So the
		// result is not inspected: SQLITE_BUSY (another process's
		// checkpoint running) and readers holding old pages are routine.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		cancel()
		if err == nil {
			seen = n
			c.done.Add(1)
		}
	}
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	c.wg.Wait()
	return c.db.Close()
}
