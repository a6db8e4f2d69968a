package guardian

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/netid-project/netid/internal/jws/jwstest"
)

const issuer = "https://relationship.authority.example"

var (
	now   = time.Date(2025, time.July, 15, 9, 0, 0, 0, time.UTC)
	claim = Claim{Guardian: "NETID2025ABCDEFI", ChildRef: "bi1:Zm9vYmFy", Relationship: Parent}
)

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixture is an authority and a verifier that trusts it.
type fixture struct {
	auth Authority
	v    *JWSVerifier
}

func newFixture(t testing.TB) fixture {
	a := Authority{Issuer: issuer, Key: newKey(t), KeyID: "k1"}
	return fixture{auth: a, v: &JWSVerifier{Trusted: map[string]jose.JSONWebKeySet{issuer: a.JWKS()}}}
}

func (f fixture) attest(t testing.TB, c Claim) string {
	t.Helper()
	tok, err := f.auth.Attest(c, now, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// sign signs an arbitrary claims set with key under the given headers, for
// tokens Authority would not produce.
func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, typ string, body any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	var sk any = key
	if kid != "" {
		sk = jose.JSONWebKey{Key: key, KeyID: kid}
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: sk}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(body).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func body(c Claim, iat, exp time.Time) map[string]any {
	return map[string]any{
		"iss": issuer, "iat": iat.Unix(), "exp": exp.Unix(),
		"guardian": c.Guardian, "child_ref": c.ChildRef, "relationship": c.Relationship,
	}
}

func b64(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestVerifyValid(t *testing.T) {
	f := newFixture(t)
	guardianClaim := claim
	guardianClaim.Relationship = Guardian
	for _, tc := range []struct {
		name string
		tok  string
		want Claim
		at   time.Time
	}{
		{"parent", f.attest(t, claim), claim, now},
		{"any relationship", f.attest(t, claim), Claim{Guardian: claim.Guardian, ChildRef: claim.ChildRef}, now},
		{"guardian", f.attest(t, guardianClaim), guardianClaim, now},
		{"just before expiry", f.attest(t, claim), claim, now.Add(30 * 24 * time.Hour).Add(-time.Second)},
		{"within clock skew of iat", f.attest(t, claim), claim, now.Add(-30 * time.Second)},
		{"no kid", sign(t, jose.ES256, f.auth.Key, "", TokenType, body(claim, now, now.Add(time.Hour))), claim, now},
		{"application/ typ", sign(t, jose.ES256, f.auth.Key, "k1", "application/"+TokenType, body(claim, now, now.Add(time.Hour))), claim, now},
		{"upper-case typ", sign(t, jose.ES256, f.auth.Key, "k1", strings.ToUpper(TokenType), body(claim, now, now.Add(time.Hour))), claim, now},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := f.v.Verify(context.Background(), tc.tok, tc.want, tc.at); err != nil {
				t.Fatalf("Verify = %v, want nil", err)
			}
		})
	}
}

func TestVerifyFailures(t *testing.T) {
	f := newFixture(t)
	other := newKey(t)
	good := f.attest(t, claim)
	parts := strings.Split(good, ".")
	hour := now.Add(time.Hour)

	tamperedClaim := claim
	tamperedClaim.Guardian = "0000000000000000"
	tampered := parts[0] + "." + b64(body(tamperedClaim, now, hour)) + "." + parts[2]
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[0] ^= 1
	badSig := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)

	none := b64(map[string]any{"alg": "none", "typ": TokenType, "kid": "k1"}) + "." + b64(body(claim, now, hour)) + "."

	// HS256 with the authority's public key as the HMAC secret (key
	// confusion).
	pubJWK := f.auth.JWKS().Keys[0]
	pubJSON, _ := pubJWK.MarshalJSON()
	hs256 := sign(t, jose.HS256, pubJSON, "k1", TokenType, body(claim, now, hour))

	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	es384 := sign(t, jose.ES384, p384, "k1", TokenType, body(claim, now, hour))
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rs256 := sign(t, jose.RS256, rsaKey, "k1", TokenType, body(claim, now, hour))

	mk := func(m map[string]any, drop ...string) string {
		for _, k := range drop {
			delete(m, k)
		}
		return sign(t, jose.ES256, f.auth.Key, "k1", TokenType, m)
	}
	withRel := func(r string) map[string]any {
		m := body(claim, now, hour)
		m["relationship"] = r
		return m
	}
	untrustedIss := body(claim, now, hour)
	untrustedIss["iss"] = "https://rogue.example"

	// JSON serialization instead of compact.
	js, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: f.auth.Key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType(TokenType))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(body(claim, now, hour))
	jws, err := js.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	full := jws.FullSerialize()

	wrongGuardian := claim
	wrongGuardian.Guardian = "ZZZZ2025ABCDEFI0"
	wrongChild := claim
	wrongChild.ChildRef = "bi1:other"
	wrongRel := claim
	wrongRel.Relationship = Guardian

	for _, tc := range []struct {
		name string
		tok  string
		want Claim
		at   time.Time
		err  error
	}{
		{"untrusted issuer", mk(untrustedIss), claim, now, ErrUntrusted},
		{"untrusted authority", must(Authority{Issuer: "https://rogue.example", Key: other}.Attest(claim, now, time.Hour)), claim, now, ErrUntrusted},
		{"empty issuer", mk(body(claim, now, hour), "iss"), claim, now, ErrUntrusted},
		{"other key, other kid", sign(t, jose.ES256, other, "k2", TokenType, body(claim, now, hour)), claim, now, ErrUntrusted},
		{"other key, same kid", sign(t, jose.ES256, other, "k1", TokenType, body(claim, now, hour)), claim, now, ErrInvalid},
		{"other key, no kid", sign(t, jose.ES256, other, "", TokenType, body(claim, now, hour)), claim, now, ErrInvalid},
		{"expired", good, claim, now.Add(30*24*time.Hour + time.Minute), ErrExpired},
		{"expired long ago", good, claim, now.AddDate(1, 0, 0), ErrExpired},
		{"issued in the future", good, claim, now.Add(-2 * time.Minute), ErrInvalid},
		{"exp before iat", mk(body(claim, now, now.Add(-time.Hour))), claim, now, ErrInvalid},
		{"no exp", mk(body(claim, now, hour), "exp"), claim, now, ErrInvalid},
		{"no iat", mk(body(claim, now, hour), "iat"), claim, now, ErrInvalid},
		{"no guardian", mk(body(claim, now, hour), "guardian"), claim, now, ErrInvalid},
		{"no child_ref", mk(body(claim, now, hour), "child_ref"), claim, now, ErrInvalid},
		{"no relationship", mk(body(claim, now, hour), "relationship"), Claim{Guardian: claim.Guardian, ChildRef: claim.ChildRef}, now, ErrInvalid},
		{"unknown relationship", mk(withRel("uncle")), Claim{Guardian: claim.Guardian, ChildRef: claim.ChildRef}, now, ErrInvalid},
		{"wrong guardian", good, wrongGuardian, now, ErrMismatch},
		{"wrong child", good, wrongChild, now, ErrMismatch},
		{"wrong relationship", good, wrongRel, now, ErrMismatch},
		{"empty want", good, Claim{}, now, ErrMismatch},
		{"tampered payload", tampered, claim, now, ErrInvalid},
		{"tampered signature", badSig, claim, now, ErrInvalid},
		{"alg none", none, claim, now, ErrInvalid},
		{"alg HS256", hs256, claim, now, ErrInvalid},
		{"alg ES384", es384, claim, now, ErrInvalid},
		{"alg RS256", rs256, claim, now, ErrInvalid},
		{"no typ", sign(t, jose.ES256, f.auth.Key, "k1", "", body(claim, now, hour)), claim, now, ErrInvalid},
		{"typ JWT", sign(t, jose.ES256, f.auth.Key, "k1", "JWT", body(claim, now, hour)), claim, now, ErrInvalid},
		{"JSON serialization", full, claim, now, ErrInvalid},
		{"empty", "", claim, now, ErrInvalid},
		{"garbage", "not.a.token", claim, now, ErrInvalid},
		{"too long", good + strings.Repeat("A", 10000), claim, now, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.v.Verify(context.Background(), tc.tok, tc.want, tc.at)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Verify = %v, want %v", err, tc.err)
			}
			for _, s := range []error{ErrUntrusted, ErrInvalid, ErrMismatch, ErrExpired} {
				if s != tc.err && errors.Is(err, s) {
					t.Errorf("error %v also matches %v", err, s)
				}
			}
			msg := err.Error()
			if strings.Contains(msg, claim.Guardian) || strings.Contains(msg, claim.ChildRef) {
				t.Errorf("error %q contains personal data", msg)
			}
		})
	}
}

