package loadgen

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// TestFloorSession runs the whole-session floor command on SQLite and
// reads its figures.
func TestFloorSession(t *testing.T) {
	if _, ok := processCPU(); !ok {
		t.Skip("the process CPU time cannot be read on this system")
	}
	var out bytes.Buffer
	if err := FloorSession(t.Context(), FloorSessionOptions{N: 20, Concurrency: 4, Out: &out}); err != nil {
		t.Fatal(err)
	}
	matchFloorSession(t, out.String(), "modernc.org/sqlite")
}

func matchFloorSession(t *testing.T, got, backend string) {
	t.Helper()
	for _, re := range []string{
		`(?m)^whole sessions on this stack without netid's code \(net/http, crypto/ecdsa, ` + regexp.QuoteMeta(backend) + `\): 20 sessions, 4 at a time$`,
		`(?m)^20 sessions in [0-9.]+(ms|s): [0-9.]+ sessions/s$`,
		`(?m)^latency per session: p50 [0-9.]+(µs|ms|s), p99 [0-9.]+(µs|ms|s), max [0-9.]+(ms|s)$`,
		`(?m)^CPU per session: [0-9.]+(µs|ms) \(client and server\) = [0-9.]+ × one P-256 verification \([0-9.]+(µs|ms), measured before and after: [0-9.]+(µs|ms), [0-9.]+(µs|ms)\)$`,
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("the output does not match %s:\n%s", re, got)
		}
	}
}

