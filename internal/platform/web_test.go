package platform_test

import (
	"net/http"
	"strings"
	"testing"
)

// The platform serves the landing page at exactly /, in Chinese by
// default, with a strict CSP; every other unknown path, and / with another
// method, still answers the JSON 404 problem that API clients expect.
func TestLandingPageAndAPINotFound(t *testing.T) {
	e := newEnv(t, "")
	r := must(t, e.raw("GET", "/", nil, map[string]string{"Accept": "text/html"}), http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("/ answers %s: %s", ct, r.body)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("/ has the CSP %q", csp)
	}
	for _, want := range []string{`lang="zh-CN"`, `href="/wallet"`, `href="/verify/eid"`, `href="/.well-known/openid-configuration"`, "netid admin rp add", "github.com/netid-project/netid/rp"} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("the landing page lacks %s", want)
		}
	}
	must(t, e.raw("GET", "/wallet", nil, nil), http.StatusOK)
	for _, c := range []struct{ method, path string }{
		{"GET", "/nope"}, {"GET", "/v1/nope"}, {"GET", "/v1/"}, {"POST", "/"}, {"GET", "/wallet/static/nope.css"},
	} {
		r := e.raw(c.method, c.path, nil, map[string]string{"Accept": "text/html"})
		if c.path == "/wallet/static/nope.css" {
			if r.status != http.StatusNotFound {
				t.Errorf("%s %s: %d", c.method, c.path, r.status)
			}
			continue
		}
		if typ := must(t, r, http.StatusNotFound).problemType(t); typ != "not-found" {
			t.Errorf("%s %s: problem %s", c.method, c.path, typ)
		}
	}
}