// must returns tok, panicking on error; for table entries.
func must(tok string, err error) string {
	if err != nil {
		panic(err)
	}
	return tok
}

func TestVerifyMaxAge(t *testing.T) {
	f := newFixture(t)
	f.v.MaxAge = 24 * time.Hour
	tok := f.attest(t, claim) // valid for 30 days
	if err := f.v.Verify(context.Background(), tok, claim, now.Add(24*time.Hour)); err != nil {
		t.Errorf("at MaxAge: %v, want nil", err)
	}
	if err := f.v.Verify(context.Background(), tok, claim, now.Add(25*time.Hour)); !errors.Is(err, ErrExpired) {
		t.Errorf("past MaxAge: %v, want ErrExpired", err)
	}
}

func TestVerifyKeyRotation(t *testing.T) {
	old := newFixture(t)
	next := Authority{Issuer: issuer, Key: newKey(t), KeyID: "k2"}
	set := jose.JSONWebKeySet{Keys: append(old.auth.JWKS().Keys, next.JWKS().Keys...)}
	v := &JWSVerifier{Trusted: map[string]jose.JSONWebKeySet{issuer: set}}
	for _, a := range []Authority{old.auth, next} {
		tok, err := a.Attest(claim, now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(context.Background(), tok, claim, now); err != nil {
			t.Errorf("key %s: %v", a.KeyID, err)
		}
	}
}

func TestVerifyContext(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.v.Verify(ctx, f.attest(t, claim), claim, now); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify(cancelled) = %v, want context.Canceled", err)
	}
}

