package liveness

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws/jwstest"
)

var t0 = time.Date(2025, 7, 15, 10, 0, 0, 0, time.UTC)

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type fixture struct {
	signer   Signer
	verifier Verifier
	want     Expect
	req      Request
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	s := Signer{Issuer: "devliveness", Key: newKey(t), KeyID: "k1", Score: 0.93, Now: func() time.Time { return t0 }}
	face := FaceHash([]byte("chip face image"))
	return fixture{
		signer:   s,
		verifier: Verifier{Trusted: map[string]jose.JSONWebKeySet{"devliveness": s.JWKS()}, Threshold: 0.8, MaxAge: 5 * time.Minute},
		want:     Expect{Challenge: "challenge-abc", ApplicationID: "app-1", FaceImageHash: face},
		req:      Request{Challenge: "challenge-abc", ApplicationID: "app-1", FaceImageHash: face},
	}
}

// signRaw signs arbitrary claims with key, for crafting bad attestations.
func signRaw(t testing.TB, key any, alg jose.SignatureAlgorithm, kid, typ string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithHeader("kid", kid)
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := sig.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func goodClaims(f fixture) map[string]any {
	return map[string]any{
		"iss":         f.signer.Issuer,
		"iat":         t0.Unix(),
		"exp":         t0.Add(2 * time.Minute).Unix(),
		"challenge":   f.want.Challenge,
		"application": f.want.ApplicationID,
		"face_hash":   encodeFaceHash(f.want.FaceImageHash),
		"score":       0.9,
		"live":        true,
	}
}

func TestSignerVerifyRoundTrip(t *testing.T) {
	f := newFixture(t)
	att, err := f.signer.Attest(context.Background(), f.req)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.verifier.Verify(att, f.want, t0.Add(10*time.Second))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res != (Result{Provider: "devliveness", Score: 0.93}) {
		t.Fatalf("result = %+v", res)
	}
}

func TestPeekChallenge(t *testing.T) {
	f := newFixture(t)
	att, err := f.signer.Attest(context.Background(), f.req)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := PeekChallenge(att); err != nil || got != f.req.Challenge {
		t.Fatalf("PeekChallenge = %q, %v", got, err)
	}
	for _, bad := range []string{"", "a.b.c", signRaw(t, f.signer.Key, jose.ES256, "k1", TokenType, map[string]any{"iss": "x"})} {
		if _, err := PeekChallenge(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("PeekChallenge(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestVerifyFailures(t *testing.T) {
	f := newFixture(t)
	key := f.signer.Key.(*ecdsa.PrivateKey)
	other := newKey(t)
	with := func(k string, v any) map[string]any {
		c := goodClaims(f)
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	now := t0.Add(10 * time.Second)
	noneToken := "eyJhbGciOiJub25lIiwidHlwIjoibGl2ZW5lc3Mrand0Iiwia2lkIjoiazEifQ." +
		"eyJpc3MiOiJkZXZsaXZlbmVzcyJ9."

	tests := []struct {
		name string
		att  string
		now  time.Time
		want error
	}{
		{"alg none", noneToken, now, ErrInvalid},
		{"HS256", signRaw(t, []byte("0123456789abcdef0123456789abcdef"), jose.HS256, "k1", TokenType, goodClaims(f)), now, ErrInvalid},
		{"ES384", signRaw(t, mustKey(t, elliptic.P384()), jose.ES384, "k1", TokenType, goodClaims(f)), now, ErrInvalid},
		{"garbage", "not.a.jws", now, ErrInvalid},
		{"empty", "", now, ErrInvalid},
		{"wrong typ", signRaw(t, key, jose.ES256, "k1", "JWT", goodClaims(f)), now, ErrInvalid},
		{"no typ", signRaw(t, key, jose.ES256, "k1", "", goodClaims(f)), now, ErrInvalid},
		{"no kid", signRaw(t, key, jose.ES256, "", TokenType, goodClaims(f)), now, ErrInvalid},
		{"other key same kid", signRaw(t, other, jose.ES256, "k1", TokenType, goodClaims(f)), now, ErrUntrusted},
		{"unknown kid", signRaw(t, key, jose.ES256, "k2", TokenType, goodClaims(f)), now, ErrUntrusted},
		{"unknown issuer", signRaw(t, key, jose.ES256, "k1", TokenType, with("iss", "evil")), now, ErrUntrusted},
		{"no issuer", signRaw(t, key, jose.ES256, "k1", TokenType, with("iss", nil)), now, ErrUntrusted},
		{"missing iat", signRaw(t, key, jose.ES256, "k1", TokenType, with("iat", nil)), now, ErrInvalid},
		{"missing exp", signRaw(t, key, jose.ES256, "k1", TokenType, with("exp", nil)), now, ErrInvalid},
		{"missing score", signRaw(t, key, jose.ES256, "k1", TokenType, with("score", nil)), now, ErrInvalid},
		{"score above 1", signRaw(t, key, jose.ES256, "k1", TokenType, with("score", 1.5)), now, ErrInvalid},
		{"score negative", signRaw(t, key, jose.ES256, "k1", TokenType, with("score", -0.1)), now, ErrInvalid},
		{"score string", signRaw(t, key, jose.ES256, "k1", TokenType, with("score", "0.9")), now, ErrInvalid},
		{"missing live", signRaw(t, key, jose.ES256, "k1", TokenType, with("live", nil)), now, ErrInvalid},
		{"missing challenge", signRaw(t, key, jose.ES256, "k1", TokenType, with("challenge", nil)), now, ErrInvalid},
		{"bad face hash", signRaw(t, key, jose.ES256, "k1", TokenType, with("face_hash", "AAAA")), now, ErrInvalid},
		{"expired", signRaw(t, key, jose.ES256, "k1", TokenType, goodClaims(f)), t0.Add(2 * time.Minute), ErrExpired},
		{"older than MaxAge", signRaw(t, key, jose.ES256, "k1", TokenType, with("exp", t0.Add(time.Hour).Unix())), t0.Add(6 * time.Minute), ErrExpired},
		{"issued in the future", signRaw(t, key, jose.ES256, "k1", TokenType, goodClaims(f)), t0.Add(-time.Minute), ErrInvalid},
		{"wrong challenge", signRaw(t, key, jose.ES256, "k1", TokenType, with("challenge", "challenge-abd")), now, ErrMismatch},
		{"wrong application", signRaw(t, key, jose.ES256, "k1", TokenType, with("application", "app-2")), now, ErrMismatch},
		{"wrong face hash", signRaw(t, key, jose.ES256, "k1", TokenType, with("face_hash", encodeFaceHash(FaceHash([]byte("x"))))), now, ErrMismatch},
		{"not live", signRaw(t, key, jose.ES256, "k1", TokenType, with("live", false)), now, ErrNotLive},
		{"below threshold", signRaw(t, key, jose.ES256, "k1", TokenType, with("score", 0.79)), now, ErrBelowThreshold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.verifier.Verify(tt.att, f.want, tt.now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
		})
	}

	// Within the clock skew allowance, and exactly at the threshold, pass.
	ok := signRaw(t, key, jose.ES256, "k1", TokenType, with("score", 0.8))
	if _, err := f.verifier.Verify(ok, f.want, t0.Add(-MaxClockSkew)); err != nil {
		t.Fatalf("Verify at skew edge and threshold: %v", err)
	}
}

func mustKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestVerifyMisconfigured(t *testing.T) {
	f := newFixture(t)
	att, err := f.signer.Attest(context.Background(), f.req)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		v    Verifier
		want Expect
	}{
		{"zero threshold", Verifier{Trusted: f.verifier.Trusted}, f.want},
		{"threshold above 1", Verifier{Trusted: f.verifier.Trusted, Threshold: 1.1}, f.want},
		{"empty challenge", f.verifier, Expect{ApplicationID: "app-1", FaceImageHash: f.want.FaceImageHash}},
	} {
		if _, err := tc.v.Verify(att, tc.want, t0); err == nil {
			t.Errorf("%s: Verify succeeded", tc.name)
		}
	}
	if _, err := (Verifier{Threshold: 0.5}).Verify(att, f.want, t0); !errors.Is(err, ErrUntrusted) {
		t.Errorf("empty trust list: err = %v, want ErrUntrusted", err)
	}
}

// opaqueKey hides the concrete key type, exercising the crypto.Signer path.
type opaqueKey struct{ k *ecdsa.PrivateKey }

func (o opaqueKey) Public() crypto.PublicKey { return o.k.Public() }
func (o opaqueKey) Sign(r io.Reader, d []byte, opts crypto.SignerOpts) ([]byte, error) {
	return o.k.Sign(r, d, opts)
}

func TestSignerCryptoSigner(t *testing.T) {
	f := newFixture(t)
	f.signer.Key = opaqueKey{f.signer.Key.(*ecdsa.PrivateKey)}
	att, err := f.signer.Attest(context.Background(), f.req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.verifier.Verify(att, f.want, t0); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestSignerRejects(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	bad := f.signer
	bad.Key = mustKey(t, elliptic.P384())
	score := f.signer
	score.Score = 1.2
	for _, tc := range []struct {
		name string
		s    Signer
		ctx  context.Context
		r    Request
	}{
		{"P-384 key", bad, ctx, f.req},
		{"score", score, ctx, f.req},
		{"no key", Signer{Issuer: "x", KeyID: "k"}, ctx, f.req},
		{"no challenge", f.signer, ctx, Request{ApplicationID: "a"}},
		{"cancelled", f.signer, cancelled, f.req},
	} {
		if _, err := tc.s.Attest(tc.ctx, tc.r); err == nil {
			t.Errorf("%s: Attest succeeded", tc.name)
		}
	}
}

func TestLoadTrust(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	write := func(name string, v any) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("devliveness.json", f.signer.JWKS())
	write("README.txt", "ignored")
	trusted, err := LoadTrust(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(trusted) != 1 || len(trusted["devliveness"].Keys) != 1 {
		t.Fatalf("trusted = %+v", trusted)
	}
	v := Verifier{Trusted: trusted, Threshold: 0.5}
	att, err := f.signer.Attest(context.Background(), f.req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(att, f.want, t0); err != nil {
		t.Fatalf("Verify with loaded trust: %v", err)
	}

	missing, err := LoadTrust(filepath.Join(dir, "nope"))
	if err != nil || len(missing) != 0 {
		t.Fatalf("missing dir: %v, %v", missing, err)
	}

	key := f.signer.Key.(*ecdsa.PrivateKey)
	for name, content := range map[string]any{
		"private":   jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "k1"}}},
		"empty":     jose.JSONWebKeySet{},
		"p384":      jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: mustKey(t, elliptic.P384()).Public(), KeyID: "k"}}},
		"nokid":     jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public()}}},
		"notjwks":   []int{1, 2},
		"bad name!": f.signer.JWKS(),
	} {
		bad := t.TempDir()
		dir = bad
		write(name+".json", content)
		if _, err := LoadTrust(bad); err == nil {
			t.Errorf("%s: LoadTrust succeeded", name)
		}
	}
}

