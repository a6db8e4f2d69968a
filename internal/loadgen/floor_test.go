package loadgen

import (
	"bytes"
	"context"
	"errors"
	"net"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkSessionFloor measures each part of a session's floor (see
// Floor) as a benchmark: the process CPU time per session
// ("cpu-µs/session") and that time in units of one P-256 verification
// measured just before and after it ("×p256"). The HTTP and SQLite parts
// run from 4 goroutines per core (8 on two cores, as `netid-load verify
// -c 8`).
//
//	go test -run '^$' -bench SessionFloor -benchtime 3000x ./internal/loadgen
func BenchmarkSessionFloor(b *testing.B) {
	if _, ok := processCPU(); !ok {
		b.Skip("the process CPU time cannot be read on this system")
	}
	for _, p := range floorParts {
		b.Run(p.name, func(b *testing.B) {
			op, stop, err := p.start(b.Context(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer stop()
			before, err := measureP256()
			if err != nil {
				b.Fatal(err)
			}
			var failed atomic.Pointer[error]
			b.ResetTimer()
			c0, _ := processCPU()
			if p.parallel {
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := op(b.Context()); err != nil {
							failed.CompareAndSwap(nil, &err)
						}
					}
				})
			} else {
				for b.Loop() {
					if err := op(b.Context()); err != nil {
						b.Fatal(err)
					}
				}
			}
			runtime.GC()
			c1, _ := processCPU()
			b.StopTimer()
			if e := failed.Load(); e != nil {
				b.Fatal(*e)
			}
			after, err := measureP256()
			if err != nil {
				b.Fatal(err)
			}
			per := float64(c1-c0) / float64(b.N)
			b.ReportMetric(per/1e3, "cpu-µs/session")
			b.ReportMetric(per/float64(before.perVerify+after.perVerify)*2, "×p256")
		})
	}
}

// TestFloor runs the floor command's measurement and reads its figures.
func TestFloor(t *testing.T) {
	if _, ok := processCPU(); !ok {
		t.Skip("the process CPU time cannot be read on this system")
	}
	var out bytes.Buffer
	if err := Floor(t.Context(), FloorOptions{N: 20, Concurrency: 4, Out: &out}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, re := range []string{
		`(?m)^the floor of a level-1 verification session on this stack, without netid's code: 20 sessions per part, 4 at a time$`,
		`(?m)^signatures: [0-9.]+(µs|ms) per session = [0-9.]+ × one P-256 verification \(4 P-256 signatures and 3 verifications on crypto/ecdsa\)$`,
		`(?m)^http:\s+[0-9.]+(µs|ms) per session = [0-9.]+ × one P-256 verification \(4 exchanges`,
		`(?m)^sqlite:\s+[0-9.]+(µs|ms) per session = [0-9.]+ × one P-256 verification \(16 statements and 3 commits`,
		`(?m)^floor per session: [0-9.]+(µs|ms) = [0-9.]+ × one P-256 verification \([0-9.]+(µs|ms) to [0-9.]+(µs|ms), measured before, between and after the parts\)$`,
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("the output does not match %s:\n%s", re, got)
		}
	}
}