// opaqueSigner hides an ECDSA key behind crypto.Signer, like an HSM key.
type opaqueSigner struct{ k *ecdsa.PrivateKey }

func (s opaqueSigner) Public() crypto.PublicKey { return s.k.Public() }
func (s opaqueSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return s.k.Sign(r, d, o)
}

func TestAuthorityCryptoSignerAndThumbprint(t *testing.T) {
	a := Authority{Issuer: issuer, Key: opaqueSigner{newKey(t)}}
	jwks := a.JWKS()
	if len(jwks.Keys) != 1 || jwks.Keys[0].KeyID == "" || !jwks.Keys[0].IsPublic() {
		t.Fatalf("JWKS = %+v, want one public key with a thumbprint key ID", jwks)
	}
	tok, err := a.Attest(claim, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	v := &JWSVerifier{Trusted: map[string]jose.JSONWebKeySet{issuer: jwks}}
	if err := v.Verify(context.Background(), tok, claim, now); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	h := strings.Split(tok, ".")[0]
	raw, _ := base64.RawURLEncoding.DecodeString(h)
	var hdr map[string]any
	if err := json.Unmarshal(raw, &hdr); err != nil {
		t.Fatal(err)
	}
	if hdr["alg"] != "ES256" || hdr["typ"] != TokenType || hdr["kid"] != jwks.Keys[0].KeyID || hdr["jwk"] != nil {
		t.Errorf("header = %v", hdr)
	}
}

func TestAttestErrors(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	k := newKey(t)
	for _, tc := range []struct {
		name     string
		a        Authority
		c        Claim
		validity time.Duration
	}{
		{"no issuer", Authority{Key: k}, claim, time.Hour},
		{"no key", Authority{Issuer: issuer}, claim, time.Hour},
		{"RSA key", Authority{Issuer: issuer, Key: rsaKey}, claim, time.Hour},
		{"P-384 key", Authority{Issuer: issuer, Key: p384}, claim, time.Hour},
		{"no guardian", Authority{Issuer: issuer, Key: k}, Claim{ChildRef: "x", Relationship: Parent}, time.Hour},
		{"no child", Authority{Issuer: issuer, Key: k}, Claim{Guardian: "x", Relationship: Parent}, time.Hour},
		{"bad relationship", Authority{Issuer: issuer, Key: k}, Claim{Guardian: "x", ChildRef: "y", Relationship: "uncle"}, time.Hour},
		{"zero validity", Authority{Issuer: issuer, Key: k}, claim, 0},
	} {
		if _, err := tc.a.Attest(tc.c, now, tc.validity); err == nil {
			t.Errorf("%s: Attest succeeded", tc.name)
		}
	}
	for _, c := range []Claim{
		{ChildRef: "x", Relationship: Parent},
		{Guardian: "x", Relationship: Parent},
		{Guardian: "x", ChildRef: "y", Relationship: "uncle"},
		{Guardian: "x\x00", ChildRef: "y", Relationship: Parent},
		{Guardian: "x", ChildRef: "y z", Relationship: Parent},
		{Guardian: "x", ChildRef: strings.Repeat("y", 129), Relationship: Parent},
		{Guardian: "网号", ChildRef: "y", Relationship: Parent},
	} {
		if _, err := (Authority{Issuer: issuer, Key: k}).Attest(c, now, time.Hour); !errors.Is(err, ErrInvalidClaim) {
			t.Errorf("Attest(%+q) = %v, want ErrInvalidClaim", c, err)
		}
	}
	if got := (Authority{Issuer: issuer, Key: rsaKey}).JWKS(); len(got.Keys) != 0 {
		t.Errorf("JWKS of RSA authority = %+v, want empty", got)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadTrust(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	writeJSON(t, filepath.Join(dir, url.PathEscape(issuer)+".json"), f.auth.JWKS())
	writeJSON(t, filepath.Join(dir, "dev.json"), Authority{Issuer: "dev", Key: newKey(t)}.JWKS())
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	trusted, err := LoadTrust(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(trusted) != 2 || len(trusted[issuer].Keys) != 1 || len(trusted["dev"].Keys) != 1 {
		t.Fatalf("LoadTrust = %v", trusted)
	}
	v := &JWSVerifier{Trusted: trusted}
	if err := v.Verify(context.Background(), f.attest(t, claim), claim, now); err != nil {
		t.Errorf("Verify with loaded trust = %v", err)
	}

	missing, err := LoadTrust(filepath.Join(dir, "missing"))
	if err != nil || missing == nil || len(missing) != 0 {
		t.Errorf("LoadTrust(missing) = %v, %v; want empty, nil", missing, err)
	}
}

func TestLoadTrustErrors(t *testing.T) {
	k := newKey(t)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, tc := range []struct {
		name    string
		file    string
		content any
	}{
		{"private key", "a.json", jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k, KeyID: "k"}}}},
		{"RSA key", "a.json", jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: rsaKey.Public(), KeyID: "k"}}}},
		{"encryption key", "a.json", jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "k", Use: "enc"}}}},
		{"empty set", "a.json", jose.JSONWebKeySet{}},
		{"not JSON", "a.json", "{"},
		{"bad escape", "%zz.json", Authority{Issuer: "x", Key: k}.JWKS()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if s, ok := tc.content.(string); ok {
				if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(s), 0o600); err != nil {
					t.Fatal(err)
				}
			} else {
				writeJSON(t, filepath.Join(dir, tc.file), tc.content)
			}
			if _, err := LoadTrust(dir); err == nil {
				t.Fatal("LoadTrust succeeded")
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	good := fx.attest(f, claim)
	parts := strings.Split(good, ".")
	for _, s := range []string{
		good, "", "..", "a.b.c", parts[0] + "." + parts[1] + ".",
		parts[0] + ".e30." + parts[2], "eyJhbGciOiJub25lIn0.e30.",
		good + ".x", strings.Replace(good, ".", "..", 1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := fx.v.Verify(context.Background(), s, claim, now)
		if err == nil {
			return
		}
		for _, sentinel := range []error{ErrUntrusted, ErrInvalid, ErrMismatch, ErrExpired} {
			if errors.Is(err, sentinel) {
				return
			}
		}
		t.Fatalf("Verify error %v wraps no sentinel", err)
	})
}

