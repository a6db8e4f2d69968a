package guardianconsent

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws/jwstest"
)

var t0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

type fixture struct {
	key    *ecdsa.PrivateKey
	keys   jose.JSONWebKeySet
	holder string
	stmt   Statement
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jkt, err := Thumbprint(&jose.JSONWebKey{Key: &dev.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{
		key:    key,
		keys:   jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}},
		holder: jkt,
		stmt:   Statement{Issuer: "https://netid.example", Audience: "game", KeyThumbprint: jkt, IssuedAt: t0, Expiry: t0.Add(24 * time.Hour)},
	}
}

func (f fixture) expect(now time.Time) Expect {
	return Expect{Keys: f.keys, Issuer: f.stmt.Issuer, Audience: f.stmt.Audience, KeyThumbprint: f.holder, Now: now}
}

func TestSignVerify(t *testing.T) {
	f := newFixture(t)
	tok, err := Sign(f.key, "k1", f.stmt)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(tok, f.expect(t0.Add(time.Hour)))
	if err != nil || got != f.stmt {
		t.Fatalf("Verify = %+v, %v; want %+v", got, err, f.stmt)
	}
	if p, err := Parse(tok); err != nil || p != f.stmt {
		t.Fatalf("Parse = %+v, %v", p, err)
	}

	other := newFixture(t)
	otherTok, err := Sign(other.key, "k1", f.stmt)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		tok    string
		change func(*Expect)
		want   error
	}{
		{"another audience", tok, func(e *Expect) { e.Audience = "shop" }, ErrMismatch},
		{"another issuer", tok, func(e *Expect) { e.Issuer = "https://other.example" }, ErrMismatch},
		{"another credential key", tok, func(e *Expect) { e.KeyThumbprint = other.holder }, ErrMismatch},
		{"no audience expected", tok, func(e *Expect) { e.Audience, e.KeyThumbprint = "", f.holder }, ErrMismatch},
		{"expired", tok, func(e *Expect) { e.Now = t0.Add(24 * time.Hour) }, ErrExpired},
		{"not yet valid", tok, func(e *Expect) { e.Now = t0.Add(-time.Minute) }, ErrExpired},
		{"within leeway", tok, func(e *Expect) { e.Now, e.Leeway = t0.Add(-time.Second), 5*time.Second }, nil},
		{"another signer", otherTok, func(*Expect) {}, ErrSignature},
		{"empty", "", func(*Expect) {}, ErrMalformed},
		{"too long", strings.Repeat("a", MaxLen+1), func(*Expect) {}, ErrMalformed},
		{"wrong typ", jwstest.Sign(f.key, jwstest.Header("kb+jwt", "k1", nil), `{"iss":"https://netid.example","aud":"game","cnf":{"jkt":"`+f.holder+`"},"iat":1772330400,"exp":1772416800}`), func(*Expect) {}, ErrMalformed},
		{"unknown claim", jwstest.Sign(f.key, jwstest.Header(Typ, "k1", nil), `{"iss":"https://netid.example","aud":"game","cnf":{"jkt":"`+f.holder+`"},"iat":1772330400,"exp":1772416800,"sub":"x"}`), func(*Expect) {}, ErrMalformed},
		{"no exp", jwstest.Sign(f.key, jwstest.Header(Typ, "k1", nil), `{"iss":"https://netid.example","aud":"game","cnf":{"jkt":"`+f.holder+`"},"iat":1772330400}`), func(*Expect) {}, ErrMalformed},
		{"too long-lived", jwstest.Sign(f.key, jwstest.Header(Typ, "k1", nil), `{"iss":"https://netid.example","aud":"game","cnf":{"jkt":"`+f.holder+`"},"iat":1772330400,"exp":1872416800}`), func(*Expect) {}, ErrMalformed},
		{"bad jkt", jwstest.Sign(f.key, jwstest.Header(Typ, "k1", nil), `{"iss":"https://netid.example","aud":"game","cnf":{"jkt":"abc"},"iat":1772330400,"exp":1772416800}`), func(*Expect) {}, ErrMalformed},
		{"duplicate key", jwstest.Sign(f.key, jwstest.Header(Typ, "k1", nil), `{"iss":"https://netid.example","aud":"game","aud":"shop","cnf":{"jkt":"`+f.holder+`"},"iat":1772330400,"exp":1772416800}`), func(*Expect) {}, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := f.expect(t0.Add(time.Hour))
			c.change(&e)
			_, err := Verify(c.tok, e)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("Verify: %v, want %v", err, c.want)
			}
		})
	}
}

func TestSignRefusesBadStatements(t *testing.T) {
	f := newFixture(t)
	for name, change := range map[string]func(*Statement){
		"no audience":    func(s *Statement) { s.Audience = "" },
		"no issuer":      func(s *Statement) { s.Issuer = "" },
		"no key":         func(s *Statement) { s.KeyThumbprint = "" },
		"exp before iat": func(s *Statement) { s.Expiry = s.IssuedAt },
		"too long":       func(s *Statement) { s.Expiry = s.IssuedAt.Add(MaxTTL + time.Second) },
	} {
		s := f.stmt
		change(&s)
		if _, err := Sign(f.key, "k1", s); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzVerify: statements come from outside (inside a presentation):
// Verify and Parse never panic, and what verifies parses to the same
// statement.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	tok, err := Sign(fx.key, "k1", fx.stmt)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add("")
	f.Add("a.b.c")
	f.Add(jwstest.Sign(fx.key, jwstest.Header(Typ, "k1", nil), `{"iss":"x","aud":"y","cnf":{"jkt":"z"},"iat":1,"exp":2}`))
	f.Fuzz(func(t *testing.T, s string) {
		p, perr := Parse(s)
		v, err := Verify(s, fx.expect(t0.Add(time.Hour)))
		if err == nil && (perr != nil || p != v) {
			t.Fatalf("verified %+v but Parse = %+v, %v", v, p, perr)
		}
	})
}
