package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/rpapply"
)

// applicantSite is the applicant's web server as the platform's checker
// reaches it: every https connection goes to one test server, which
// serves the files put into it.
type applicantSite struct {
	mu    sync.Mutex
	files map[string]string
	srv   *httptest.Server
}

func (s *applicantSite) put(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = body
}

func (s *applicantSite) checker() *rpapply.Checker {
	hc := s.srv.Client()
	tr := hc.Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // the test server's certificate names no applicant's domain
	addr := s.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	hc.Transport = tr
	return &rpapply.Checker{HTTP: hc, LookupTXT: func(context.Context, string) ([]string, error) {
		return nil, errors.New("no such host")
	}}
}

// rpApplyPlatform runs a platform on a data directory whose applicants'
// domains are the test site.
func rpApplyPlatform(t *testing.T) (url, data string, site *applicantSite) {
	t.Helper()
	site = &applicantSite{files: map[string]string{}}
	site.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site.mu.Lock()
		body, ok := site.files[r.URL.Path]
		site.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(site.srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	data = t.TempDir()
	cfg, err := config.Parse("test", []string{"--data", data}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Dev, cfg.RateLimit, cfg.ClientRateLimit = true, 0, 0
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + cfg.Addr
	p, err := platform.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), platform.Options{RPChecker: site.checker()})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: p.Handler}}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	return cfg.PublicURL, data, site
}

