package relyingparty

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws/jwstest"
	"github.com/netid-project/netid/internal/storage"
)

const tokenPath = "/oidc/token"

func formRequest(v url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, tokenPath, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func bearerRequest(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/verifications", strings.NewReader(`{"claims":["verified"]}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func basicRequest(id, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, tokenPath, strings.NewReader("grant_type=authorization_code"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return r
}

var jtiCounter atomic.Int64

// claimsAt are the claims of a good assertion by the jwt client at now.
func claimsAt(now time.Time) map[string]any {
	return map[string]any{
		"iss": jwtClient, "sub": jwtClient, "aud": audience,
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		"jti": fmt.Sprintf("jti-%d", jtiCounter.Add(1)),
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signJWT signs claims as a compact JWS with alg under key.
func signJWT(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsignedJWT is an alg "none" token.
func unsignedJWT(t testing.TB, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return b64([]byte(`{"alg":"none","kid":"k0"}`)) + "." + b64(payload) + "."
}

func assertionForm(tok string) url.Values {
	return url.Values{"client_assertion_type": {ClientAssertionType}, "client_assertion": {tok}, "grant_type": {"authorization_code"}}
}

func TestAuthenticateSecret(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		req     func() *http.Request
		want    error
		wantRP  string
		noneOK  bool
		cleanup func()
	}{
		{"good", func() *http.Request { return basicRequest(secretClient, f.secret) }, nil, secretClient, false, nil},
		{"good, form client_id agrees", func() *http.Request {
			r := formRequest(url.Values{"client_id": {secretClient}})
			r.SetBasicAuth(secretClient, f.secret)
			return r
		}, nil, secretClient, false, nil},
		{"good, JSON body left unread", func() *http.Request {
			r := bearerRequest("")
			r.Header.Del("Authorization")
			r.SetBasicAuth(secretClient, f.secret)
			return r
		}, nil, secretClient, false, nil},
		{"wrong secret", func() *http.Request { return basicRequest(secretClient, f.secret+"x") }, ErrUnauthenticated, "", false, nil},
		{"other client's secret", func() *http.Request { return basicRequest(secretClient, f.disabled) }, ErrUnauthenticated, "", false, nil},
		{"empty secret", func() *http.Request { return basicRequest(secretClient, "") }, ErrUnauthenticated, "", false, nil},
		{"huge secret", func() *http.Request { return basicRequest(secretClient, strings.Repeat("a", 1000)) }, ErrUnauthenticated, "", false, nil},
		{"unknown client", func() *http.Request { return basicRequest("nobody.example", f.secret) }, ErrUnauthenticated, "", false, nil},
		{"invalid client id", func() *http.Request { return basicRequest("../x", f.secret) }, ErrUnauthenticated, "", false, nil},
		{"jwt client with basic", func() *http.Request { return basicRequest(jwtClient, f.secret) }, ErrUnauthenticated, "", false, nil},
		{"disabled", func() *http.Request { return basicRequest(offClient, f.disabled) }, ErrDisabled, "", false, nil},
		{"disabled, wrong secret", func() *http.Request { return basicRequest(offClient, f.secret) }, ErrUnauthenticated, "", false, nil},
		{"form client_id differs", func() *http.Request {
			r := formRequest(url.Values{"client_id": {publicClient}})
			r.SetBasicAuth(secretClient, f.secret)
			return r
		}, ErrUnauthenticated, "", false, nil},
		{"client_secret_post", func() *http.Request {
			return formRequest(url.Values{"client_id": {secretClient}, "client_secret": {f.secret}})
		}, ErrUnauthenticated, "", true, nil},
		{"basic and assertion", func() *http.Request {
			tok, _ := ClientAssertion(f.key, "k0", jwtClient, audience, f.clock.Now())
			r := formRequest(assertionForm(tok))
			r.SetBasicAuth(secretClient, f.secret)
			return r
		}, ErrUnauthenticated, "", false, nil},
		{"two authorization headers", func() *http.Request {
			r := basicRequest(secretClient, f.secret)
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
			return r
		}, ErrUnauthenticated, "", false, nil},
		{"malformed basic", func() *http.Request {
			r := basicRequest(secretClient, f.secret)
			r.Header.Set("Authorization", "Basic !!!")
			return r
		}, ErrUnauthenticated, "", false, nil},
		{"other scheme", func() *http.Request {
			r := basicRequest(secretClient, f.secret)
			r.Header.Set("Authorization", "Digest x")
			return r
		}, ErrUnauthenticated, "", false, nil},
		{"no credentials", func() *http.Request { return formRequest(url.Values{}) }, ErrUnauthenticated, "", true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rp, err := f.auth.Authenticate(tc.req(), tc.noneOK)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err != nil {
				if strings.Contains(err.Error(), f.secret) {
					t.Errorf("error %q holds the secret", err)
				}
				return
			}
			if rp.ID != tc.wantRP || rp.SecretHash != "" {
				t.Errorf("rp = %s (hash %q)", rp.ID, rp.SecretHash)
			}
		})
	}
}

func TestSecretChecks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	authOK := func(secret string) error {
		_, err := f.auth.Authenticate(basicRequest(secretClient, secret), false)
		return err
	}
	if err := authOK(f.secret); err != nil {
		t.Fatal(err)
	}
	for _, wrong := range []string{f.secret + "x", f.secret[:len(f.secret)-1], "x", strings.ToUpper(f.secret)} {
		if err := authOK(wrong); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("wrong secret: err = %v", err)
		}
	}
	// Nor the right secret for another client.
	if _, err := f.auth.Authenticate(basicRequest(offClient, f.secret), false); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("other client: err = %v", err)
	}
	// A hash copied from another client does not work there.
	copied := mustGet(t, f, secretClient).SecretHash
	if _, err := f.store.UpdateRelyingParty(ctx, offClient, func(rp storage.RelyingParty) (storage.RelyingParty, error) {
		rp.SecretHash, rp.Disabled = copied, false
		return rp, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth.Authenticate(basicRequest(offClient, f.secret), false); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("copied hash: err = %v", err)
	}
	// Disabling takes effect at once.
	if err := f.registry.Disable(ctx, secretClient); err != nil {
		t.Fatal(err)
	}
	if err := authOK(f.secret); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled: err = %v", err)
	}
	if err := f.registry.Enable(ctx, secretClient); err != nil {
		t.Fatal(err)
	}
	// Rotation replaces the secret at once.
	secret, err := f.registry.RotateSecret(ctx, secretClient)
	if err != nil {
		t.Fatal(err)
	}
	if err := authOK(f.secret); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("old secret after rotation: err = %v", err)
	}
	if err := authOK(secret); err != nil {
		t.Errorf("new secret: %v", err)
	}
}

