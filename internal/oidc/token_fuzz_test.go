package oidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/oidc"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// FuzzToken sends the token endpoint arbitrary forms (grant, code, PKCE
// verifier, redirect URI, client assertion) with an arbitrary Basic
// Authorization header. It never answers 5xx; every refusal is an RFC 6749
// error object in JSON; and a 200 carries an access token and an ID token.
func FuzzToken(f *testing.F) {
	e := newEnv(f)
	secret := e.register("secret-app", "", storage.AuthClientSecret, "age_over_18")
	public := e.register("public-app", "", storage.AuthNone, "age_over_18")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	reg := relyingpartyRegistration("jwt-app", "", "age_over_18")
	reg.AuthMethod, reg.JWKS = storage.AuthPrivateKeyJWT, jwks
	rp, _, err := e.registry.Register(context.Background(), reg)
	if err != nil {
		f.Fatal(err)
	}
	jwtApp := client{rp: rp, cb: reg.RedirectURIs[0]}

	mux := http.NewServeMux()
	e.provider.Mount(mux)
	basic := func(id, pw string) string {
		return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(pw)))
	}
	for _, c := range []struct {
		c    client
		auth string
	}{{secret, basic(secret.rp.ID, secret.secret)}, {public, ""}, {jwtApp, ""}} {
		sessionID, verifier := e.approvedSession(c.c)
		codes := e.codes(c.c, sessionID, 3)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {codes[0]}, "redirect_uri": {c.c.cb}, "code_verifier": {verifier}}
		switch c.c.rp.AuthMethod {
		case storage.AuthNone:
			form.Set("client_id", c.c.rp.ID)
		case storage.AuthPrivateKeyJWT:
			a, err := relyingparty.ClientAssertion(key, "k1", c.c.rp.ID, e.issuer, e.clock.Now())
			if err != nil {
				f.Fatal(err)
			}
			form.Set("client_assertion_type", relyingparty.ClientAssertionType)
			form.Set("client_assertion", a)
		}
		f.Add(form.Encode(), c.auth)
		form.Set("code", codes[1])
		form.Set("code_verifier", verifier[:len(verifier)-1]+"x")
		f.Add(form.Encode(), c.auth)
		form.Set("code", codes[2])
		form.Add("code", codes[1])
		f.Add(form.Encode(), c.auth)
	}
	f.Add("grant_type=refresh_token&refresh_token=x", basic(secret.rp.ID, "wrong"))
	f.Add("grant_type=authorization_code&code=%ff%fe", "%%%")
	f.Add("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c", "")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, form, auth string) {
		r := httptest.NewRequest(http.MethodPost, oidc.PathToken, strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			r.Header.Set("Authorization", "Basic "+auth)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, form, w.Body)
		}
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("status %d, body is not JSON: %q", w.Code, w.Body)
		}
		switch {
		case w.Code == http.StatusOK:
			if body["access_token"] == nil || body["id_token"] == nil {
				t.Fatalf("200 without tokens: %s", w.Body)
			}
		case w.Code == http.StatusTooManyRequests:
		default:
			if code, _ := body["error"].(string); code == "" {
				t.Fatalf("status %d without an OAuth error code: %s", w.Code, w.Body)
			}
		}
	})
}
