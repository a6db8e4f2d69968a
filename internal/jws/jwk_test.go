package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/go-jose/go-jose/v4"
)

// holderKeys are a P-256 key and an SM2 key held as *ecdsa.PrivateKey,
// the form a holder's device key takes.
func holderKeys(t testing.TB) map[Algorithm]*ecdsa.PrivateKey {
	t.Helper()
	p, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return map[Algorithm]*ecdsa.PrivateKey{ES256: p, SM2: &s.PrivateKey}
}

func TestSignWithJWK(t *testing.T) {
	for alg, key := range holderKeys(t) {
		t.Run(string(alg), func(t *testing.T) {
			tok, err := SignWithJWK(key, testTyp, []byte(`{"n":1}`))
			if err != nil {
				t.Fatal(err)
			}
			var got *jose.JSONWebKey
			h, payload, err := Verify(tok, Expect{Typ: testTyp, Keys: KeyFunc(func(t *Token) ([]jose.JSONWebKey, error) {
				k, err := t.Header.JWK()
				if err != nil {
					return nil, err
				}
				got = k
				return []jose.JSONWebKey{*k}, nil
			})})
			if err != nil {
				t.Fatal(err)
			}
			if h.Alg != alg || string(payload) != `{"n":1}` || h.KeyID != "" {
				t.Fatalf("alg %s payload %s kid %q", h.Alg, payload, h.KeyID)
			}
			if pub, ok := got.Key.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
				t.Fatalf("the header's jwk is %#v, want the signing key's public key", got.Key)
			}
			// The other algorithm's key does not verify it.
			for other, k := range holderKeys(t) {
				if _, _, err := Verify(tok, Expect{Typ: testTyp, Keys: PublicKey(k.Public())}); err == nil {
					t.Errorf("verified with another %s key", other)
				}
			}
		})
	}
}

// An SM2 key held as *ecdsa.PrivateKey signs SM2 (its own Sign method would
// compute ECDSA over the SM2 curve), verifiable with the public key and by
// gmsm.
func TestSignSM2WithECDSAForm(t *testing.T) {
	key := holderKeys(t)[SM2]
	tok, err := Sign(key, testTyp, "k", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := Verify(tok, Expect{Typ: testTyp, Keys: PublicKey(&key.PublicKey)})
	if err != nil || h.Alg != SM2 {
		t.Fatalf("alg %s, %v", h.Alg, err)
	}
	i := strings.LastIndexByte(tok, '.')
	sig, _ := B64.DecodeString(tok[i+1:])
	der, _ := encodeRS(sig[:32], sig[32:])
	if !sm2.VerifyASN1WithSM2(&key.PublicKey, nil, []byte(tok[:i]), der) {
		t.Fatal("gmsm does not verify the SM2 signature")
	}
}

func TestJWKRoundTrip(t *testing.T) {
	for alg, key := range holderKeys(t) {
		t.Run(string(alg), func(t *testing.T) {
			b, err := json.Marshal(map[string]any{"jwk": JWK{Key: &key.PublicKey}})
			if err != nil {
				t.Fatal(err)
			}
			wantCrv := map[Algorithm]string{ES256: `"crv":"P-256"`, SM2: `"crv":"SM2"`}[alg]
			if !strings.Contains(string(b), wantCrv) {
				t.Fatalf("%s lacks %s", b, wantCrv)
			}
			var back struct{ JWK JWK }
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if pub, ok := back.JWK.Key.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
				t.Fatalf("read back %#v", back.JWK.Key)
			}
			if got, ok := AlgorithmFor(back.JWK.Key); !ok || got != alg {
				t.Fatalf("AlgorithmFor = %s, want %s", got, alg)
			}
			if _, err := (JWK{Key: key}).MarshalJSON(); err == nil {
				t.Error("a private key was written")
			}
		})
	}
}

func TestParsePublicJWKRefuses(t *testing.T) {
	sm := holderKeys(t)[SM2]
	good, _ := JWK{Key: &sm.PublicKey}.MarshalJSON()
	var m map[string]any
	_ = json.Unmarshal(good, &m)
	withD := strings.Replace(string(good), `{`, `{"d":"AAAA",`, 1)
	dup := strings.Replace(string(good), `{`, `{"crv":"SM2",`, 1)
	offCurve := strings.Replace(string(good), m["y"].(string), m["x"].(string), 1)
	for name, in := range map[string]string{
		"private SM2": withD,
		"duplicate":   dup,
		"off curve":   offCurve,
		"not a JWK":   `{"kty":"EC"}`,
		"symmetric":   `{"kty":"oct","k":"AAAA"}`,
		"not json":    `{`,
		"trailing":    string(good) + `x`,
	} {
		if k, err := ParsePublicJWK([]byte(in)); err == nil {
			t.Errorf("%s: read %#v", name, k.Key)
		}
	}
	if _, err := ParsePublicJWK(good); err != nil {
		t.Fatal(err)
	}
}

func FuzzParsePublicJWK(f *testing.F) {
	for _, k := range holderKeys(f) {
		b, _ := JWK{Key: &k.PublicKey}.MarshalJSON()
		f.Add(string(b))
	}
	f.Add(`{"kty":"oct","k":"AAAA"}`)
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParsePublicJWK([]byte(s))
		if err != nil {
			return
		}
		if !k.IsPublic() {
			t.Fatal("read a private key")
		}
		// What it reads it writes, and reads back the same key.
		b, err := JWK(*k).MarshalJSON()
		if err != nil {
			if _, ok := AlgorithmFor(k.Key); ok {
				t.Fatalf("a key of a suite does not write: %v", err)
			}
			return
		}
		k2, err := ParsePublicJWK(b)
		if err != nil {
			t.Fatalf("%s does not read back: %v", b, err)
		}
		if e, ok := k.Key.(interface{ Equal(crypto.PublicKey) bool }); ok && !e.Equal(k2.Key) {
			t.Fatal("another key read back")
		}
	})
}
