package relyingparty

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"
)

// FuzzAuthenticateAssertion: no assertion string makes Authenticate panic,
// and whatever it accepts authenticates the private_key_jwt client.
func FuzzAuthenticateAssertion(f *testing.F) {
	fx := newFixture(f)
	now := fx.clock.Now()
	good, err := ClientAssertion(fx.key, "k0", jwtClient, audience, now)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(signJWT(f, jose.ES256, newKey(f), "k0", claimsAt(now)))
	f.Add(unsignedJWT(f, claimsAt(now)))
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJFUzI1NiJ9.e30.")
	f.Add(strings.Repeat(".", 100))
	f.Add(`{"payload":"e30","signatures":[{"protected":"eyJhbGciOiJFUzI1NiJ9","signature":""}]}`)
	f.Fuzz(func(t *testing.T, assertion string) {
		for _, r := range []struct {
			name string
			form bool
		}{{"bearer", false}, {"form", true}} {
			req := bearerRequest(assertion)
			if r.form {
				req = formRequest(assertionForm(assertion))
			}
			rp, err := fx.auth.Authenticate(req, true)
			if err == nil && rp.ID != jwtClient {
				t.Fatalf("%s: authenticated as %s", r.name, rp.ID)
			}
			if err != nil && !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("%s: err = %v, want ErrUnauthenticated", r.name, err)
			}
		}
	})
}

// FuzzBasicCredentials: no Basic header value makes Authenticate panic or
// authenticate with anything but the real secret.
func FuzzBasicCredentials(f *testing.F) {
	fx := newFixture(f)
	f.Add(secretClient, fx.secret)
	f.Add(secretClient, "")
	f.Add("", "")
	f.Add("a%zz", "b")
	f.Add(offClient, fx.disabled)
	f.Fuzz(func(t *testing.T, id, secret string) {
		rp, err := fx.auth.Authenticate(basicRequest(id, secret), false)
		if err == nil && (rp.ID != secretClient || secret != fx.secret) {
			t.Fatalf("authenticated as %s", rp.ID)
		}
	})
}

// FuzzValidate: Validate never panics on any domain, redirect URI or key
// set, and a registration it accepts is stored and read back unchanged.
func FuzzValidate(f *testing.F) {
	key := newKey(f)
	f.Add("shop.example", "https://shop.example/cb", "")
	f.Add("xn--fsqu00a.xn--fiqs8s", "https://xn--fsqu00a.xn--fiqs8s/", "")
	f.Add("xn--", "http://[::1]:80/x", `{"keys":[]}`)
	f.Add("a.b", "https://a.b:0/", string(jwksOf(f, key)))
	f.Add("例子.中国", "https://例子.中国/", `{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`)
	f.Fuzz(func(t *testing.T, domain, redirect, jwks string) {
		r := Registration{ID: "fuzz.example", Name: "Fuzz", Category: "internet_service",
			Domains: []string{domain}, RedirectURIs: []string{redirect}, AuthMethod: "none"}
		if jwks != "" {
			r.AuthMethod, r.JWKS = "private_key_jwt", []byte(jwks)
		}
		if err := r.Validate(); err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			return
		}
		g := &Registry{Store: newFakeStore(time.Now), MAC: testMAC}
		rp, _, err := g.Register(context.Background(), r)
		if err != nil {
			t.Fatalf("Register of a valid registration: %v", err)
		}
		if rp.Domains[0] != domain || rp.RedirectURIs[0] != redirect {
			t.Fatalf("stored %v %v", rp.Domains, rp.RedirectURIs)
		}
		if jwks != "" {
			// The stored key set parses again and is a fixed point.
			set, err := ParseJWKS(rp.JWKS)
			if err != nil {
				t.Fatalf("stored key set: %v", err)
			}
			again, err := normalJWKS(set)
			if err != nil || string(again) != string(rp.JWKS) {
				t.Fatalf("key set does not round-trip: %s vs %s", again, rp.JWKS)
			}
		}
		if u, err := url.Parse(redirect); err != nil || u.Fragment != "" {
			t.Fatalf("accepted redirect URI %q", redirect)
		}
	})
}

// FuzzPunycode: the decoder never panics and yields valid UTF-8.
func FuzzPunycode(f *testing.F) {
	for _, s := range []string{"fsqu00a", "mnchen-3ya", "99999999999", "a-", "-", "", "zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if out, err := punycodeDecode(s); err == nil && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
		_ = checkDomain(s)
	})
}

func BenchmarkAuthenticate(b *testing.B) {
	fx := newFixture(b)
	b.Run("secret/cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := fx.auth.Authenticate(basicRequest(secretClient, fx.secret), false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("secret/argon2id-default", func(b *testing.B) {
		g := &Registry{Store: fx.store}
		_, secret, err := g.Register(context.Background(), Registration{ID: "bench.example", Name: "B",
			Category: "in_person", AuthMethod: "client_secret_basic"})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			a := &Authenticator{Store: fx.store, Audience: audience, Now: fx.clock.Now} // empty cache
			if _, err := a.Authenticate(basicRequest("bench.example", secret), false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("assertion", func(b *testing.B) {
		for b.Loop() {
			tok, err := ClientAssertion(fx.key, "k0", jwtClient, audience, fx.clock.Now())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := fx.auth.Authenticate(bearerRequest(tok), false); err != nil {
				b.Fatal(err)
			}
		}
	})
}
