package replicatest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/pgschema"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/wallet"
)

// childEnv carries a replica's command-line flags (JSON) to the test
// binary started as that replica.
const childEnv = "NETID_REPLICATEST_REPLICA"

// publicURL is the replicas' shared public URL (their issuer identifier):
// the tests' clients name it in every request and connect to one
// replica's own address, as a load balancer would.
const publicURL = "http://replicas.netid.test"

// keyReload is the replicas' signing-key reload interval (production:
// platform.KeyReloadInterval), short so that a rotation propagates within
// the test.
const keyReload = 200 * time.Millisecond

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(runReplica(spec))
	}
	os.Exit(m.Run())
}

// runReplica serves a platform as `netid serve` does, on a free loopback
// port it prints on its first line of output, until its standard input
// closes.
func runReplica(spec string) int {
	var args []string
	if err := json.Unmarshal([]byte(spec), &args); err != nil {
		fmt.Fprintln(os.Stderr, "replica: bad spec:", err)
		return 2
	}
	cfg, err := config.Parse("replica", args, func(string) string { return "" }, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replica:", err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "replica:", err)
		return 1
	}
	cfg.Addr = ln.Addr().String()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p, err := platform.Open(context.Background(), cfg, log, platform.Options{
		KeyReload:      keyReload,
		PasswordParams: password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "replica:", err)
		return 1
	}
	srv := &http.Server{Handler: p.Handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Printf("listening %s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	srv.Close()
	p.Close()
	return 0
}

// replica is one running platform process.
type replica struct {
	name string
	addr string
	cmd  *exec.Cmd
	// hc connects to this replica whatever URL a request names; wc is a
	// wallet on it.
	hc *http.Client
	wc *wallet.Client
}

// cluster is two replicas on one fresh PostgreSQL schema and one data
// directory, and the configuration they run with.
type cluster struct {
	t    *testing.T
	cfg  config.Config
	a, b *replica
}

// newCluster starts replicas A and B with the flags extra added to the
// tests' own. Rate limits are off unless extra turns them on; status lists
// live one second.
func newCluster(t *testing.T, extra ...string) *cluster {
	t.Helper()
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: the replicas' tests need PostgreSQL (scripts/postgres-for-tests.sh start)")
	}
	data := t.TempDir()
	args := append([]string{
		"--dev", "--db", freshSchema(t, dsn), "--data", data, "--public-url", publicURL,
		"--rate-limit", "0", "--client-rate-limit", "0", "--status-ttl", "1s",
	}, extra...)
	cfg, err := config.Parse("replicatest", args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, cfg: cfg}
	// A first: it creates the tables, the master key and the development
	// authorities the second then finds.
	c.a = startReplica(t, "A", args)
	c.b = startReplica(t, "B", args)
	return c
}

// startReplica starts the test binary as a replica and waits until it
// listens.
func startReplica(t *testing.T, name string, args []string) *replica {
	t.Helper()
	spec, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
	logPath := filepath.Join(t.TempDir(), "replica-"+name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logFile
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil && len(b) > 0 {
				t.Logf("replica %s log:\n%s", name, b)
			}
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
	}()
	var addr string
	select {
	case line, ok := <-lines:
		addr, _ = strings.CutPrefix(line, "listening ")
		if !ok || addr == line {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("replica %s did not start (%q):\n%s", name, line, b)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("replica %s did not start within 2 minutes", name)
	}
	r := &replica{name: name, addr: addr, cmd: cmd, hc: dialing(addr)}
	r.wc = &wallet.Client{BaseURL: publicURL, HTTP: r.hc}
	return r
}

// dialing returns a client that connects to addr whatever host a request
// names.
func dialing(addr string) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// freshSchema creates a schema of its own in the database of dsn, dropped
// at the end of the test, and returns dsn with it as the search path.
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	return pgschema.ForTest(t, dsn, "netid_replicas")
}

// core opens the replicas' database and master key in the test process,
// as an operator's command (netid admin …) does: a third process.
func (c *cluster) core() *platform.Core {
	c.t.Helper()
	core, err := platform.OpenCore(context.Background(), c.cfg, platform.CoreOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { core.Close() })
	return core
}

// answer is an HTTP answer, or the error of the request.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// do sends one request to replica r under the public URL.
func do(r *replica, method, path, authorization string, body any) answer {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, publicURL+path, rd)
	if err != nil {
		return answer{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return answer{err: fmt.Errorf("%s %s at replica %s: %w", method, path, r.name, err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// call is do, failing the test if the request cannot be made.
func call(t *testing.T, r *replica, method, path, authorization string, body any) answer {
	t.Helper()
	a := do(r, method, path, authorization, body)
	if a.err != nil {
		t.Fatal(a.err)
	}
	return a
}

// into checks a's status and decodes its body into out (if not nil).
func (a answer) into(status int, out any) error {
	if a.err != nil {
		return a.err
	}
	if a.status != status {
		return fmt.Errorf("status %d, want %d: %s", a.status, status, a.body)
	}
	if out != nil {
		if err := json.Unmarshal(a.body, out); err != nil {
			return fmt.Errorf("decoding %s: %w", a.body, err)
		}
	}
	return nil
}

// want fails the test unless a has status, and decodes its body into out.
func (a answer) want(t *testing.T, status int, out any) {
	t.Helper()
	if err := a.into(status, out); err != nil {
		t.Fatal(err)
	}
}