// An organisation applies with netid rp apply, proves its domain, an
// operator approves with netid admin rp applications, the organisation
// fetches its secret once and reads its daily counts with netid rp stats.
func TestRPApplyCommands(t *testing.T) {
	url, data, site := rpApplyPlatform(t)
	dir := t.TempDir()
	app := filepath.Join(dir, "app.json")
	secret := filepath.Join(dir, "secret")
	vars := map[string]string{"NETID_DATA": data}

	code, out, errOut := runCLI(t, "", vars, "rp", "apply", "--server", url, "--client-id", "shop", "--name", "示例商城",
		"--domain", "shop.example", "--redirect-uri", "https://shop.example/cb", "--claims", "age_over_18", "--out", app)
	if code != 0 || !strings.Contains(out, "for client ID shop: pending") || !strings.Contains(errOut, "names no way in") {
		t.Fatalf("apply: %d\n%s\n%s", code, out, errOut)
	}
	if fi, err := os.Stat(app); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the application file: %v %v", fi, err)
	}
	m := regexp.MustCompile(`serve (https://shop\.example(/\.well-known/netid-challenge/(\S+))) with the content (\S+)`).FindStringSubmatch(out)
	if m == nil || m[3] != m[4] || !strings.Contains(out, "_netid-challenge.shop.example = "+m[4]) {
		t.Fatalf("the proof instructions:\n%s", out)
	}
	id := regexp.MustCompile(`application (rpa-[0-9a-f]+)`).FindStringSubmatch(out)[1]

	// Applying again into the same file would lose the first token.
	if code, _, errOut := runCLI(t, "", vars, "rp", "apply", "--server", url, "--client-id", "shop2", "--name", "x", "--domain", "x.example", "--out", app); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("apply into an existing file: %d %s", code, errOut)
	}
	// A broken application: every rule on its own line, a one-line error.
	if code, _, errOut := runCLI(t, "", vars, "rp", "apply", "--server", url, "--client-id", "X", "--out", filepath.Join(dir, "bad.json")); code != 1 ||
		!strings.Contains(errOut, "  domains: at least one domain") || !strings.Contains(errOut, "netid rp: ") || strings.Contains(errOut, "goroutine") {
		t.Errorf("a broken application: %d %s", code, errOut)
	}

	// Not proved yet: the operator cannot approve.
	code, out, _ = runCLI(t, "", vars, "rp", "apply", "check", "--application", app)
	if code != 0 || !strings.Contains(out, "shop.example: not proved: file: answered 404") {
		t.Fatalf("check before publishing: %d %s", code, out)
	}
	if code, _, errOut := runCLI(t, "", vars, "admin", "rp", "applications", "approve", id); code != 1 || !strings.Contains(errOut, "not every domain") {
		t.Errorf("approve unproved: %d %s", code, errOut)
	}
	site.put(rpapply.WellKnownPath+m[3], m[4])
	code, out, _ = runCLI(t, "", vars, "rp", "apply", "check", "--application", app)
	if code != 0 || !strings.Contains(out, "shop.example: proved (file)") || !strings.Contains(out, "every domain is proved") {
		t.Fatalf("check after publishing: %d %s", code, out)
	}

	// The operator's queue and decision.
	code, out, _ = runCLI(t, "", vars, "admin", "rp", "applications", "list", "--state", "pending")
	if code != 0 || !regexp.MustCompile(id+` +pending +shop +示例商城 +shop\.example +1/1`).MatchString(out) {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, _, errOut := runCLI(t, "", vars, "admin", "rp", "applications", "refuse", id); code != 1 || !strings.Contains(errOut, "--reason is required") {
		t.Errorf("refuse without a reason: %d %s", code, errOut)
	}
	if code, out, errOut := runCLI(t, "", vars, "admin", "rp", "applications", "approve", id, "--reason", "材料齐全"); code != 0 || !strings.Contains(out, "relying party shop registered") {
		t.Fatalf("approve: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "", vars, "admin", "rp", "applications", "approve", id); code != 1 || !strings.Contains(errOut, "already decided") {
		t.Errorf("approve twice: %d %s", code, errOut)
	}
	code, out, _ = runCLI(t, "", vars, "admin", "rp", "applications", "show", id)
	if code != 0 || !strings.Contains(out, `"state": "approved"`) || !strings.Contains(out, `"reason": "材料齐全"`) || strings.Contains(out, "token") {
		t.Errorf("show: %d %s", code, out)
	}
	if code, out, _ := runCLI(t, "", vars, "rp", "apply", "show", "--application", app); code != 0 || !strings.Contains(out, ": approved") || !strings.Contains(out, "reason: 材料齐全") {
		t.Errorf("the applicant's show: %d %s", code, out)
	}

	// The credentials, once; the secret file authenticates netid rp stats.
	code, out, errOut = runCLI(t, "", vars, "rp", "apply", "credentials", "--application", app, "--secret-out", secret)
	if code != 0 || !strings.Contains(out, "client_id: shop") || !strings.Contains(errOut, "only this once") {
		t.Fatalf("credentials: %d %s %s", code, out, errOut)
	}
	b, err := os.ReadFile(secret)
	if err != nil || len(strings.TrimSpace(string(b))) < 43 || strings.Contains(out, strings.TrimSpace(string(b))) {
		t.Fatalf("the secret file: %q %v", b, err)
	}
	if code, _, errOut := runCLI(t, "", vars, "rp", "apply", "credentials", "--application", app); code != 1 || !strings.Contains(errOut, "not in a state") {
		t.Errorf("credentials twice: %d %s", code, errOut)
	}
	code, out, errOut = runCLI(t, "", vars, "rp", "stats", "--server", url, "--client-id", "shop", "--client-secret-file", secret, "--from", "2026-01-01", "--to", "2026-01-03")
	if code != 0 || !strings.Contains(out, "verifications of shop, 2026-01-01 to 2026-01-03") ||
		!regexp.MustCompile(`(?m)^DATE +LEVEL +OUTCOME +COUNT\n2026-01-01 +- +- +0\n2026-01-02 +- +- +0\n2026-01-03 +- +- +0$`).MatchString(out) {
		t.Fatalf("stats: %d %s %s", code, out, errOut)
	}
	wrong := filepath.Join(dir, "wrong")
	os.WriteFile(wrong, []byte("not-the-secret"), 0o600)
	if code, _, errOut := runCLI(t, "", vars, "rp", "stats", "--server", url, "--client-id", "shop", "--client-secret-file", wrong); code != 1 || !strings.Contains(errOut, "401") {
		t.Errorf("stats with a wrong secret: %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", vars, "rp", "stats", "--server", url, "--client-id", "shop", "--client-secret-file", secret, "--from", "01/02/2026"); code != 1 || !strings.Contains(errOut, "YYYY-MM-DD") {
		t.Errorf("stats with a bad date: %d %s", code, errOut)
	}
}
