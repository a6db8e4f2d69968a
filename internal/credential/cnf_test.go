package credential

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
)

func newSM2Key(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &k.PrivateKey
}

// smFixture is newFixture with an SM2 issuer key and an SM2 holder key.
func smFixture(t testing.TB) *fixture {
	f := newFixture(t)
	f.issuerKey, f.holderKey = newSM2Key(t), newSM2Key(t)
	f.keys = jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.issuerKey.PublicKey, KeyID: testKID, Algorithm: "SM2", Use: "sig"}}}
	f.issuer.Key = f.issuerKey
	f.claims.Holder = &jose.JSONWebKey{Key: &f.holderKey.PublicKey}
	return f
}

// On an SM2 issuer the holder's cnf.jwk is an SM2 JWK, read back and used
// for the key-binding JWT.
func TestSM2HolderKey(t *testing.T) {
	f := smFixture(t)
	sd := f.issue(t)
	tok, err := jws.Parse(strings.SplitN(sd, "~", 2)[0], jws.Expect{Typ: TypSDJWT})
	if err != nil {
		t.Fatal(err)
	}
	cnf, _ := tok.UnverifiedObject()["cnf"].(map[string]any)
	jwk, _ := cnf["jwk"].(map[string]any)
	if tok.Header.Alg != jws.SM2 || jwk["crv"] != jws.SM2Curve || jwk["kty"] != "EC" {
		t.Fatalf("alg %s, cnf.jwk %v", tok.Header.Alg, jwk)
	}
	c, err := VerifyPresentation(f.present(t, "age_over_18"), f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := c.Claims.Holder.Key.(*ecdsa.PublicKey); !ok || !pub.Equal(&f.holderKey.PublicKey) {
		t.Fatalf("holder %#v", c.Claims.Holder.Key)
	}
	// Another SM2 key's key-binding JWT is refused.
	other := newSM2Key(t)
	if _, err := Present(sd, nil, other, testAud, testNon, testNow); !errors.Is(err, ErrKeyBinding) {
		t.Fatalf("another key's presentation: %v", err)
	}
}

// The holder's key is of the issuer's algorithm: issuing or verifying a
// credential that binds a key of the other suite is refused.
func TestHolderKeyOfIssuerSuite(t *testing.T) {
	es, sm := newFixture(t), smFixture(t)
	for name, f := range map[string]*fixture{"P-256 issuer, SM2 holder": es, "SM2 issuer, P-256 holder": sm} {
		other := map[*fixture]*ecdsa.PrivateKey{es: newSM2Key(t), sm: newKey(t)}[f]
		c := f.claims
		c.Holder = &jose.JSONWebKey{Key: &other.PublicKey}
		if _, err := f.issuer.Issue(c); !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("%s: Issue = %v, want ErrInvalidClaims", name, err)
		}
		// Made by hand past the issuer's checks.
		holder := f.holderKey
		f.holderKey = newKey(t) // payload writes cnf with go-jose; replaced below
		p := f.payload(t)
		f.holderKey = holder
		if f == sm {
			p["_sd_alg"] = "sm3"
		}
		jwk, err := json.Marshal(jws.JWK{Key: &other.PublicKey})
		if err != nil {
			t.Fatal(err)
		}
		p["cnf"] = map[string]any{"jwk": json.RawMessage(jwk)}
		body, _ := json.Marshal(p)
		tok, err := jws.Sign(f.issuerKey, TypSDJWT, testKID, body)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Verify(tok+"~", f.keys, testNow)
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "cnf.jwk") {
			t.Errorf("%s: Verify = %v, want ErrMalformed for cnf.jwk", name, err)
		}
		// The same credential with the issuer's algorithm's key verifies.
		jwk, _ = json.Marshal(jws.JWK{Key: &f.holderKey.PublicKey})
		p["cnf"] = map[string]any{"jwk": json.RawMessage(jwk)}
		body, _ = json.Marshal(p)
		tok, _ = jws.Sign(f.issuerKey, TypSDJWT, testKID, body)
		if _, err := Verify(tok+"~", f.keys, testNow); err != nil {
			t.Errorf("%s: the issuer's own algorithm: %v", name, err)
		}
	}
}
