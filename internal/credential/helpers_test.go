package credential

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
)

const (
	testKID = "platform-2026-1"
	testAud = "https://rp.example.cn"
	testNon = "n-0S6_WzA2Mj"
)

var testNow = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

type fixture struct {
	issuerKey, holderKey *ecdsa.PrivateKey
	keys                 jose.JSONWebKeySet
	issuer               Issuer
	claims               Claims
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixedKey derives a P-256 key from label, so fuzz workers (separate
// processes) share the coordinator's keys and seed inputs stay valid.
func fixedKey(t testing.TB, label string) *ecdsa.PrivateKey {
	t.Helper()
	d := sha256.Sum256([]byte(label))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{issuerKey: fixedKey(t, "issuer"), holderKey: fixedKey(t, "holder")}
	f.keys = jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &f.issuerKey.PublicKey, KeyID: testKID, Algorithm: "ES256", Use: "sig",
	}}}
	f.issuer = Issuer{Key: f.issuerKey, KeyID: testKID, Rand: mrand.NewChaCha8([32]byte{1})}
	f.claims = Claims{
		ID:        "cred-0001",
		Issuer:    "https://netid.example.cn",
		VCT:       VCTWangzheng,
		Wanghao:   "WH7K2M9Q4X8P",
		IssuedAt:  testNow.Add(-time.Hour),
		ExpiresAt: testNow.Add(365 * 24 * time.Hour),
		Holder:    &jose.JSONWebKey{Key: &f.holderKey.PublicKey},
		Status:    Status{URI: "https://netid.example.cn/status/1", Index: 42},
		Disclosable: map[string]any{
			"age_over_18": true,
			"age_over_60": false,
			"name_digest": "q3V0aW5nLXRoZS1uYW1lLWRpZ2VzdA",
			"address":     map[string]any{"region": "110105"},
		},
	}
	return f
}

func (f *fixture) issue(t testing.TB) string {
	t.Helper()
	s, err := f.issuer.Issue(f.claims)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) present(t testing.TB, names ...string) string {
	t.Helper()
	p, err := Present(f.issue(t), names, f.holderKey, testAud, testNon, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) opts() PresentationOptions {
	return PresentationOptions{Keys: f.keys, Audience: testAud, Nonce: testNon, Now: testNow}
}

// b64 encodes s with unpadded base64url.
func b64(s string) string { return jws.B64.EncodeToString([]byte(s)) }

// rawJWT signs header.payload (both raw JSON text) with key, bypassing
// every check of the production signer.
func rawJWT(t testing.TB, key *ecdsa.PrivateKey, header, payload string) string {
	t.Helper()
	input := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + jws.B64.EncodeToString(sig)
}

// hsJWT is an HS256 JWT, as an attacker who knows the public key might
// forge one.
func hsJWT(header, payload string, secret []byte) string {
	input := b64(header) + "." + b64(payload)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + jws.B64.EncodeToString(m.Sum(nil))
}

func issuerHeader() string {
	return `{"alg":"ES256","typ":"dc+sd-jwt","kid":"` + testKID + `"}`
}

// disc encodes a disclosure of arbitrary JSON elements.
func disc(t testing.TB, elems ...any) string {
	t.Helper()
	b, err := json.Marshal(elems)
	if err != nil {
		t.Fatal(err)
	}
	return jws.B64.EncodeToString(b)
}

// payload returns a valid issuer payload for f as a map, without the 网号
// (whose disclosure callers add to sd if they want it); callers edit it.
func (f *fixture) payload(t testing.TB, sd ...string) map[string]any {
	t.Helper()
	jwk, err := json.Marshal(jws.JWK{Key: &f.holderKey.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	if sd == nil {
		sd = []string{}
	}
	return map[string]any{
		"iss":     f.claims.Issuer,
		"iat":     f.claims.IssuedAt.Unix(),
		"nbf":     f.claims.IssuedAt.Unix(),
		"exp":     f.claims.ExpiresAt.Unix(),
		"vct":     VCTWangzheng,
		"jti":     f.claims.ID,
		"cnf":     map[string]any{"jwk": json.RawMessage(jwk)},
		"status":  map[string]any{"status_list": map[string]any{"idx": 7, "uri": f.claims.Status.URI}},
		"_sd_alg": "sha-256",
		"_sd":     sd,
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sdjwt assembles jwt and disclosures into `<jwt>~<d…>~`.
func sdjwt(jwt string, discs ...string) string {
	return jwt + "~" + strings.Join(append(discs, ""), "~")
}
