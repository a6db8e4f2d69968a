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

	"github.com/netid-project/netid/internal/strictjson"
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

// viaGoJose is what PublicJWKFromObject returned for every JWK before its
// P-256 path: go-jose's reading of the object written back to JSON.
func viaGoJose(m map[string]any) (*jose.JSONWebKey, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return &k, nil
}

// sameJWK reports whether a and b hold the same public key and members.
func sameJWK(a, b *jose.JSONWebKey) bool {
	pa, ok1 := a.Key.(*ecdsa.PublicKey)
	pb, ok2 := b.Key.(*ecdsa.PublicKey)
	return ok1 && ok2 && pa.Equal(pb) && a.KeyID == b.KeyID && a.Algorithm == b.Algorithm &&
		a.Use == b.Use && len(a.Certificates) == 0 && len(b.Certificates) == 0 && a.CertificatesURL == nil && b.CertificatesURL == nil
}

func TestP256JWKAsGoJose(t *testing.T) {
	key := newKey(t)
	good, err := JWK{Key: &key.PublicKey}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(good, &m); err != nil {
		t.Fatal(err)
	}
	x, y := m["x"].(string), m["y"].(string)
	with := func(extra string) string { return strings.Replace(string(good), "{", "{"+extra+",", 1) }
	for _, tc := range []struct {
		name string
		in   string
		fast bool // read by the P-256 path, not go-jose
		ok   bool // read at all
	}{
		{"plain", string(good), true, true},
		{"kid alg use", with(`"kid":"k1","alg":"ES256","use":"sig"`), true, true},
		{"x5t", with(`"x5t":"` + B64.EncodeToString(make([]byte, 20)) + `"`), false, true},
		{"bad x5t", with(`"x5t":"AAAA"`), false, false},
		{"key_ops", with(`"key_ops":["verify"]`), false, true},
		{"kid not a string", with(`"kid":1`), false, false},
		{"padded x", strings.Replace(string(good), x, x+"=", 1), false, false},
		{"short x", strings.Replace(string(good), x, x[:42], 1), false, false},
		{"off curve", strings.Replace(string(good), y, x, 1), false, false},
		{"P-384 crv", strings.Replace(string(good), `"P-256"`, `"P-384"`, 1), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := strictjson.DecodeObject([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			fast, isFast := p256JWKFromObject(obj)
			if isFast != tc.fast {
				t.Fatalf("read by the P-256 path: %v, want %v", isFast, tc.fast)
			}
			got, err := PublicJWKFromObject(obj)
			if (err == nil) != tc.ok {
				t.Fatalf("PublicJWKFromObject: %v, want read: %v", err, tc.ok)
			}
			slow, serr := viaGoJose(obj)
			if (serr == nil) != tc.ok {
				t.Fatalf("go-jose: %v, want read: %v", serr, tc.ok)
			}
			if isFast && !sameJWK(fast, slow) {
				t.Fatalf("P-256 path %+v, go-jose %+v", fast, slow)
			}
			if tc.ok && got.Key == nil {
				t.Fatal("no key")
			}
		})
	}
}

// Whatever the P-256 path reads, go-jose reads the same.
func FuzzP256JWKAsGoJose(f *testing.F) {
	key := newKey(f)
	good, _ := JWK{Key: &key.PublicKey}.MarshalJSON()
	f.Add(string(good))
	f.Add(strings.Replace(string(good), "{", `{"kid":"k","alg":"ES256","use":"sig",`, 1))
	f.Fuzz(func(t *testing.T, s string) {
		obj, err := strictjson.DecodeObject([]byte(s))
		if err != nil {
			return
		}
		fast, ok := p256JWKFromObject(obj)
		if !ok {
			return
		}
		slow, err := viaGoJose(obj)
		if err != nil {
			t.Fatalf("the P-256 path read %s, go-jose refuses it: %v", s, err)
		}
		if !sameJWK(fast, slow) {
			t.Fatalf("P-256 path %+v, go-jose %+v", fast, slow)
		}
	})
}

func BenchmarkParsePublicJWK(b *testing.B) {
	key := newKey(b)
	good, _ := JWK{Key: &key.PublicKey}.MarshalJSON()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePublicJWK(good); err != nil {
			b.Fatal(err)
		}
	}
}
