package proofing

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/jws/jwstest"
)

const (
	fuzzIssuer = "https://netid.example"
	fuzzNonce  = "nonce-0123456789"
)

var fuzzNow = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// signDeviceProof makes a proof as a wallet does: the public key in the
// header (jwk), signed by it.
func signDeviceProof(t testing.TB, key *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{EmbedJWK: true}).WithType(credential.DeviceProofType))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	obj, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func newDeviceKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestVerifyDeviceProof: a wallet's proof passes and yields its key; the
// same proof for another audience, nonce or time, or signed by a key
// other than the one it carries, does not.
func TestVerifyDeviceProof(t *testing.T) {
	s := &Service{Issuer: fuzzIssuer}
	key := newDeviceKey(t)
	good := map[string]any{"aud": fuzzIssuer, "nonce": fuzzNonce, "iat": fuzzNow.Unix()}
	dp, err := s.verifyDeviceProof(signDeviceProof(t, key, good), fuzzNonce, fuzzNow)
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := dp.jwk.Key.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) || !dp.jwk.IsPublic() {
		t.Fatalf("key %+v", dp.jwk)
	}
	for name, c := range map[string]map[string]any{
		"other audience": {"aud": "https://evil.example", "nonce": fuzzNonce, "iat": fuzzNow.Unix()},
		"other nonce":    {"aud": fuzzIssuer, "nonce": "nonce-x", "iat": fuzzNow.Unix()},
		"stale":          {"aud": fuzzIssuer, "nonce": fuzzNonce, "iat": fuzzNow.Add(-time.Hour).Unix()},
		"future":         {"aud": fuzzIssuer, "nonce": fuzzNonce, "iat": fuzzNow.Add(time.Hour).Unix()},
	} {
		if _, err := s.verifyDeviceProof(signDeviceProof(t, key, c), fuzzNonce, fuzzNow); !errors.Is(err, ErrDeviceProof) {
			t.Errorf("%s: %v", name, err)
		}
	}
	header := `{"alg":"ES256","typ":"` + credential.DeviceProofType + `","jwk":` + publicJWK(t, newDeviceKey(t)) + `}`
	forged := jwstest.Sign(key, header, `{"aud":"`+fuzzIssuer+`","nonce":"`+fuzzNonce+`","iat":`+strconv.FormatInt(fuzzNow.Unix(), 10)+`}`)
	if _, err := s.verifyDeviceProof(forged, fuzzNonce, fuzzNow); !errors.Is(err, ErrDeviceProof) {
		t.Errorf("proof carrying another key: %v", err)
	}
}

func publicJWK(t testing.TB, k *ecdsa.PrivateKey) string {
	b, err := json.Marshal(jose.JSONWebKey{Key: k.Public()})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzVerifyDeviceProof feeds the issuance step's device proof check
// arbitrary proofs. Every refusal is ErrDeviceProof; an accepted proof
// names the platform, the application's nonce and a fresh time, and yields
// the public P-256 key it carries.
func FuzzVerifyDeviceProof(f *testing.F) {
	key := newDeviceKey(f)
	good := signDeviceProof(f, key, map[string]any{"aud": fuzzIssuer, "nonce": fuzzNonce, "iat": fuzzNow.Unix()})
	f.Add(good)
	f.Add(signDeviceProof(f, key, map[string]any{"aud": fuzzIssuer, "nonce": fuzzNonce, "iat": fuzzNow.Unix(), "aud2": 1}))
	f.Add(jwstest.Sign(key, `{"alg":"ES256","typ":"`+credential.DeviceProofType+`"}`, `{}`))
	f.Add(jwstest.Sign(key, `{"alg":"ES256","typ":"`+credential.DeviceProofType+`","jwk":{"kty":"oct","k":"AAAA"}}`, `{}`))
	f.Add(jwstest.Sign(key, `{"alg":"ES256","typ":"`+credential.DeviceProofType+`","jwk":`+publicJWK(f, key)+`}`, `{"aud":"`+fuzzIssuer+`","aud":"x"}`))
	f.Add("a.b.c")
	s := &Service{Issuer: fuzzIssuer}
	f.Fuzz(func(t *testing.T, proof string) {
		dp, err := s.verifyDeviceProof(proof, fuzzNonce, fuzzNow)
		if err != nil {
			if !errors.Is(err, ErrDeviceProof) {
				t.Fatalf("refusal %v is not ErrDeviceProof", err)
			}
			return
		}
		if dp.nonce != fuzzNonce || dp.jwk == nil || !dp.jwk.IsPublic() {
			t.Fatalf("accepted %+v", dp)
		}
		if pub, ok := dp.jwk.Key.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
			t.Fatalf("accepted a key of type %T", dp.jwk.Key)
		}
	})
}
