package platform_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// dbProxy forwards TCP connections to a database server and can drop them
// all and refuse new ones, as a restarting server does.
type dbProxy struct {
	t      *testing.T
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

func newDBProxy(t *testing.T, target string) *dbProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{t: t, ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.setDown(true)
	})
	return p
}

func (p *dbProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close() // refused while "restarting"
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { io.Copy(s, c); s.Close() }()
		go func() { io.Copy(c, s); c.Close() }()
	}
}

// setDown drops every open connection and refuses new ones (true), or
// accepts them again (false).
func (p *dbProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// While PostgreSQL is unreachable the platform answers 503 with
// Retry-After, never 500, and it serves again by itself once the database
// is back.
func TestDatabaseRestartAnswers503(t *testing.T) {
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	u, err := url.Parse(freshSchema(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newDBProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	e := newEnv(t, u.String())
	h := e.apply(adult(t))
	must(t, e.holderCall(h, "GET", "/v1/holder/account", nil), http.StatusOK)

	proxy.setDown(true)
	for i := range 10 {
		var r response
		if i%2 == 0 {
			r = e.holderCall(h, "GET", "/v1/holder/account", nil)
		} else {
			r = e.call("POST", "/v1/applications", "", map[string]any{"document_type": "resident_id_card"})
		}
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("request %d while the database is down: %d %s", i, r.status, r.body)
		}
		if typ := r.problemType(t); typ != "service-unavailable" {
			t.Fatalf("problem type %s", typ)
		}
		if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
			t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
		}
	}
	if r := e.call("GET", "/readyz", "", nil); r.status != http.StatusServiceUnavailable {
		t.Fatalf("readyz while the database is down: %d", r.status)
	}

	proxy.setDown(false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := e.holderCall(h, "GET", "/v1/holder/account", nil)
		if r.status == http.StatusOK {
			break
		}
		if r.status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("after the database came back: %d %s", r.status, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	must(t, e.call("POST", "/v1/applications", "", map[string]any{"document_type": "resident_id_card"}), http.StatusCreated)
}
