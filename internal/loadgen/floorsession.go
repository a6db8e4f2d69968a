package loadgen

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// floorStore is the database's part of each step of a floor session.
type floorStore interface {
	// create reads the relying party and stores a new session.
	create(ctx context.Context) (id string, err error)
	// open reads the holder, records the proof's one-time value and
	// claims the session.
	open(ctx context.Context, id string) error
	// approve reads the holder and the session and, in one transaction,
	// records the proof, ends the session with result, reads the consent,
	// takes the record log's tail and stores the record with its tree
	// node and its tree head, signed by signHead while the log is held.
	approve(ctx context.Context, id string, result []byte, signHead func(root []byte) ([]byte, error)) error
	// poll reads the relying party and the session, and returns the
	// result the session ended with.
	poll(ctx context.Context, id string) (result []byte, err error)
	close()
}

// FloorSessionOptions configure FloorSession.
type FloorSessionOptions struct {
	// N sessions, Concurrency at a time.
	N, Concurrency int
	// DB is "" for SQLite in a temporary directory, or a postgres:// DSN;
	// the floor's tables go in a schema of their own, dropped afterwards.
	DB string
	// Out receives the figures.
	Out io.Writer
}

// Headers of the floor session's exchanges.
const (
	floorSessionHeader = "Netid-Session"
	floorProofHeader   = "Netid-Holder-Proof"
	floorResultHeader  = "Netid-Result"
	// floorProofSize is the size of the wallet's proof header, as a
	// holder proof's compact JWS is in `netid-load verify`.
	floorProofSize = 420
)

// FloorSession runs whole level-1 sessions as netid designs them on the
// stack netid is built on, and none of netid's code: an HTTP server
// whose four handlers do each step's statements and signatures, and a
// client that does the relying party's and the wallet's, closed loop,
// Concurrency at a time. Where Floor measures the parts of a session one
// after another, this runs them together, as `netid-load verify` does, so
// that its throughput and latency can be set beside a verification's:
// the floor's p99 at a concurrency is the least that design on this stack
// and machine can give.
func FloorSession(ctx context.Context, o FloorSessionOptions) error {
	if o.N < 1 || o.N > maxFloorN || o.Concurrency < 1 || o.Concurrency > maxFloorConc {
		return fmt.Errorf("%w: -n must be 1 to %d and -c 1 to %d", ErrOptions, maxFloorN, maxFloorConc)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	store, backend, err := openFloorStore(ctx, o.DB)
	if err != nil {
		return err
	}
	defer store.close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv, err := newFloorServer(store)
	if err != nil {
		_ = ln.Close()
		return err
	}
	client, stop := srv.serve(ln)
	defer stop()
	fmt.Fprintf(o.Out, "whole sessions on this stack without netid's code (net/http, crypto/ecdsa, %s): %d sessions, %d at a time\n", backend, o.N, o.Concurrency)
	// A few sessions first, so that connections, prepared statements and
	// the database's caches are warm before the clock starts.
	for range min(o.N, 2*o.Concurrency) {
		if err := client(ctx); err != nil {
			return err
		}
	}
	before, err := measureP256()
	if err != nil {
		return err
	}
	run, err := runFloorSessions(ctx, client, o.N, o.Concurrency)
	if err != nil {
		return err
	}
	lat := run.lat
	after, err := measureP256()
	if err != nil {
		return err
	}
	unit := (before.perVerify + after.perVerify) / 2
	per := run.cpu / time.Duration(o.N)
	fmt.Fprintf(o.Out, "%d sessions in %s: %.1f sessions/s\n", o.N, run.elapsed.Round(10*time.Millisecond), float64(o.N)/run.elapsed.Seconds())
	fmt.Fprintf(o.Out, "latency per session: p50 %s, p99 %s, max %s\n", pct(lat, 0.50), pct(lat, 0.99), lat[len(lat)-1].Round(time.Millisecond))
	fmt.Fprintf(o.Out, "CPU per session: %s (client and server) = %.1f × one P-256 verification (%s, measured before and after: %s, %s)\n",
		per.Round(time.Microsecond), float64(per)/float64(unit), unit.Round(100*time.Nanosecond),
		before.perVerify.Round(100*time.Nanosecond), after.perVerify.Round(100*time.Nanosecond))
	fmt.Fprintf(o.Out, "heap allocations per session: %s (client and server)\n", run.allocs)
	return nil
}

// openFloorStore opens the floor's store on db ("" for SQLite in a
// temporary directory) and names its backend.
func openFloorStore(ctx context.Context, db string) (floorStore, string, error) {
	if db != "" {
		if !strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://") {
			return nil, "", fmt.Errorf("%w: --db must be a postgres:// DSN", ErrOptions)
		}
		f, err := openFloorPG(ctx, db)
		if err != nil {
			return nil, "", fmt.Errorf("the floor's PostgreSQL: %w", err)
		}
		return f, "pgx on PostgreSQL", nil
	}
	dir, err := os.MkdirTemp("", "netid-floor-")
	if err != nil {
		return nil, "", err
	}
	f, err := openFloorSQL(ctx, dir, true)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, "", fmt.Errorf("the floor's SQLite: %w", err)
	}
	return &floorSQLDir{floorSQL: f, dir: dir}, "modernc.org/sqlite", nil
}

