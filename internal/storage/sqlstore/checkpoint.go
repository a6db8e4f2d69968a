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

// walRestartPages is the WAL's size, in pages, from which the checkpointer
// makes SQLite start the WAL again from its beginning (a restart
// checkpoint, below), about 16 MiB with 4 KiB pages.
const walRestartPages = 4096

// restartBusyTimeout bounds how long a restart checkpoint waits for readers
// still reading pages from the WAL, while it holds the writer. Readers of
// this process finish within a millisecond; a reader in another process
// may take longer, and then the restart is left for a later round.
const restartBusyTimeout = 20 * time.Millisecond

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
//
// A PASSIVE checkpoint alone does not keep the WAL small under steady
// writes. SQLite writes the WAL again from its beginning only when a write
// transaction begins with every page of the WAL already copied, and under
// steady writes new pages are committed while each checkpoint runs, so
// that moment never comes: the WAL grew to the backstop, and the commit
// that reached it checkpointed for 10–18 ms holding the writer, about once
// a second at 700 sessions per second. So when the WAL has reached
// walRestartPages, the checkpointer, right after its PASSIVE checkpoint,
// takes the writer from the queue like any transaction and runs a RESTART
// checkpoint under it: with nothing committed meanwhile, it copies only the
// few pages committed during the PASSIVE one, waits (restartBusyTimeout at
// most) for readers still on WAL pages, and starts the WAL again. The
// writer waits for that short checkpoint instead of the backstop's long
// one.
type checkpointer struct {
	db *sql.DB
	// w is the writer, whose writes counts its releases: the checkpointer
	// skips a round when it has not moved.
	w *sqliteWriter
	// done counts the checkpoints run and restarts the restart
	// checkpoints that succeeded, for tests.
	done, restarts atomic.Uint64

	stop chan struct{}
	wg   sync.WaitGroup
}

// startCheckpointer opens a connection with dsn and checkpoints on it
// every checkpointEvery while the writer w writes, until close.
func startCheckpointer(dsn string, w *sqliteWriter) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{db: db, w: w, stop: make(chan struct{})}
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
		n := c.w.writes.Load()
		if n == seen {
			continue
		}
		if c.round() {
			seen = n
			c.done.Add(1)
		}
	}
}

// round runs one PASSIVE checkpoint and, if the WAL has reached
// walRestartPages, a RESTART checkpoint holding the writer. It reports
// whether the PASSIVE checkpoint ran.
//
// A failed or partial checkpoint loses nothing: the pages stay in the WAL,
// the next round tries again, and the writer's own checkpoint at
// walBackstopPages bounds the WAL meanwhile. So SQLITE_BUSY (another
// process's checkpoint running, a reader in another process still on WAL
// pages) is not an error here.
func (c *checkpointer) round() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The result row: whether the checkpoint was blocked, the pages in
	// the WAL, and how many of them have been copied.
	var busy, pages, copied int
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &pages, &copied); err != nil {
		return false
	}
	if pages >= walRestartPages {
		if _, err := c.w.acquire(ctx); err == nil {
			// busy is 1 if a reader still on WAL pages outlasted
			// restartBusyTimeout: the WAL then goes on growing until a
			// later round restarts it.
			if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &pages, &copied); err == nil && busy == 0 {
				c.restarts.Add(1)
			}
			c.w.release()
		}
	}
	return true
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	c.wg.Wait()
	return c.db.Close()
}
