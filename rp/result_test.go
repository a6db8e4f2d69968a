package rp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/rp"
)

// resultSentinels are the sentinels a result verification may wrap.
var resultSentinels = []error{
	rp.ErrIssuer, rp.ErrAudience, rp.ErrSession, rp.ErrNonce, rp.ErrLevel, rp.ErrStale, rp.ErrExpired,
	rp.ErrRevoked, rp.ErrSuspended, rp.ErrReplay, rp.ErrStatusUnavailable,
	rp.ErrDeclined, rp.ErrCancelled, rp.ErrSessionExpired, rp.ErrSessionFailed, rp.ErrPending,
}

// checkResultErr fails unless err wraps every error in want (ErrInvalid
// among them unless want is empty) and no other sentinel.
func checkResultErr(t *testing.T, err error, want ...error) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error; want %v", want)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("error %q does not wrap %q", err, w)
		}
	}
	for _, s := range append(resultSentinels, rp.ErrInvalid) {
		if errors.Is(err, s) && !slicesContains(want, s) {
			t.Errorf("error %q also wraps %q", err, s)
		}
	}
}

func slicesContains(errs []error, e error) bool {
	for _, x := range errs {
		if x == e {
			return true
		}
	}
	return false
}

const testClient = "shop"

// validResult returns the claims of a valid result for session "sess-1".
func validResult(p *platform) map[string]any {
	return resultClaims(p.URL, testClient, "sess-1", "password", "n-1", p.clock.Now(),
		map[string]any{"verified": true, "sub": "pairwise-sub-1", "age_over_18": true})
}

// rawJWS builds a compact JWS from a header and payload with a given
// signature (for algorithms go-jose will not sign with).
func rawJWS(header, payload map[string]any, sig []byte) string {
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(payload)
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(p) + "." + enc(sig)
}