// floorSQLDir is the SQLite floor in a directory of its own, removed on
// close.
type floorSQLDir struct {
	*floorSQL
	dir string
}

func (f *floorSQLDir) close() {
	f.floorSQL.close()
	_ = os.RemoveAll(f.dir)
}

// floorRun is what a closed loop of sessions measured: each session's
// latency (sorted), the time they took, and the process CPU time and heap
// allocations they used.
type floorRun struct {
	lat          []time.Duration
	elapsed, cpu time.Duration
	allocs       string
}

// runFloorSessions runs session n times, conc at a time, closed loop; the
// first error stops the run.
func runFloorSessions(ctx context.Context, session func(context.Context) error, n, conc int) (floorRun, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	c0, ok := processCPU()
	if !ok {
		return floorRun{}, errors.New("the process CPU time cannot be read on this system")
	}
	h0 := readHeapAllocs()
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if err := session(ctx); err != nil {
					once.Do(func() { firstErr = err })
					cancel()
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	h1 := readHeapAllocs()
	// The sessions' garbage is theirs: collected now, not during the next
	// measurement of the unit.
	runtime.GC()
	c1, _ := processCPU()
	if firstErr != nil {
		return floorRun{}, firstErr
	}
	if err := ctx.Err(); err != nil {
		return floorRun{}, err
	}
	slices.Sort(lat)
	return floorRun{lat: lat, elapsed: elapsed, cpu: c1 - c0, allocs: h1.per(h0, n)}, nil
}

// floorServer is the platform of a floor session: it checks the wallet's
// two proofs, signs the result and the record log's tree head, and runs
// each step's statements. Its floorSigner holds the three parties' keys
// and counts every signature operation, the client's included, for the
// tests.
type floorServer struct {
	*floorSigner
	store   floorStore
	answers map[string][]byte
}

func newFloorServer(store floorStore) (*floorServer, error) {
	keys, err := newFloorSigner()
	if err != nil {
		return nil, err
	}
	s := &floorServer{floorSigner: keys, store: store, answers: map[string][]byte{}}
	for _, x := range floorExchanges {
		s.answers[x.method+" "+floorRoute(x.path)] = jsonOfSize(x.answer)
	}
	return s, nil
}

// floorRoute is the route of a floor exchange's path: the poll's path
// names its session.
func floorRoute(path string) string {
	if rest, ok := strings.CutPrefix(path, "/v1/verifications/"); ok && !strings.Contains(rest, "/") {
		return "/v1/verifications/{id}"
	}
	return path
}

// proof is the wallet's proof for step of session id: its signature,
// padded to the size of a holder proof.
func (s *floorServer) proof(step, id string) (string, error) {
	sig, err := s.sign(s.wallet, step+"|"+id)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding.EncodeToString(sig)
	return strings.Repeat("p", max(0, floorProofSize-len(enc)-1)) + "." + enc, nil
}

// checkProof checks the wallet's proof for step of session id.
func (s *floorServer) checkProof(step, id, proof string) bool {
	_, enc, ok := strings.Cut(proof, ".")
	if !ok {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(enc)
	return err == nil && s.verify(s.wallet, step+"|"+id, sig)
}

func (s *floorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	route := r.Method + " " + floorRoute(r.URL.Path)
	answer, ok := s.answers[route]
	if !ok {
		http.NotFound(w, r)
		return
	}
	id := r.Header.Get(floorSessionHeader)
	fail := func(err error) { http.Error(w, err.Error(), http.StatusInternalServerError) }
	switch route {
	case "POST /v1/verifications":
		var err error
		if id, err = s.store.create(ctx); err != nil {
			fail(err)
			return
		}
		w.Header().Set(floorSessionHeader, id)
	case "POST /v1/wallet/verifications/open":
		if !s.checkProof("open", id, r.Header.Get(floorProofHeader)) {
			http.Error(w, "bad proof", http.StatusUnauthorized)
			return
		}
		if err := s.store.open(ctx, id); err != nil {
			fail(err)
			return
		}
	case "POST /v1/wallet/verifications/answer":
		if !s.checkProof("approve", id, r.Header.Get(floorProofHeader)) {
			http.Error(w, "bad proof", http.StatusUnauthorized)
			return
		}
		sig, err := s.sign(s.platform, "result|"+id)
		if err != nil {
			fail(err)
			return
		}
		signHead := func(root []byte) ([]byte, error) { return s.sign(s.log, string(root)) }
		if err := s.store.approve(ctx, id, floorResult(sig), signHead); err != nil {
			fail(err)
			return
		}
	default: // the poll
		body, err := s.store.poll(ctx, strings.TrimPrefix(r.URL.Path, "/v1/verifications/"))
		if err != nil {
			fail(err)
			return
		}
		sig, ok := floorResultSignature(body)
		if !ok {
			fail(errors.New("the session's result is unreadable"))
			return
		}
		w.Header().Set(floorResultHeader, base64.RawURLEncoding.EncodeToString(sig))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(answer)
}

// floorResult is the session's result as stored: the signature's length,
// the signature, and padding to the size of a session's body.
func floorResult(sig []byte) []byte {
	out := make([]byte, 0, max(len(floorBody), len(sig)+1))
	out = append(out, byte(len(sig)))
	out = append(out, sig...)
	return append(out, floorBody[:max(0, len(floorBody)-len(out))]...)
}

// floorResultSignature reads the signature back from a stored result.
func floorResultSignature(b []byte) ([]byte, bool) {
	if len(b) == 0 || int(b[0]) > len(b)-1 {
		return nil, false
	}
	return b[1 : 1+int(b[0])], true
}

// serve serves s on ln and returns one whole session against it (the
// relying party's and the wallet's side), and stop.
func (s *floorServer) serve(ln net.Listener) (func(context.Context) error, func()) {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: loadRequestTimeout}
	go func() { _ = srv.Serve(ln) }()
	c := newFloorClient(ln.Addr())
	basic := map[string]string{"Authorization": "Basic " + strings.Repeat("c", 84)}
	session := func(ctx context.Context) error {
		h, err := c.do(ctx, 0, floorExchanges[0].path, basic)
		if err != nil {
			return err
		}
		id := h.Get(floorSessionHeader)
		for _, st := range []struct {
			i    int
			step string
		}{{1, "open"}, {2, "approve"}} {
			proof, err := s.proof(st.step, id)
			if err != nil {
				return err
			}
			if _, err := c.do(ctx, st.i, floorExchanges[st.i].path, map[string]string{floorSessionHeader: id, floorProofHeader: proof}); err != nil {
				return err
			}
		}
		h, err = c.do(ctx, 3, "/v1/verifications/"+id, basic)
		if err != nil {
			return err
		}
		sig, err := base64.RawURLEncoding.DecodeString(h.Get(floorResultHeader))
		if err != nil || !s.verify(s.platform, "result|"+id, sig) {
			return errors.New("the session's result does not verify")
		}
		return nil
	}
	stop := func() {
		c.close()
		_ = srv.Close()
	}
	return session, stop
}