// TestVerifyStrictJSON: evidence whose header or claims hold a duplicate
// key, or that carries crit, is refused, whichever duplicate a parser
// would keep.
func TestVerifyStrictJSON(t *testing.T) {
	f := newFixture(t)
	key := f.auth.Key.(*ecdsa.PrivateKey)
	claims, err := json.Marshal(body(claim, now, now.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	with := func(extra string) string { return strings.TrimSuffix(string(claims), "}") + extra + "}" }
	tests := []struct{ name, evidence string }{
		{"duplicate guardian", jwstest.Sign(key, jwstest.Header(TokenType, "k1", nil), with(`,"guardian":"NETID2025OTHERXX"`))},
		{"duplicate relationship in other case", jwstest.Sign(key, jwstest.Header(TokenType, "k1", nil), with(`,"Relationship":"guardian"`))},
		{"duplicate typ", jwstest.Sign(key, `{"alg":"ES256","kid":"k1","typ":"JWT","typ":"`+TokenType+`"}`, string(claims))},
		{"crit", jwstest.Sign(key, jwstest.Header(TokenType, "k1", map[string]any{"crit": []string{"x"}, "x": 1}), string(claims))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.v.Verify(context.Background(), tt.evidence, claim, now); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify = %v, want ErrInvalid", err)
			}
		})
	}
	if err := f.v.Verify(context.Background(), jwstest.Sign(key, jwstest.Header(TokenType, "k1", nil), string(claims)), claim, now); err != nil {
		t.Fatalf("the same evidence without duplicates: %v", err)
	}
}
