package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testCert writes a self-signed certificate for 127.0.0.1 and its key to
// dir and returns their paths and a pool trusting it.
func testCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "netid test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// With --tls-cert and --tls-key the platform serves HTTPS itself, its
// public URL is https, and plain HTTP gets no answer from it.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := testCert(t, dir)
	base, out := startServeOutput(t, func(string) string { return "" },
		"--data", filepath.Join(dir, "data"), "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Fatalf("public URL %q, want https; output %s", base, out.String())
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(base + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || json.NewDecoder(resp.Body).Decode(&m) != nil || m["issuer"] != base {
		t.Fatalf("over TLS: %d, TLS %v, issuer %v", resp.StatusCode, resp.TLS != nil, m["issuer"])
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if resp, err := plain.Get("http" + strings.TrimPrefix(base, "https") + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP served on the TLS listener")
		}
	}
}

func TestServeTLSConfigErrors(t *testing.T) {
	dir := t.TempDir()
	certFile, _, _ := testCert(t, dir)
	for _, args := range [][]string{
		{"serve", "--data", dir, "--tls-cert", certFile},
		{"serve", "--data", dir, "--tls-cert", certFile, "--tls-key", filepath.Join(dir, "missing.pem")},
		{"serve", "--data", dir, "--trusted-proxy", "10.0.0.0/33"},
		{"serve", "--data", dir, "--proxy-header", "X-Real-IP"},
	} {
		code, _, stderr := runCLI(t, "", nil, args...)
		if code != 1 || strings.Contains(stderr, "goroutine") || strings.Count(strings.TrimSpace(stderr), "\n") > 3 {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// A request with a header block over maxHeaderBytes is refused with 431
// before the handler runs; one just under passes.
func TestServerRefusesOversizedHeaders(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var reached atomic.Int32
	srv := httpServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }), slog.New(slog.NewTextHandler(io.Discard, nil)))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	get := func(header int) int {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/", nil)
		req.Header.Set("X-Filler", strings.Repeat("a", header))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get(900 << 10); st != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("900 KiB header: status %d, want 431", st)
	}
	if reached.Load() != 0 {
		t.Fatal("the handler ran for an oversized header")
	}
	if st := get(maxHeaderBytes / 2); st != http.StatusOK {
		t.Fatalf("header of half the limit: status %d", st)
	}
}

// With --profile-addr the platform serves Go's runtime profiles on a
// listener of its own, and only there; the command line (which may hold
// secrets) is not served.
func TestServeProfiles(t *testing.T) {
	base, out := startServeOutput(t, func(string) string { return "" },
		"--data", filepath.Join(t.TempDir(), "data"), "--profile-addr", "127.0.0.1:0")
	// serve writes where its profiles are before it says it listens.
	m := regexp.MustCompile(`runtime profiles on (\S+)`).FindStringSubmatch(out.String())
	if m == nil || !strings.HasPrefix(m[1], "http://127.0.0.1:") || !strings.HasSuffix(m[1], "/debug/pprof/") {
		t.Fatalf("profiles at %q; output %s", m, out.String())
	}
	prof := m[1]
	client := &http.Client{Timeout: 20 * time.Second}
	get := func(url string) (int, []byte) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	// A CPU profile is gzip-compressed protocol buffers.
	if code, b := get(prof + "profile?seconds=1"); code != http.StatusOK || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("CPU profile: %d, %d bytes, starting %x", code, len(b), b[:min(len(b), 2)])
	}
	if code, b := get(prof + "goroutine?debug=1"); code != http.StatusOK || !strings.Contains(string(b), "goroutine profile:") {
		t.Errorf("goroutine profile: %d, %.80q", code, b)
	}
	if code, _ := get(prof + "heap"); code != http.StatusOK {
		t.Errorf("heap profile: %d", code)
	}
	if code, b := get(prof + "cmdline"); code != http.StatusNotFound || strings.Contains(string(b), "--profile-addr") {
		t.Errorf("command line: %d, %.80q; want it not served", code, b)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/profile?seconds=1", "/debug/pprof/cmdline"} {
		if code, _ := get(base + path); code == http.StatusOK {
			t.Errorf("the platform's own listener serves %s", path)
		}
	}
}