// floorSessions runs n whole sessions against a floor server on store
// and returns the server.
func floorSessions(t *testing.T, store floorStore, n int) *floorServer {
	t.Helper()
	srv, err := newFloorServer(store)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	session, stop := srv.serve(ln)
	t.Cleanup(stop)
	for range n {
		if err := session(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	return srv
}

// TestFloorSessionSQLite: a whole session on SQLite signs four times and
// verifies three times (the wallet's two proofs, the result, the tree
// head), and runs the SQLite part's sixteen statements and three commits.
func TestFloorSessionSQLite(t *testing.T) {
	f, err := openFloorSQL(t.Context(), t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.close)
	srv := floorSessions(t, f, 3)
	if s, v := srv.signs.Load(), srv.verifies.Load(); s != 12 || v != 9 {
		t.Errorf("three sessions signed %d times and verified %d times, want 12 and 9", s, v)
	}
	if s, c := f.statements.Load(), f.commits.Load(); s != 3*16 || c != 3*3 {
		t.Errorf("three sessions ran %d statements and %d commits, want 48 and 9", s, c)
	}
	var n int
	if err := f.w.QueryRowContext(t.Context(), `SELECT count(*) FROM sessions WHERE state = 'approved'`).Scan(&n); err != nil || n != 3 {
		t.Errorf("approved sessions: %d (%v), want 3", n, err)
	}
}

// TestFloorCheckpoints: the whole-session floor checkpoints SQLite's WAL
// in the background, as sqlstore does, with the writer's own checkpoint
// only as a far backstop; the parts' floor leaves it to the commit that
// reaches 2,000 pages.
func TestFloorCheckpoints(t *testing.T) {
	for _, background := range []bool{false, true} {
		f, err := openFloorSQL(t.Context(), t.TempDir(), background)
		if err != nil {
			t.Fatal(err)
		}
		var pages int
		if err := f.w.QueryRowContext(t.Context(), `PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil {
			t.Fatal(err)
		}
		want := 2000
		if background {
			want = floorWALBackstop
		}
		if pages != want {
			t.Errorf("background %v: the writer checkpoints at %d pages, want %d", background, pages, want)
		}
		if err := f.session(t.Context()); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for background && f.checkpoints.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := f.checkpoints.Load(); background && got == 0 {
			t.Error("no background checkpoint ran after a session")
		} else if !background && (got != 0 || f.ckpt != nil) {
			t.Errorf("the parts' floor checkpointed in the background (%d)", got)
		}
		if background {
			// With the WAL past the restart size, a round restarts it
			// holding the writer, and sessions go on after it.
			f.restartAt.Store(1)
			for range 3 {
				if err := f.session(t.Context()); err != nil {
					t.Fatal(err)
				}
				deadline := time.Now().Add(5 * time.Second)
				for n := f.checkpoints.Load(); f.checkpoints.Load() == n && time.Now().Before(deadline); {
					time.Sleep(10 * time.Millisecond)
				}
			}
			if f.restarts.Load() == 0 {
				t.Error("no restart checkpoint ran with the WAL past its restart size")
			}
		}
		f.close()
	}
}

// TestFloorSessionRefusals: the floor's server checks what it is sent: a
// proof signed for another step or session, or none, is refused, and a
// session that did not end approved has no result to poll.
func TestFloorSessionRefusals(t *testing.T) {
	f, err := openFloorSQL(t.Context(), t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.close)
	srv, err := newFloorServer(f)
	if err != nil {
		t.Fatal(err)
	}
	id, err := f.create(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	other, err := srv.proof("open", "another session")
	if err != nil {
		t.Fatal(err)
	}
	approve, err := srv.proof("approve", id)
	if err != nil {
		t.Fatal(err)
	}
	for name, proof := range map[string]string{"another session's": other, "the approval's": approve, "no": "", "an unreadable": "x.!!"} {
		if srv.checkProof("open", id, proof) {
			t.Errorf("%s proof opened the session", name)
		}
	}
	open, _ := srv.proof("open", id)
	if !srv.checkProof("open", id, open) {
		t.Error("the open's own proof was refused")
	}
	if _, err := f.poll(t.Context(), id); err == nil || !strings.Contains(err.Error(), "ended pending") {
		t.Errorf("a pending session polled: %v", err)
	}
	if _, ok := floorResultSignature(nil); ok {
		t.Error("an empty result read")
	}
	if _, ok := floorResultSignature([]byte{200, 1, 2}); ok {
		t.Error("a result shorter than its length read")
	}
	sig := []byte("a signature")
	if got, ok := floorResultSignature(floorResult(sig)); !ok || !bytes.Equal(got, sig) || len(floorResult(sig)) != len(floorBody) {
		t.Errorf("a stored result read back as %q, %v", got, ok)
	}
}

// TestFloorSessionOptions: bounds and the DSN are checked before any work.
func TestFloorSessionOptions(t *testing.T) {
	for _, o := range []FloorSessionOptions{{N: 0, Concurrency: 1}, {N: 1, Concurrency: 0}, {N: maxFloorN + 1, Concurrency: 1}, {N: 1, Concurrency: 1, DB: "mysql://x"}} {
		var out bytes.Buffer
		o.Out = &out
		if err := FloorSession(t.Context(), o); !errors.Is(err, ErrOptions) || out.Len() != 0 {
			t.Errorf("%+v: %v, wrote %q", o, err, out.String())
		}
	}
	// A session that fails stops the run with its error.
	boom := errors.New("boom")
	if _, err := runFloorSessions(t.Context(), func(context.Context) error { return boom }, 10, 3); !errors.Is(err, boom) {
		t.Errorf("a failing session: %v", err)
	}
}

// TestFloorSessionPostgres: on PostgreSQL a whole session is twelve round
// trips and three commits, as sqlstore sends a level-1 session's; it
// leaves the session approved, two one-time values, a record with its
// tree node, and the log's tail moved on; a session that cannot move
// fails without leaving its connection in a transaction; and the floor's
// schema is dropped when it closes.
func TestFloorSessionPostgres(t *testing.T) {
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	ctx := t.Context()
	// One connection, so that each statement is prepared once and a
	// connection the pool had to replace shows.
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	f, err := openFloorPG(ctx, dsn+sep+"pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			f.close()
		}
	})
	floorSessions(t, f, 1) // prepares the statements
	r0, c0, w0 := f.roundTrips.Load(), f.commits.Load(), f.writes.Load()
	srv := floorSessions(t, f, 3)
	if s, v := srv.signs.Load(), srv.verifies.Load(); s != 12 || v != 9 {
		t.Errorf("three sessions signed %d times and verified %d times, want 12 and 9", s, v)
	}
	if r, c := f.roundTrips.Load()-r0, f.commits.Load()-c0; r != 3*12 || c != 3*3 {
		t.Errorf("three sessions made %d round trips and %d commits, want 36 and 9", r, c)
	}
	if w := f.writes.Load() - w0; w != 3*12 {
		t.Errorf("three sessions wrote to PostgreSQL %d times, want 36 (one a round trip)", w)
	}
	for q, want := range map[string]int64{
		`SELECT count(*) FROM sessions WHERE state = 'approved'`: 4,
		`SELECT count(*) FROM nonces`:                            8,
		`SELECT count(*) FROM records`:                           4,
		`SELECT count(*) FROM tree_nodes`:                        4,
		`SELECT seq FROM log_tail`:                               4,
	} {
		var n int64
		if err := f.pool.QueryRow(ctx, q).Scan(&n); err != nil || n != want {
			t.Errorf("%s: %d (%v), want %d", q, n, err, want)
		}
	}

	// An approval that changes nothing fails, and rolls back.
	if _, err := f.pool.Exec(ctx, `CREATE FUNCTION stuck() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.state = 'approved' THEN RETURN NULL; END IF; RETURN NEW; END $$;
CREATE TRIGGER stuck BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION stuck()`); err != nil {
		t.Fatal(err)
	}
	id, err := f.create(ctx)
	if err == nil {
		err = f.open(ctx, id)
	}
	if err != nil {
		t.Fatal(err)
	}
	conns := f.pool.Stat().NewConnsCount()
	if err := f.approve(ctx, id, nil, nil); err == nil || !strings.Contains(err.Error(), "did not move") {
		t.Errorf("an approval that changed nothing: %v", err)
	}
	var nonces int64
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM nonces`).Scan(&nonces); err != nil || nonces != 9 {
		t.Errorf("one-time values after the failed approval: %d (%v), want 9 (its own rolled back)", nonces, err)
	}
	if n := f.pool.Stat().NewConnsCount(); n != conns {
		t.Errorf("the failed approval's connection was replaced (%d connections made, %d before): it went back to the pool mid-transaction", n, conns)
	}
	if _, err := f.pool.Exec(ctx, `DROP TRIGGER stuck ON sessions`); err != nil {
		t.Fatal(err)
	}
	// Every connection is idle again: the next sessions run.
	for range 4 {
		if err := func() error {
			id, err := f.create(ctx)
			if err == nil {
				err = f.open(ctx, id)
			}
			if err == nil {
				err = f.approve(ctx, id, nil, nil)
			}
			if err == nil {
				_, err = f.poll(ctx, id)
			}
			return err
		}(); err != nil {
			t.Fatal(err)
		}
	}

	var schema string
	if err := f.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil || schema != f.schema || !strings.HasPrefix(schema, "netid_floor_") {
		t.Fatalf("the floor's tables are in schema %q (%v), want %q", schema, err, f.schema)
	}
	f.close()
	closed = true
	admin, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var left int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&left); err != nil || left != 0 {
		t.Errorf("the floor's schema %s is left after close: %d (%v)", schema, left, err)
	}
}

// TestFloorSessionCommandPostgres runs the command's measurement on
// PostgreSQL and reads its figures.
func TestFloorSessionCommandPostgres(t *testing.T) {
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	if _, ok := processCPU(); !ok {
		t.Skip("the process CPU time cannot be read on this system")
	}
	var out bytes.Buffer
	if err := FloorSession(t.Context(), FloorSessionOptions{N: 20, Concurrency: 4, DB: dsn, Out: &out}); err != nil {
		t.Fatal(err)
	}
	matchFloorSession(t, out.String(), "pgx on PostgreSQL")
}
