package rp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/rp"
)

// signSM2 signs payload with the SM2 key k through package jws, as a
// platform of the SM suite does.
func signSM2(t tb, k signingKey, payload []byte, typ string) string {
	t.Helper()
	tok, err := jws.Sign(k.sm, typ, k.kid, payload)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// newSMPlatform is a fake platform of the SM suite: one SM2 key, published
// in its JWKS as an SM2 JWK, signs credentials, the status list and
// results.
func newSMPlatform(t *testing.T, c *clock) (*platform, signingKey) {
	p := newPlatform(t, c)
	k := genSMKey(t, "platform-sm-1")
	p.set(func(p *platform) { p.published, p.issuerKey, p.listKey = []signingKey{k}, k, k })
	return p, k
}

// TestSMPresentation: the SDK verifies a presentation of a credential
// signed with SM2 (its _sd_alg sm3) and checks its status in a status list
// signed with SM2, with nothing but the keys of the platform's JWKS.
func TestSMPresentation(t *testing.T) {
	c := newClock()
	p, _ := newSMPlatform(t, c)
	p.setStatus(4, 1) // revoked
	v := newVerifier(t, p)
	ctx := context.Background()

	h := p.issue(t, 3, nil)
	got, err := v.VerifyPresentation(ctx, h.present(t, testAud, "n-1", c.Now()), rp.Expect{Audience: testAud, Nonce: "n-1"})
	if err != nil {
		t.Fatalf("an SM presentation: %v", err)
	}
	if got.Claims["age_over_18"] != true || len(got.Claims) != 1 || got.Wanghao != "" {
		t.Errorf("claims %v", got.Claims)
	}
	revoked := p.issue(t, 4, nil)
	_, err = v.VerifyPresentation(ctx, revoked.present(t, testAud, "n-2", c.Now()), rp.Expect{Audience: testAud, Nonce: "n-2"})
	checkErr(t, err, rp.ErrInvalid, rp.ErrRevoked)

	// A credential of the ES256 suite under a kid the platform does not
	// publish, and one under the SM2 key's kid, are refused.
	es := genKey(t, "platform-2026-1")
	for _, kid := range []string{es.kid, "platform-sm-1"} {
		es.kid = kid
		p.set(func(p *platform) { p.issuerKey = es })
		other := p.issue(t, 5, nil)
		_, err = v.VerifyPresentation(ctx, other.present(t, testAud, "n-3"+kid, c.Now()), rp.Expect{Audience: testAud, Nonce: "n-3" + kid})
		checkErr(t, err, rp.ErrInvalid)
	}
}

// TestSMResult: the SDK verifies a session result signed with SM2 by a key
// of the platform's JWKS, and refuses an SM2 key published with another
// alg and an ES256 signature under the SM2 key's kid.
func TestSMResult(t *testing.T) {
	c := newClock()
	p, k := newSMPlatform(t, c)
	v := newVerifier(t, p)
	ctx := context.Background()
	want := rp.ResultExpect{ClientID: testClient, SessionID: "sess-1"}

	tok := signResult(t, k, validResult(p))
	if h, _, _ := strings.Cut(tok, "."); !strings.Contains(string(mustB64(t, h)), `"alg":"SM2"`) {
		t.Fatalf("the result is not signed with SM2: %s", mustB64(t, h))
	}
	r, err := v.VerifyResult(ctx, tok, want)
	if err != nil {
		t.Fatalf("an SM2-signed result: %v", err)
	}
	if r.Subject != "pairwise-sub-1" || r.Level != rp.LevelPassword {
		t.Errorf("result %+v", r)
	}

	// One bit of the signature changed.
	parts := strings.Split(tok, ".")
	sig := mustB64(t, parts[2])
	sig[10] ^= 1
	_, err = v.VerifyResult(ctx, parts[0]+"."+parts[1]+"."+jws.B64.EncodeToString(sig), want)
	checkResultErr(t, err, rp.ErrInvalid)

	// An ES256 signature by a P-256 key under the SM2 key's kid.
	es := genKey(t, k.kid)
	_, err = v.VerifyResult(ctx, signResult(t, es, validResult(p)), want)
	checkResultErr(t, err, rp.ErrInvalid)

	// The SM2 key published with alg ES256 is no result key.
	p.set(func(p *platform) { p.jwksAlg = string(jose.ES256) })
	c.Advance(2 * time.Hour) // past the key cache and the refetch interval
	_, err = v.VerifyResult(ctx, tok, want)
	checkResultErr(t, err, rp.ErrInvalid, rp.ErrIssuer)
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := jws.B64.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
