package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/loadgen"
	"github.com/netid-project/netid/internal/pgschema"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// crashRounds is how many times each backend's server is killed under
// load.
const crashRounds = 4

// TestKillUnderLoad kills a real netid serve process (SIGKILL, no chance
// to clean up) while relying parties create verification sessions and
// holders approve them, several times, then checks the database the
// server leaves: every session that ended has its verification record,
// as many session records as ended sessions, and the record log's chain
// intact; the restarted server reports no session without its record.
// On SQLite always, on PostgreSQL when NETID_TEST_POSTGRES_DSN is set.
func TestKillUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a server under load several times: not in -short")
	}
	t.Run("sqlite", func(t *testing.T) { killUnderLoad(t, "") })
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping the PostgreSQL crash test")
		}
		killUnderLoad(t, freshSchema(t, dsn))
	})
}

func killUnderLoad(t *testing.T, db string) {
	ctx := context.Background()
	work := t.TempDir()
	data := filepath.Join(work, "data")
	tokenFile := filepath.Join(work, "admin-token")
	if err := os.WriteFile(tokenFile, []byte(randomHex(t, 24)), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	base := "http://" + addr
	start := func() *server {
		args := []string{"serve", "--dev", "--addr", addr, "--data", data, "--admin-token-file", tokenFile,
			"--rate-limit", "0", "--client-rate-limit", "0", "--log-level", "info"}
		if db != "" {
			args = append(args, "--db", db)
		}
		return startServer(t, base, args...)
	}
	for round := 1; round <= crashRounds; round++ {
		srv := start()
		loadCtx, stopLoad := context.WithCancel(ctx)
		running := make(chan struct{})
		out := &signalWriter{match: "running ", seen: running}
		done := make(chan error, 1)
		go func() {
			done <- loadgen.Verify(loadCtx, loadgen.VerifyOptions{
				Server: base, AdminTokenFile: tokenFile, N: 100000, Concurrency: 6,
				Level: "possession", Auth: storage.AuthClientSecret, Out: out,
			})
		}()
		select {
		case <-running:
		case err := <-done:
			srv.kill()
			stopLoad()
			t.Fatalf("round %d: the load ended before verifications ran: %v\n%s\nserver:\n%s", round, err, out, srv.log())
		case <-time.After(3 * time.Minute):
			srv.kill()
			stopLoad()
			t.Fatalf("round %d: the load did not start\n%s", round, out)
		}
		// Kill at a moment that differs from round to round, mid-load.
		time.Sleep(300*time.Millisecond + randomDuration(t, 900*time.Millisecond))
		srv.kill()
		stopLoad()
		<-done
	}

	// A server started on what the crashes left reports nothing missing.
	srv := start()
	keys := fetchJWKS(t, base)
	srv.stop()
	if l := srv.log(); strings.Contains(l, "without their verification record") {
		t.Errorf("the restarted server reports sessions without their record:\n%s", l)
	}

	var store storage.Storage
	var err error
	if db == "" {
		store, err = sqlstore.OpenSQLite(ctx, filepath.Join(data, "netid.db"))
	} else {
		store, err = sqlstore.OpenPostgres(ctx, db)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	missing, err := store.ListUnrecordedSessions(ctx, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range missing {
		t.Errorf("session %s ended %s without its record", s.ID, s.State)
	}
	ended := recordedSessions(t, store)
	if ended[storage.SessionApproved] == 0 {
		t.Fatalf("no session was approved in %d rounds: the load did not run", crashRounds)
	}
	var total int
	for _, n := range ended {
		total += n
	}
	rep, err := audit.Verify(ctx, store, keys)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("the record log after the crashes: %v", rep.Problems)
	}
	t.Logf("%d rounds: %d sessions ended %v, %d records in the log", crashRounds, total, ended, rep.Records)
}

// recordedSessions checks the records of the session channel (each names
// one session, which ended as the record says, and no session has two)
// and counts the sessions they name by state.
func recordedSessions(t *testing.T, store storage.Storage) map[storage.SessionState]int {
	t.Helper()
	ctx := context.Background()
	ended := map[storage.SessionState]int{}
	seen := map[string]bool{}
	after := int64(0)
	for {
		recs, err := store.ListRecords(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			after = r.Seq
			if r.Channel != "session" {
				continue
			}
			if seen[r.ID] {
				t.Errorf("session %s has two records", r.ID)
			}
			seen[r.ID] = true
			s, err := store.GetSession(ctx, r.ID)
			if err != nil {
				t.Fatalf("record %d names session %q: %v", r.Seq, r.ID, err)
			}
			if string(s.State) != r.Outcome {
				t.Errorf("session %s is %s, its record says %s", s.ID, s.State, r.Outcome)
			}
			ended[s.State]++
		}
		if len(recs) < 1000 {
			break
		}
	}
	return ended
}

// server is a netid serve subprocess.
type server struct {
	t   *testing.T
	cmd *exec.Cmd
	buf *lockedBuffer
}

func startServer(t *testing.T, base string, args ...string) *server {
	t.Helper()
	cmd := exec.Command("netid", args...)
	buf := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = buf, buf
	cmd.Env = append(os.Environ(), "GORACE="+noExitSleep())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, buf: buf}
	t.Cleanup(s.kill)
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			s.kill()
			t.Fatalf("netid serve did not get ready:\n%s", buf)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to end.
func (s *server) kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// stop interrupts the server and waits for its graceful shutdown.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.t.Errorf("netid serve did not stop on an interrupt")
		s.kill()
	}
}

func (s *server) log() string { return s.buf.String() }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// signalWriter keeps what is written and closes seen once match appears.
type signalWriter struct {
	lockedBuffer
	match string
	seen  chan struct{}
	once  sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	n, err := w.lockedBuffer.Write(p)
	if strings.Contains(w.lockedBuffer.String(), w.match) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func fetchJWKS(t *testing.T, base string) jose.JSONWebKeySet {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	return set
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func randomDuration(t *testing.T, max time.Duration) time.Duration {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(int64(max)))
	if err != nil {
		t.Fatal(err)
	}
	return time.Duration(n.Int64())
}

// freshSchema makes a PostgreSQL schema for the test, dropped at its end,
// and returns a DSN whose connections use it.
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	return pgschema.ForTest(t, dsn, "netid_crash")
}