func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	good, err := fx.signer.Attest(context.Background(), fx.req)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add(good[:len(good)-3] + "AAA")
	f.Fuzz(func(t *testing.T, att string) {
		_, _ = PeekChallenge(att)
		res, err := fx.verifier.Verify(att, fx.want, t0)
		if err == nil && (res.Provider != "devliveness" || res.Score < fx.verifier.Threshold || res.Score > 1) {
			t.Fatalf("accepted with result %+v", res)
		}
	})
}

// TestVerifyJOSEProfile shows the checks every netid JWS gets: the typ
// compared by the RFC 7515 §4.1.9 rule, and duplicate claims, the JSON
// serialization and crit refused.
func TestVerifyJOSEProfile(t *testing.T) {
	f := newFixture(t)
	key := f.signer.Key.(*ecdsa.PrivateKey)
	now := t0.Add(10 * time.Second)
	payload := func(extra string) string {
		b, _ := json.Marshal(goodClaims(f))
		return strings.TrimSuffix(string(b), "}") + extra + "}"
	}
	good := jwstest.Sign(key, jwstest.Header(TokenType, "k1", nil), payload(""))
	tests := []struct {
		name string
		att  string
		want error
	}{
		{"typ with application/ prefix", jwstest.Sign(key, jwstest.Header("application/"+TokenType, "k1", nil), payload("")), nil},
		{"typ in upper case", jwstest.Sign(key, jwstest.Header(strings.ToUpper(TokenType), "k1", nil), payload("")), nil},
		{"duplicate score", jwstest.Sign(key, jwstest.Header(TokenType, "k1", nil), payload(`,"score":0.1`)), ErrInvalid},
		{"duplicate issuer in other case", jwstest.Sign(key, jwstest.Header(TokenType, "k1", nil), payload(`,"ISS":"devliveness"`)), ErrInvalid},
		{"crit", jwstest.Sign(key, jwstest.Header(TokenType, "k1", map[string]any{"crit": []string{"exp"}}), payload("")), ErrInvalid},
		{"JSON serialization", jwstest.JSONSerialization(good), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.verifier.Verify(tt.att, f.want, now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
		})
	}
}