func TestVerifyResult(t *testing.T) {
	c := newClock()
	p := newPlatform(t, c)
	v := newVerifier(t, p)
	ctx := context.Background()
	want := rp.ResultExpect{ClientID: testClient}
	k := p.issuerKey

	with := func(edit func(m map[string]any)) string {
		m := validResult(p)
		edit(m)
		return signResult(t, k, m)
	}
	without := func(name string) string { return with(func(m map[string]any) { delete(m, name) }) }
	hmacKey := []byte("0123456789abcdef0123456789abcdef")
	hs256 := func() string {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: hmacKey}, (&jose.SignerOptions{}).WithType("netid-result+jwt").WithHeader("kid", k.kid))
		if err != nil {
			t.Fatal(err)
		}
		payload, _ := json.Marshal(validResult(p))
		jws, err := s.Sign(payload)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := jws.CompactSerialize()
		return out
	}()
	valid := signResult(t, k, validResult(p))
	parts := strings.Split(valid, ".")
	other := genKey(t, "platform-2026-1") // same kid, another key

	tests := []struct {
		name   string
		token  string
		want   rp.ResultExpect
		errs   []error
		before func()
	}{
		{name: "valid", token: valid, want: want},
		{name: "valid with all expectations", token: valid, want: rp.ResultExpect{ClientID: testClient, SessionID: "sess-1", Nonce: "n-1", MinLevel: rp.LevelPassword, MaxAge: time.Minute}},
		{name: "aud as a one-element array", token: with(func(m map[string]any) { m["aud"] = []string{testClient} }), want: want},
		{name: "no client ID expected", token: valid, want: rp.ResultExpect{}, errs: []error{rp.ErrInvalid}},
		{name: "unknown minimum level", token: valid, want: rp.ResultExpect{ClientID: testClient, MinLevel: "high"}, errs: []error{rp.ErrInvalid}},
		{name: "another relying party", token: valid, want: rp.ResultExpect{ClientID: "other"}, errs: []error{rp.ErrInvalid, rp.ErrAudience}},
		{name: "aud array of two", token: with(func(m map[string]any) { m["aud"] = []string{testClient, "other"} }), want: want, errs: []error{rp.ErrInvalid}},
		{name: "another issuer", token: with(func(m map[string]any) { m["iss"] = "https://evil.example" }), want: want, errs: []error{rp.ErrInvalid, rp.ErrIssuer}},
		{name: "another session", token: valid, want: rp.ResultExpect{ClientID: testClient, SessionID: "sess-2"}, errs: []error{rp.ErrInvalid, rp.ErrSession}},
		{name: "another nonce", token: valid, want: rp.ResultExpect{ClientID: testClient, Nonce: "n-2"}, errs: []error{rp.ErrInvalid, rp.ErrNonce}},
		{name: "no nonce but one expected", token: without("nonce"), want: rp.ResultExpect{ClientID: testClient, Nonce: "n-1"}, errs: []error{rp.ErrInvalid, rp.ErrNonce}},
		{name: "below the minimum level", token: valid, want: rp.ResultExpect{ClientID: testClient, MinLevel: rp.LevelFace}, errs: []error{rp.ErrInvalid, rp.ErrLevel}},
		{name: "iat in the future", token: with(func(m map[string]any) { m["iat"] = c.Now().Add(time.Minute).Unix() }), want: want, errs: []error{rp.ErrInvalid, rp.ErrStale}},
		{name: "iat within the leeway", token: with(func(m map[string]any) { m["iat"] = c.Now().Add(20 * time.Second).Unix() }), want: want},
		{name: "older than MaxAge", token: with(func(m map[string]any) { m["iat"] = c.Now().Add(-2 * time.Minute).Unix() }), want: rp.ResultExpect{ClientID: testClient, MaxAge: time.Minute}, errs: []error{rp.ErrInvalid, rp.ErrStale}},
		{name: "old without MaxAge", token: with(func(m map[string]any) { m["iat"] = c.Now().Add(-30 * 24 * time.Hour).Unix() }), want: want},
		{name: "exp passed", token: with(func(m map[string]any) { m["exp"] = c.Now().Add(-time.Minute).Unix() }), want: want, errs: []error{rp.ErrInvalid, rp.ErrExpired}},
		{name: "exp ahead", token: with(func(m map[string]any) { m["exp"] = c.Now().Add(time.Minute).Unix() }), want: want},
		{name: "nbf ahead", token: with(func(m map[string]any) { m["nbf"] = c.Now().Add(time.Hour).Unix() }), want: want, errs: []error{rp.ErrInvalid, rp.ErrExpired}},
		{name: "no iss", token: without("iss"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "no aud", token: without("aud"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "no jti", token: without("jti"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "no sub", token: without("sub"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "no acr", token: without("acr"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "no level", token: without("level"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "no iat", token: without("iat"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "no verified", token: without("verified"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "verified false", token: with(func(m map[string]any) { m["verified"] = false }), want: want, errs: []error{rp.ErrInvalid}},
		{name: "verified as a string", token: with(func(m map[string]any) { m["verified"] = "true" }), want: want, errs: []error{rp.ErrInvalid}},
		{name: "unknown level", token: with(func(m map[string]any) { m["level"] = "high" }), want: want, errs: []error{rp.ErrInvalid}},
		{name: "acr of another level", token: with(func(m map[string]any) { m["acr"] = "urn:netid:acr:face" }), want: want, errs: []error{rp.ErrInvalid}},
		{name: "iat as a string", token: with(func(m map[string]any) { m["iat"] = "1700000000" }), want: want, errs: []error{rp.ErrInvalid}},
		{name: "negative iat", token: with(func(m map[string]any) { m["iat"] = -1 }), want: want, errs: []error{rp.ErrInvalid}},
		{name: "sub empty", token: with(func(m map[string]any) { m["sub"] = "" }), want: want, errs: []error{rp.ErrInvalid}},
		{name: "payload an array", token: signPayload(t, k, []byte(`[1,2]`), "netid-result+jwt"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "payload null", token: signPayload(t, k, []byte(`null`), "netid-result+jwt"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "trailing data", token: signPayload(t, k, []byte(`{"iss":"x"} {}`), "netid-result+jwt"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "duplicate aud", token: signPayload(t, k, dupClaim(t, validResult(p), `"aud":"other"`), "netid-result+jwt"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "duplicate sub in other case", token: signPayload(t, k, dupClaim(t, validResult(p), `"SUB":"pairwise-sub-2"`), "netid-result+jwt"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "typ in upper case with application/", token: signPayload(t, k, mustJSON(t, validResult(p)), "application/NETID-RESULT+JWT"), want: want},
		{name: "wrong typ", token: signPayload(t, k, mustJSON(t, validResult(p)), "JWT"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "no typ", token: signPayload(t, k, mustJSON(t, validResult(p)), ""), want: want, errs: []error{rp.ErrInvalid}},
		{name: "status list typ", token: signPayload(t, k, mustJSON(t, validResult(p)), "statuslist+jwt"), want: want, errs: []error{rp.ErrInvalid}},
		{name: "signed by another key under the platform's kid", token: signResult(t, other, validResult(p)), want: want, errs: []error{rp.ErrInvalid}},
		{name: "payload tampered", token: parts[0] + "." + base64.RawURLEncoding.EncodeToString(mustJSON(t, with2(validResult(p), "age_over_18", false))) + "." + parts[2], want: want, errs: []error{rp.ErrInvalid}},
		{name: "signature cut", token: parts[0] + "." + parts[1] + ".", want: want, errs: []error{rp.ErrInvalid}},
		{name: "alg none", token: rawJWS(map[string]any{"alg": "none", "typ": "netid-result+jwt", "kid": k.kid}, validResult(p), nil), want: want, errs: []error{rp.ErrInvalid}},
		{name: "alg HS256", token: hs256, want: want, errs: []error{rp.ErrInvalid}},
		{name: "embedded jwk", token: embeddedJWK(t, k, validResult(p)), want: want, errs: []error{rp.ErrInvalid}},
		{name: "no kid", token: noKID(t, k, validResult(p)), want: want, errs: []error{rp.ErrInvalid}},
		{name: "JSON serialization", token: jsonSerialized(t, k, validResult(p)), want: want, errs: []error{rp.ErrInvalid}},
		{name: "not a JWS", token: "hello", want: want, errs: []error{rp.ErrInvalid}},
		{name: "empty", token: "", want: want, errs: []error{rp.ErrInvalid}},
		{name: "too large", token: with(func(m map[string]any) { m["x"] = strings.Repeat("a", 70<<10) }), want: want, errs: []error{rp.ErrInvalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := v.VerifyResult(ctx, tt.token, tt.want)
			checkResultErr(t, err, tt.errs...)
			if err != nil {
				if r != nil {
					t.Fatal("a result with an error")
				}
				return
			}
			if r.SessionID != "sess-1" || r.Subject != "pairwise-sub-1" || r.Level != rp.LevelPassword || r.ACR != rp.ACRPassword ||
				r.Nonce != "n-1" || r.Purpose != "测试" || r.Issuer != p.URL || r.ClientID != testClient {
				t.Fatalf("result: %+v", r)
			}
			wantClaims := map[string]any{"verified": true, "sub": "pairwise-sub-1", "age_over_18": true}
			if !maps.Equal(r.Claims, wantClaims) {
				t.Fatalf("claims %v, want %v", r.Claims, wantClaims)
			}
		})
	}
}

// dupClaim encodes m with one more member, raw JSON text, that repeats a
// claim.
func dupClaim(t tb, m map[string]any, member string) []byte {
	b := mustJSON(t, m)
	return append(append(b[:len(b)-1:len(b)-1], ","+member...), '}')
}

func with2(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}

func mustJSON(t tb, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func embeddedJWK(t *testing.T, k signingKey, claims map[string]any) string {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("netid-result+jwt").WithHeader("kid", k.kid))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(mustJSON(t, claims))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

func noKID(t *testing.T, k signingKey, claims map[string]any) string {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv}, (&jose.SignerOptions{}).WithType("netid-result+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(mustJSON(t, claims))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

func jsonSerialized(t *testing.T, k signingKey, claims map[string]any) string {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv}, (&jose.SignerOptions{}).WithType("netid-result+jwt").WithHeader("kid", k.kid))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(mustJSON(t, claims))
	if err != nil {
		t.Fatal(err)
	}
	return jws.FullSerialize()
}

// TestVerifyResultKeyRotation: a result signed by a key published after
// the Verifier fetched the keys verifies after one refetch; unknown kids
// refetch at most once a minute.
func TestVerifyResultKeyRotation(t *testing.T) {
	c := newClock()
	p := newPlatform(t, c)
	v := newVerifier(t, p)
	ctx := context.Background()
	want := rp.ResultExpect{ClientID: testClient}

	next := genKey(t, "platform-2026-2")
	p.set(func(p *platform) { p.published = append(p.published, next) })
	c.Advance(2 * time.Minute) // past the refetch interval since New
	jwks0, _ := p.hits()
	if _, err := v.VerifyResult(ctx, signResult(t, next, validResult(p)), want); err != nil {
		t.Fatalf("result of a new key: %v", err)
	}
	if jwks, _ := p.hits(); jwks != jwks0+1 {
		t.Fatalf("%d key fetches for a new kid, want 1", jwks-jwks0)
	}

	// Forged kids: one refetch, then none within the minute.
	forged := genKey(t, "forged")
	c.Advance(2 * time.Minute)
	jwks0, _ = p.hits()
	for range 5 {
		_, err := v.VerifyResult(ctx, signResult(t, forged, validResult(p)), want)
		checkResultErr(t, err, rp.ErrInvalid, rp.ErrIssuer)
	}
	if jwks, _ := p.hits(); jwks != jwks0+1 {
		t.Fatalf("%d key fetches for 5 results of an unknown kid, want 1", jwks-jwks0)
	}

	// The platform down: results of known keys still verify.
	p.set(func(p *platform) { p.jwksFail = true })
	c.Advance(2 * time.Hour)
	if _, err := v.VerifyResult(ctx, signResult(t, next, validResult(p)), want); err != nil {
		t.Fatalf("with the platform down: %v", err)
	}
}

// TestResultClaimsAreOnlyProvided: the claims map carries the provided
// claims (verified, sub and those asked for) and no envelope claim.
func TestResultClaimsAreOnlyProvided(t *testing.T) {
	p := newPlatform(t, newClock())
	v := newVerifier(t, p)
	m := validResult(p)
	m["exp"] = p.clock.Now().Add(time.Hour).Unix()
	m["name"] = "张三"
	m["age_band"] = "18_59"
	r, err := v.VerifyResult(context.Background(), signResult(t, p.issuerKey, m), rp.ResultExpect{ClientID: testClient})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"verified": true, "sub": "pairwise-sub-1", "age_over_18": true, "name": "张三", "age_band": "18_59"}
	if !reflect.DeepEqual(r.Claims, want) {
		t.Fatalf("claims %v, want %v", r.Claims, want)
	}
}

// TestVerifyResultErrorsHoldNoClaimValues: error messages never repeat a
// claim's value (plaintext fields may be personal data).
func TestVerifyResultErrorsHoldNoClaimValues(t *testing.T) {
	p := newPlatform(t, newClock())
	v := newVerifier(t, p)
	for _, edit := range []func(m map[string]any){
		func(m map[string]any) { m["sub"] = 42 },
		func(m map[string]any) { m["level"] = "张三" },
		func(m map[string]any) { m["aud"] = "张三" },
		func(m map[string]any) { m["iss"] = "张三" },
		func(m map[string]any) { m["jti"] = "张三"; m["verified"] = "张三" },
	} {
		m := validResult(p)
		m["name"] = "张三"
		edit(m)
		_, err := v.VerifyResult(context.Background(), signResult(t, p.issuerKey, m), rp.ResultExpect{ClientID: testClient, SessionID: "sess-1"})
		if err == nil {
			t.Fatal("verified")
		}
		if strings.Contains(err.Error(), "张三") {
			t.Fatalf("error repeats a value: %v", err)
		}
	}
}

// FuzzVerifyResult signs arbitrary payloads with the platform's key (and
// tries arbitrary tokens): VerifyResult never panics, and an accepted
// result encodes back to claims that verify to the same Result.
func FuzzVerifyResult(f *testing.F) {
	c := newClock()
	p := newPlatform(f, c)
	v, err := rp.New(context.Background(), p.URL, rp.WithClock(c.Now), rp.WithHTTPClient(p.srv.Client()))
	if err != nil {
		f.Fatal(err)
	}
	valid := validResult(p)
	f.Add(mustJSON(f, valid), "")
	f.Add(mustJSON(f, with2(validResult(p), "aud", []string{testClient})), "")
	f.Add(mustJSON(f, with2(validResult(p), "iat", 1.5e9)), "")
	f.Add([]byte(`{"iss":1}`), "")
	f.Add([]byte(`{}`), "a.b.c")
	f.Add([]byte(`[]`), signResult(f, p.issuerKey, valid))
	f.Add([]byte(`{"verified":true,"x":{"y":[1,2.5,null]}}`), "eyJhbGciOiJub25lIn0.e30.")
	want := rp.ResultExpect{ClientID: testClient}
	f.Fuzz(func(t *testing.T, payload []byte, raw string) {
		if raw != "" {
			_, _ = v.VerifyResult(context.Background(), raw, want)
		}
		r, err := v.VerifyResult(context.Background(), signPayload(t, p.issuerKey, payload, "netid-result+jwt"), want)
		if err != nil {
			if !errors.Is(err, rp.ErrInvalid) {
				t.Fatalf("error without ErrInvalid: %v", err)
			}
			return
		}
		// Encode the Result back into claims and verify again.
		m := maps.Clone(r.Claims)
		m["iss"], m["aud"], m["jti"], m["acr"], m["level"], m["iat"] = r.Issuer, r.ClientID, r.SessionID, r.ACR, string(r.Level), r.IssuedAt.Unix()
		if r.Purpose != "" {
			m["purpose"] = r.Purpose
		}
		if r.Nonce != "" {
			m["nonce"] = r.Nonce
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("encoding an accepted result: %v", err)
		}
		r2, err := v.VerifyResult(context.Background(), signPayload(t, p.issuerKey, b, "netid-result+jwt"), want)
		if err != nil {
			t.Fatalf("re-encoded result rejected: %v", err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip: %+v != %+v", r, r2)
		}
	})
}

// BenchmarkVerifyResult measures verifying a signed result with cached
// keys (no request to the platform).
func BenchmarkVerifyResult(b *testing.B) {
	p := newPlatform(b, newClock())
	v, err := rp.New(context.Background(), p.URL, rp.WithClock(p.clock.Now), rp.WithHTTPClient(p.srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	tok := signResult(b, p.issuerKey, validResult(p))
	want := rp.ResultExpect{ClientID: testClient, SessionID: "sess-1"}
	jwks0, _ := p.hits()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyResult(context.Background(), tok, want); err != nil {
			b.Fatal(err)
		}
	}
	if jwks, _ := p.hits(); jwks != jwks0 {
		b.Fatalf("%d key fetches while verifying", jwks-jwks0)
	}
}