func mustGet(t *testing.T, f *fixture, id string) storage.RelyingParty {
	t.Helper()
	rp, err := f.store.GetRelyingParty(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

func TestAuthenticateAssertion(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other := newKey(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	with := func(edit func(c map[string]any)) string {
		c := claimsAt(now)
		edit(c)
		return signJWT(t, jose.ES256, f.key, "k0", c)
	}
	replayed := with(func(map[string]any) {})
	if _, err := f.auth.Authenticate(bearerRequest(replayed), false); err != nil {
		t.Fatalf("first use: %v", err)
	}
	_, secretClientSecret := f.secret, f.secret

	tests := []struct {
		name string
		req  func() *http.Request
		want error
	}{
		{"form", func() *http.Request {
			tok, err := ClientAssertion(f.key, "k0", jwtClient, audience, now)
			if err != nil {
				t.Fatal(err)
			}
			return formRequest(assertionForm(tok))
		}, nil},
		{"bearer", func() *http.Request { return bearerRequest(with(func(map[string]any) {})) }, nil},
		{"aud with path", func() *http.Request {
			return formRequest(assertionForm(with(func(c map[string]any) { c["aud"] = audience + tokenPath })))
		}, nil},
		{"aud as one-element array", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["aud"] = []string{audience} }))
		}, nil},
		{"no kid: every key tried", func() *http.Request {
			return bearerRequest(signJWT(t, jose.ES256, f.key, "", claimsAt(now)))
		}, nil},
		{"form client_id agrees", func() *http.Request {
			v := assertionForm(with(func(map[string]any) {}))
			v.Set("client_id", jwtClient)
			return formRequest(v)
		}, nil},
		{"no iat", func() *http.Request { return bearerRequest(with(func(c map[string]any) { delete(c, "iat") })) }, nil},
		{"exp within skew", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["exp"] = now.Add(-ClockSkew + time.Second).Unix() }))
		}, nil},

		{"typ JWT in other case", func() *http.Request {
			return bearerRequest(jwstest.Sign(f.key, jwstest.Header("application/jwt", "k0", nil), string(mustMarshal(t, claimsAt(now)))))
		}, nil},

		{"typ of another kind of token", func() *http.Request {
			return bearerRequest(jwstest.Sign(f.key, jwstest.Header("netid-holder+jwt", "k0", nil), string(mustMarshal(t, claimsAt(now)))))
		}, ErrUnauthenticated},
		{"duplicate iss", func() *http.Request {
			b := mustMarshal(t, claimsAt(now))
			return bearerRequest(jwstest.Sign(f.key, jwstest.Header("JWT", "k0", nil), string(b[:len(b)-1])+`,"iss":"`+jwtClient+`"}`))
		}, ErrUnauthenticated},
		{"crit", func() *http.Request {
			return bearerRequest(jwstest.Sign(f.key, jwstest.Header("JWT", "k0", map[string]any{"crit": []string{"exp"}}), string(mustMarshal(t, claimsAt(now)))))
		}, ErrUnauthenticated},
		{"JSON serialization", func() *http.Request {
			return formRequest(assertionForm(jwstest.JSONSerialization(with(func(map[string]any) {}))))
		}, ErrUnauthenticated},
		{"replayed jti", func() *http.Request { return bearerRequest(replayed) }, ErrUnauthenticated},
		{"wrong audience", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["aud"] = "https://evil.example" }))
		}, ErrUnauthenticated},
		{"audience of another path", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["aud"] = audience + "/other" }))
		}, ErrUnauthenticated},
		{"two audiences", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["aud"] = []string{audience, "https://evil.example"} }))
		}, ErrUnauthenticated},
		{"no audience", func() *http.Request { return bearerRequest(with(func(c map[string]any) { delete(c, "aud") })) }, ErrUnauthenticated},
		{"expired", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["exp"] = now.Add(-ClockSkew - time.Second).Unix() }))
		}, ErrUnauthenticated},
		{"exp too far ahead", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["exp"] = now.Add(DefaultMaxAge + ClockSkew + time.Second).Unix() }))
		}, ErrUnauthenticated},
		{"no exp", func() *http.Request { return bearerRequest(with(func(c map[string]any) { delete(c, "exp") })) }, ErrUnauthenticated},
		{"nbf in the future", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["nbf"] = now.Add(time.Minute).Unix() }))
		}, ErrUnauthenticated},
		{"iat in the future", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["iat"] = now.Add(time.Minute).Unix() }))
		}, ErrUnauthenticated},
		{"no jti", func() *http.Request { return bearerRequest(with(func(c map[string]any) { delete(c, "jti") })) }, ErrUnauthenticated},
		{"long jti", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["jti"] = strings.Repeat("j", maxJTIBytes+1) }))
		}, ErrUnauthenticated},
		{"iss differs from sub", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["sub"] = "someone" }))
		}, ErrUnauthenticated},
		{"iss of a secret client", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["iss"], c["sub"] = secretClient, secretClient }))
		}, ErrUnauthenticated},
		{"unknown client", func() *http.Request {
			return bearerRequest(with(func(c map[string]any) { c["iss"], c["sub"] = "nobody.example", "nobody.example" }))
		}, ErrUnauthenticated},
		{"alg none", func() *http.Request { return bearerRequest(unsignedJWT(t, claimsAt(now))) }, ErrUnauthenticated},
		{"HS256 with the public key", func() *http.Request {
			pub, _ := json.Marshal(jose.JSONWebKey{Key: &f.key.PublicKey})
			return bearerRequest(signJWT(t, jose.HS256, pub, "k0", claimsAt(now)))
		}, ErrUnauthenticated},
		{"ES384", func() *http.Request { return bearerRequest(signJWT(t, jose.ES384, p384, "k0", claimsAt(now))) }, ErrUnauthenticated},
		{"other key, registered kid", func() *http.Request {
			return bearerRequest(signJWT(t, jose.ES256, other, "k0", claimsAt(now)))
		}, ErrUnauthenticated},
		{"other key, no kid", func() *http.Request {
			return bearerRequest(signJWT(t, jose.ES256, other, "", claimsAt(now)))
		}, ErrUnauthenticated},
		{"unknown kid", func() *http.Request {
			return bearerRequest(signJWT(t, jose.ES256, f.key, "k9", claimsAt(now)))
		}, ErrUnauthenticated},
		{"tampered payload", func() *http.Request {
			tok := with(func(map[string]any) {})
			parts := strings.Split(tok, ".")
			c := claimsAt(now)
			c["exp"] = now.Add(4 * time.Minute).Unix()
			payload, _ := json.Marshal(c)
			return bearerRequest(parts[0] + "." + b64(payload) + "." + parts[2])
		}, ErrUnauthenticated},
		{"wrong assertion type", func() *http.Request {
			v := assertionForm(with(func(map[string]any) {}))
			v.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
			return formRequest(v)
		}, ErrUnauthenticated},
		{"assertion without type", func() *http.Request {
			v := assertionForm(with(func(map[string]any) {}))
			v.Del("client_assertion_type")
			return formRequest(v)
		}, ErrUnauthenticated},
		{"type without assertion", func() *http.Request {
			v := assertionForm("")
			v.Del("client_assertion")
			return formRequest(v)
		}, ErrUnauthenticated},
		{"repeated assertion field", func() *http.Request {
			v := assertionForm(with(func(map[string]any) {}))
			v.Add("client_assertion", with(func(map[string]any) {}))
			return formRequest(v)
		}, ErrUnauthenticated},
		{"form and bearer", func() *http.Request {
			r := formRequest(assertionForm(with(func(map[string]any) {})))
			r.Header.Set("Authorization", "Bearer "+with(func(map[string]any) {}))
			return r
		}, ErrUnauthenticated},
		{"form client_id differs", func() *http.Request {
			v := assertionForm(with(func(map[string]any) {}))
			v.Set("client_id", secretClient)
			return formRequest(v)
		}, ErrUnauthenticated},
		{"too large", func() *http.Request { return bearerRequest(strings.Repeat("a", maxAssertionBytes+1)) }, ErrUnauthenticated},
		{"garbage", func() *http.Request { return bearerRequest("not.a.jwt") }, ErrUnauthenticated},
		{"empty bearer", func() *http.Request { return bearerRequest("") }, ErrUnauthenticated},
		{"secret as bearer", func() *http.Request { return bearerRequest(secretClientSecret) }, ErrUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rp, err := f.auth.Authenticate(tc.req(), false)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && rp.ID != jwtClient {
				t.Errorf("rp = %s", rp.ID)
			}
		})
	}

	t.Run("disabled", func(t *testing.T) {
		if err := f.registry.Disable(ctx, jwtClient); err != nil {
			t.Fatal(err)
		}
		defer f.registry.Enable(ctx, jwtClient)
		if _, err := f.auth.Authenticate(bearerRequest(with(func(map[string]any) {})), false); !errors.Is(err, ErrDisabled) {
			t.Fatalf("err = %v, want ErrDisabled", err)
		}
		if _, err := f.auth.Authenticate(bearerRequest(signJWT(t, jose.ES256, other, "k0", claimsAt(now))), false); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("bad signature on a disabled client: err = %v, want ErrUnauthenticated", err)
		}
	})

	t.Run("replay after the assertion expired", func(t *testing.T) {
		g := newFixture(t)
		tok, err := ClientAssertion(g.key, "k0", jwtClient, audience, g.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.auth.Authenticate(bearerRequest(tok), false); err != nil {
			t.Fatal(err)
		}
		g.clock.Add(AssertionLifetime + ClockSkew + time.Second)
		if _, err := g.auth.Authenticate(bearerRequest(tok), false); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("err = %v, want ErrUnauthenticated", err)
		}
	})

	t.Run("MaxAge", func(t *testing.T) {
		a := &Authenticator{Store: f.store, Audience: audience, Now: f.clock.Now, MaxAge: 10 * time.Second}
		tok := with(func(c map[string]any) { c["exp"] = now.Add(ClockSkew + 11*time.Second).Unix() })
		if _, err := a.Authenticate(bearerRequest(tok), false); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("err = %v, want ErrUnauthenticated", err)
		}
	})

	t.Run("key rotation: second key", func(t *testing.T) {
		if _, err := f.registry.Update(ctx, jwtClient, func(r *Registration) error {
			r.JWKS = jwksOf(t, other, f.key)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		tok, err := ClientAssertion(f.key, "k1", jwtClient, audience, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.auth.Authenticate(bearerRequest(tok), false); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAuthenticateNone(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name      string
		form      url.Values
		allowNone bool
		want      error
	}{
		{"public client", url.Values{"client_id": {publicClient}}, true, nil},
		{"not allowed here", url.Values{"client_id": {publicClient}}, false, ErrUnauthenticated},
		{"confidential client without credentials", url.Values{"client_id": {secretClient}}, true, ErrUnauthenticated},
		{"jwt client without credentials", url.Values{"client_id": {jwtClient}}, true, ErrUnauthenticated},
		{"unknown", url.Values{"client_id": {"nobody.example"}}, true, ErrUnauthenticated},
		{"repeated client_id", url.Values{"client_id": {publicClient, publicClient}}, true, ErrUnauthenticated},
		{"empty", url.Values{}, true, ErrUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rp, err := f.auth.Authenticate(formRequest(tc.form), tc.allowNone)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && rp.ID != publicClient {
				t.Errorf("rp = %s", rp.ID)
			}
		})
	}
	t.Run("query client_id is not read", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, tokenPath+"?client_id="+publicClient, nil)
		if _, err := f.auth.Authenticate(r, true); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("disabled public client", func(t *testing.T) {
		if err := f.registry.Disable(context.Background(), publicClient); err != nil {
			t.Fatal(err)
		}
		if _, err := f.auth.Authenticate(formRequest(url.Values{"client_id": {publicClient}}), true); !errors.Is(err, ErrDisabled) {
			t.Fatalf("err = %v, want ErrDisabled", err)
		}
	})
}

func TestAuthenticateJSONBodyUntouched(t *testing.T) {
	f := newFixture(t)
	tok, err := ClientAssertion(f.key, "k0", jwtClient, audience, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := bearerRequest(tok)
	if _, err := f.auth.Authenticate(r, false); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	if string(body) != `{"claims":["verified"]}` {
		t.Errorf("body after Authenticate = %q", body)
	}
}

func TestAuthenticateStoreFailure(t *testing.T) {
	f := newFixture(t)
	boom := errors.New("database gone")
	tok, err := ClientAssertion(f.key, "k0", jwtClient, audience, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.store.err = boom
	for name, r := range map[string]*http.Request{
		"basic":     basicRequest(secretClient, f.secret),
		"assertion": bearerRequest(tok),
		"none":      formRequest(url.Values{"client_id": {publicClient}}),
	} {
		_, err := f.auth.Authenticate(r, true)
		if !errors.Is(err, boom) || errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: err = %v, want the store's error and not ErrUnauthenticated", name, err)
		}
	}
}

func TestAuthenticateNoAudience(t *testing.T) {
	f := newFixture(t)
	tok := signJWT(t, jose.ES256, f.key, "k0", map[string]any{"iss": jwtClient, "sub": jwtClient,
		"exp": f.clock.Now().Add(time.Minute).Unix(), "jti": "x"})
	a := &Authenticator{Store: f.store, Now: f.clock.Now}
	if _, err := a.Authenticate(bearerRequest(tok), false); err == nil {
		t.Fatal("an authenticator without an audience accepted an assertion without aud")
	}
}

// opaqueSigner hides the concrete key type, as an HSM would.
type opaqueSigner struct{ k *ecdsa.PrivateKey }

func (s opaqueSigner) Public() crypto.PublicKey { return s.k.Public() }
func (s opaqueSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return s.k.Sign(r, d, o)
}

func TestClientAssertion(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	tok, err := ClientAssertion(opaqueSigner{f.key}, "k0", jwtClient, audience, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth.Authenticate(bearerRequest(tok), false); err != nil {
		t.Fatalf("opaque signer's assertion: %v", err)
	}
	a, _ := ClientAssertion(f.key, "k0", jwtClient, audience, now)
	b, _ := ClientAssertion(f.key, "k0", jwtClient, audience, now)
	if a == b {
		t.Error("two assertions are identical (jti not random)")
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for name, fn := range map[string]func() (string, error){
		"P-384":       func() (string, error) { return ClientAssertion(p384, "k", jwtClient, audience, now) },
		"nil key":     func() (string, error) { return ClientAssertion(nil, "k", jwtClient, audience, now) },
		"no client":   func() (string, error) { return ClientAssertion(f.key, "k", "", audience, now) },
		"no audience": func() (string, error) { return ClientAssertion(f.key, "k", jwtClient, "", now) },
	} {
		if _, err := fn(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestAuthenticateConcurrent(t *testing.T) {
	f := newFixture(t)
	done := make(chan error)
	for i := range 8 {
		go func() {
			var err error
			for j := range 20 {
				secret := f.secret
				if (i+j)%3 == 0 {
					secret += "x"
				}
				_, e := f.auth.Authenticate(basicRequest(secretClient, secret), false)
				if (e == nil) != ((i+j)%3 != 0) {
					err = fmt.Errorf("secret %d/%d: %v", i, j, e)
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