// TestFloorSignatures: a session of the signatures part signs four times
// and verifies three times.
func TestFloorSignatures(t *testing.T) {
	f, err := newFloorSigner()
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := f.session(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if s, v := f.signs.Load(), f.verifies.Load(); s != 8 || v != 6 {
		t.Errorf("two sessions signed %d times and verified %d times, want 8 and 6", s, v)
	}
}

// TestFloorSQL: a session of the SQLite part runs sixteen statements and
// three commits, as a level-1 session does in sqlstore on SQLite, and
// leaves what a session leaves: the session approved, two one-time
// values, a record with its tree node and head.
func TestFloorSQL(t *testing.T) {
	ctx := t.Context()
	f, err := openFloorSQL(ctx, t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.close)
	for range 3 {
		if err := f.session(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if s, c := f.statements.Load(), f.commits.Load(); s != 3*16 || c != 3*3 {
		t.Errorf("three sessions ran %d statements and %d commits, want 48 and 9", s, c)
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM sessions WHERE state = 'approved'`: 3,
		`SELECT count(*) FROM nonces`:                            6,
		`SELECT count(*) FROM records`:                           3,
		`SELECT count(*) FROM tree_nodes`:                        3,
		`SELECT count(*) FROM tree_heads`:                        3,
	} {
		var n int
		if err := f.w.QueryRowContext(ctx, q).Scan(&n); err != nil || n != want {
			t.Errorf("%s: %d (%v), want %d", q, n, err, want)
		}
	}
	// A session that cannot move fails.
	if _, err := f.w.ExecContext(ctx, `CREATE TRIGGER stuck BEFORE UPDATE ON sessions BEGIN SELECT RAISE(IGNORE); END`); err != nil {
		t.Fatal(err)
	}
	if err := f.session(ctx); err == nil || !strings.Contains(err.Error(), "did not move") {
		t.Errorf("a session whose claim changed nothing: %v", err)
	}
}

// countingConn records, on the server's side of a connection, the bytes
// of each request (read before a response) and of each response (one
// write each: net/http buffers a small response and writes it at once).
type countingConn struct {
	net.Conn
	mu       *sync.Mutex
	pending  int
	messages *[][2]int
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.pending += n
	c.mu.Unlock()
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	*c.messages = append(*c.messages, [2]int{c.pending, len(p)})
	c.pending = 0
	c.mu.Unlock()
	return c.Conn.Write(p)
}

type countingListener struct {
	net.Listener
	mu       sync.Mutex
	messages [][2]int
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, mu: &l.mu, messages: &l.messages}, nil
}

// TestFloorHTTPSizes: the floor's four exchanges are within 20 bytes of
// the session's on the wire, request and response.
func TestFloorHTTPSizes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	op, stop := serveFloorHTTP(cl)
	t.Cleanup(stop)
	if err := op(t.Context()); err != nil {
		t.Fatal(err)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	t.Logf("bytes of each exchange's request and response: %v", cl.messages)
	if len(cl.messages) != len(floorExchanges) {
		t.Fatalf("%d responses, want %d: %v", len(cl.messages), len(floorExchanges), cl.messages)
	}
	for i, x := range floorExchanges {
		for j, what := range []string{"request", "response"} {
			if got, want := cl.messages[i][j], x.wire[j]; got < want-20 || got > want+20 {
				t.Errorf("%s %s: the %s is %d bytes, the session's %d", x.method, x.path, what, got, want)
			}
		}
	}
}

// TestFloorParts: each part does its work, and fails when it cannot.
func TestFloorParts(t *testing.T) {
	ctx := t.Context()
	for _, p := range floorParts {
		op, stop, err := p.start(ctx, t.TempDir())
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		t.Cleanup(stop)
		for range 3 {
			if err := op(ctx); err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
		}
		stop()
		// Stopped, the HTTP and SQLite parts have nothing to work with.
		if p.parallel {
			if err := op(ctx); err == nil {
				t.Errorf("%s: a session succeeded after stop", p.name)
			}
		}
	}
	// A session that cannot finish fails the part, and Floor.
	boom := errors.New("boom")
	bad := floorPart{name: "bad", parallel: true, start: func(context.Context, string) (func(context.Context) error, func(), error) {
		return func(context.Context) error { return boom }, func() {}, nil
	}}
	if _, err := runFloorPart(ctx, bad, t.TempDir(), 10, 3); !errors.Is(err, boom) {
		t.Errorf("a failing part: %v", err)
	}
}

// TestFloorOptions: bounds are checked before any work.
func TestFloorOptions(t *testing.T) {
	for _, o := range []FloorOptions{{N: 0, Concurrency: 1}, {N: 1, Concurrency: 0}, {N: maxFloorN + 1, Concurrency: 1}, {N: 1, Concurrency: maxFloorConc + 1}} {
		var out bytes.Buffer
		o.Out = &out
		if err := Floor(t.Context(), o); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "-n must be") || out.Len() != 0 {
			t.Errorf("%+v: %v, wrote %q", o, err, out.String())
		}
	}
}
