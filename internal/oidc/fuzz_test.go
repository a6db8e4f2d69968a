package oidc_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/oidc"
	"github.com/netid-project/netid/internal/storage"
)

func FuzzParseClaimsRequest(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `{"id_token":{"acr":{"essential":true,"values":["urn:netid:acr:password"]}}}`,
		`{"userinfo":{"wanghao":null,"name":{"essential":true}},"id_token":{"age_over_18":{"value":true}}}`,
		`{"id_token":{"acr":{"value":7}}}`, `[1,2]`, `{"userinfo":{"a":{"values":[1,"x",null]}}} x`, `{"id_token":null}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := oidc.ParseClaimsRequest(s)
		if err != nil {
			return
		}
		enc := c.Encode()
		c2, err := oidc.ParseClaimsRequest(enc)
		if err != nil {
			t.Fatalf("re-parsing %q: %v", enc, err)
		}
		if enc2 := c2.Encode(); enc2 != enc {
			t.Fatalf("round trip: %q then %q", enc, enc2)
		}
	})
}

// FuzzAuthorize sends arbitrary authorization requests: the endpoint never
// fails with a server error and never redirects anywhere but the
// registered callback or its own page.
func FuzzAuthorize(f *testing.F) {
	e := newEnv(f)
	c := e.register("webapp", "", storage.AuthNone, "age_over_18", "wanghao")
	mux := http.NewServeMux()
	e.provider.Mount(mux)
	_, challenge := pkce()
	good := url.Values{"client_id": {"webapp"}, "redirect_uri": {c.cb}, "response_type": {"code"}, "scope": {"openid age"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	f.Add(good.Encode())
	f.Add(good.Encode() + "&claims=%7B%22id_token%22%3A%7B%22acr%22%3Anull%7D%7D&acr_values=urn%3Anetid%3Aacr%3Aface")
	f.Add(good.Encode() + "&state=a&state=b")
	f.Add("client_id=webapp&redirect_uri=https%3A%2F%2Fevil.example%2F")
	f.Add("client_id=%ff&scope=openid")
	f.Add("")
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest(http.MethodGet, oidc.PathAuthorize, nil)
		r.URL.RawQuery = query
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q", w.Code, query)
		}
		if loc := w.Header().Get("Location"); loc != "" && !strings.HasPrefix(loc, c.cb+"?") && !strings.HasPrefix(loc, e.issuer+oidc.PathAuthorize+"/") {
			t.Fatalf("redirect to %q for %q", loc, query)
		}
	})
}
