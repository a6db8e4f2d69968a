package oidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/pgschema"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// approvedSession runs one authorization up to the holder's approval and
// returns the session's ID and its PKCE verifier.
func (e *env) approvedSession(c client) (sessionID, verifier string) {
	e.t.Helper()
	verifier, challenge := pkce()
	b := newBrowser(e.t)
	page, link := e.start(b, e.authURL(c, map[string]string{"code_challenge": challenge, "code_challenge_method": "S256", "scope": "openid age"}))
	e.answer(adult(e, 1), link, approve)
	return path.Base(page), verifier
}

// codes mints n authorization codes for an approved session, as the
// authorization page does (grant kind code, stored by MAC), so that the
// benchmark measures the token endpoint alone.
func (e *env) codes(c client, sessionID string, n int) []string {
	e.t.Helper()
	out := make([]string, n)
	now := e.clock.Now()
	for i := range out {
		out[i] = rand.Text() + rand.Text()
		if err := e.store.CreateGrant(context.Background(), storage.Grant{
			ID: fmt.Sprintf("bench-code-%d-%s", i, out[i][:8]), Kind: storage.GrantCode, Hash: e.indexer.MAC("oidc-code", []byte(out[i])),
			SessionID: sessionID, RPID: c.rp.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
		}); err != nil {
			e.t.Fatal(err)
		}
	}
	return out
}

// BenchmarkToken measures the token endpoint: a code exchange over HTTP
// including client authentication, PKCE, the access token's storage and
// the ID token's signature, on SQLite and (with NETID_TEST_POSTGRES_DSN)
// on PostgreSQL. It reports requests per second.
func BenchmarkToken(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkToken(b, newEnv(b)) })
	b.Run("postgres", func(b *testing.B) {
		dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
		if dsn == "" {
			b.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL")
		}
		store, err := sqlstore.OpenPostgres(context.Background(), freshSchema(b, dsn))
		if err != nil {
			b.Fatal(err)
		}
		benchmarkToken(b, newEnvOn(b, store))
	})
}

// freshSchema returns dsn with a search_path of a new schema, dropped at
// the end of t.
func freshSchema(t testing.TB, dsn string) string {
	t.Helper()
	return pgschema.ForTest(t, dsn, "netid_oidc")
}

func benchmarkToken(b *testing.B, e *env) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		b.Fatal(err)
	}
	secret := e.register("secret-app", "", storage.AuthClientSecret, "age_over_18")
	public := e.register("public-app", "", storage.AuthNone, "age_over_18")
	reg := relyingpartyRegistration("jwt-app", "", "age_over_18")
	reg.AuthMethod, reg.JWKS = storage.AuthPrivateKeyJWT, jwks
	rp, _, err := e.registry.Register(context.Background(), reg)
	if err != nil {
		b.Fatal(err)
	}
	jwtApp := client{rp: rp, cb: reg.RedirectURIs[0]}

	cases := []struct {
		name string
		c    client
		auth func(tb testing.TB, r *http.Request, form url.Values)
	}{
		{"client_secret_basic", secret, func(_ testing.TB, r *http.Request, _ url.Values) {
			r.SetBasicAuth(url.QueryEscape(secret.rp.ID), url.QueryEscape(secret.secret))
		}},
		{"none", public, func(_ testing.TB, _ *http.Request, form url.Values) { form.Set("client_id", public.rp.ID) }},
		{"private_key_jwt", jwtApp, func(tb testing.TB, _ *http.Request, form url.Values) {
			a, err := relyingparty.ClientAssertion(key, "k1", jwtApp.rp.ID, e.issuer, e.clock.Now())
			if err != nil {
				tb.Fatal(err)
			}
			form.Set("client_assertion_type", relyingparty.ClientAssertionType)
			form.Set("client_assertion", a)
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			sessionID, verifier := e.approvedSession(tc.c)
			codes := e.codes(tc.c, sessionID, b.N)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				form := url.Values{"grant_type": {"authorization_code"}, "code": {codes[i]}, "redirect_uri": {tc.c.cb}, "code_verifier": {verifier}}
				req, err := http.NewRequest(http.MethodPost, e.issuer+"/oidc/token", nil)
				if err != nil {
					b.Fatal(err)
				}
				tc.auth(b, req, form)
				req.Body = io.NopCloser(strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d: %s", resp.StatusCode, body)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}
