package credential

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// smIssuerFixture is newFixture with an SM2 issuer key: what an sm deployment
// issues.
func smIssuerFixture(t testing.TB) (*fixture, *sm2.PrivateKey) {
	t.Helper()
	f := newFixture(t)
	d := sha256.Sum256([]byte("sm issuer"))
	key, err := sm2.NewPrivateKey(d[:])
	if err != nil {
		t.Fatal(err)
	}
	f.issuer.Key = key
	f.keys = jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &key.PublicKey, KeyID: testKID, Algorithm: string(jws.SM2), Use: "sig",
	}}}
	// The holder's key is of the issuer's suite.
	h := sha256.Sum256([]byte("sm holder"))
	holder, err := sm2.NewPrivateKey(h[:])
	if err != nil {
		t.Fatal(err)
	}
	f.holderKey = &holder.PrivateKey
	f.claims.Holder = &jose.JSONWebKey{Key: &f.holderKey.PublicKey}
	return f, key
}

// sm3B64 is base64url(SM3(s)), computed with gmsm's sm3 directly rather
// than through the suite.
func sm3B64(s string) string {
	sum := sm3.Sum([]byte(s))
	return jws.B64.EncodeToString(sum[:])
}

func unverifiedPayload(t *testing.T, jwt string) (jws.Header, map[string]any) {
	t.Helper()
	tok, err := jws.Parse(jwt, jws.Expect{Typ: TypSDJWT})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Header, tok.UnverifiedObject()
}

// TestSMIssuePresentVerify: an SD-JWT issued under an SM2 key is signed
// with SM2, names _sd_alg "sm3" and holds the SM3 digests of its
// disclosures; the holder presents it with sd_hash under SM3; the
// verifier accepts it under the SM suite and refuses it under ES256.
func TestSMIssuePresentVerify(t *testing.T) {
	f, _ := smIssuerFixture(t)
	issued := f.issue(t)
	parts := strings.Split(issued, "~")
	h, payload := unverifiedPayload(t, parts[0])
	if h.Alg != jws.SM2 {
		t.Fatalf("alg %s, want SM2", h.Alg)
	}
	if payload["_sd_alg"] != "sm3" {
		t.Fatalf("_sd_alg %v, want sm3", payload["_sd_alg"])
	}
	var sd []string
	for _, v := range payload["_sd"].([]any) {
		sd = append(sd, v.(string))
	}
	discs := parts[1 : len(parts)-1]
	if len(discs) != len(f.claims.Disclosable)+1 || len(sd) < len(discs)+minDecoys {
		t.Fatalf("%d disclosures and %d digests", len(discs), len(sd))
	}
	for _, d := range discs {
		if !slices.Contains(sd, sm3B64(d)) {
			t.Errorf("the SM3 digest of disclosure %s is not in _sd", d)
		}
		sum := sha256.Sum256([]byte(d))
		if slices.Contains(sd, jws.B64.EncodeToString(sum[:])) {
			t.Errorf("the SHA-256 digest of disclosure %s is in _sd", d)
		}
	}

	got, err := Verify(issued, f.keys, testNow)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Claims.Wanghao != f.claims.Wanghao || got.Disclosed["age_over_18"] != true {
		t.Errorf("Verify: claims %+v", got.Claims)
	}
	if got, err := DecodeUnverified(issued); err != nil || got.Claims.Wanghao != f.claims.Wanghao {
		t.Errorf("DecodeUnverified: %v", err)
	}

	p, err := Present(issued, []string{"age_over_18"}, f.holderKey, testAud, testNon, testNow)
	if err != nil {
		t.Fatal(err)
	}
	kb := p[strings.LastIndex(p, "~")+1:]
	var kbClaims map[string]any
	if _, err := jws.VerifyClaims(kb, jws.Expect{Typ: TypKB, Keys: jws.PublicKey(&f.holderKey.PublicKey)}, &kbClaims); err != nil {
		t.Fatal(err)
	}
	if want := sm3B64(p[:len(p)-len(kb)]); kbClaims["sd_hash"] != want {
		t.Errorf("sd_hash %v, want SM3 of the presentation %s", kbClaims["sd_hash"], want)
	}

	for _, st := range []suite.Suite{{}, suite.SM} {
		o := f.opts()
		o.Suite = st
		c, err := VerifyPresentation(p, o)
		if err != nil {
			t.Fatalf("VerifyPresentation (suite %q): %v", st, err)
		}
		if len(c.Disclosed) != 1 || c.Disclosed["age_over_18"] != true || c.Claims.Wanghao != "" {
			t.Errorf("VerifyPresentation (suite %q): disclosed %v", st, c.Disclosed)
		}
	}
	o := f.opts()
	o.Suite = suite.ES256
	if _, err := VerifyPresentation(p, o); !errors.Is(err, ErrUnsupported) {
		t.Errorf("an SM presentation under the ES256 suite: %v, want ErrUnsupported", err)
	}

	es := newFixture(t)
	o = es.opts()
	o.Suite = suite.SM
	if _, err := VerifyPresentation(es.present(t, "age_over_18"), o); !errors.Is(err, ErrUnsupported) {
		t.Errorf("an ES256 presentation under the SM suite: %v, want ErrUnsupported", err)
	}
	o.Suite = suite.ES256
	if _, err := VerifyPresentation(es.present(t, "age_over_18"), o); err != nil {
		t.Errorf("an ES256 presentation under the ES256 suite: %v", err)
	}

	// A disclosure swapped for another of the same credential changes the
	// SM3 sd_hash.
	var other string
	for _, d := range discs {
		if !strings.Contains(p, d) {
			other = d
			break
		}
	}
	shown := strings.Split(p, "~")[1]
	if _, err := VerifyPresentation(strings.Replace(p, shown, other, 1), f.opts()); !errors.Is(err, ErrKeyBinding) {
		t.Errorf("a swapped disclosure: %v, want ErrKeyBinding", err)
	}
}

// TestSDAlgMismatch: the _sd_alg must be the suite's of the key that
// signed the SD-JWT, whichever key the verifier trusts; digests under
// another hash than _sd_alg's match nothing; sd_hash under another hash
// than the credential's is refused.
func TestSDAlgMismatch(t *testing.T) {
	f, smKey := smIssuerFixture(t)
	d1 := disc(t, "c2FsdC0x", "age_over_18", true)
	sha := func(s string) string { return digest(suite.ES256, s) }
	smSigned := func(edit func(p map[string]any), sd ...string) string {
		p := f.payload(t, sd...)
		edit(p)
		body, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jws.Sign(smKey, TypSDJWT, testKID, body)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	setAlg := func(alg string) func(p map[string]any) {
		return func(p map[string]any) { p["_sd_alg"] = alg }
	}
	es := newFixture(t) // a P-256 issuer binding a P-256 holder key
	esKeys := es.keys
	esSigned := func(edit func(p map[string]any), sd ...string) string {
		p := es.payload(t, sd...)
		edit(p)
		return rawJWT(t, es.issuerKey, issuerHeader(), mustJSON(t, p))
	}
	for _, tt := range []struct {
		name string
		in   string
		keys jose.JSONWebKeySet
		want error
	}{
		{"sm3 under SM2", sdjwt(smSigned(setAlg("sm3"), sm3B64(d1)), d1), f.keys, nil},
		{"sha-256 under SM2", sdjwt(smSigned(setAlg("sha-256"), sha(d1)), d1), f.keys, ErrUnsupported},
		{"no _sd_alg under SM2", sdjwt(smSigned(func(p map[string]any) { delete(p, "_sd_alg") }, sha(d1)), d1), f.keys, ErrUnsupported},
		{"SM3 spelt otherwise", sdjwt(smSigned(setAlg("SM3"), sm3B64(d1)), d1), f.keys, ErrUnsupported},
		{"sm3 naming SHA-256 digests", sdjwt(smSigned(setAlg("sm3"), sha(d1)), d1), f.keys, ErrMalformed},
		{"sha-256 under ES256", sdjwt(esSigned(setAlg("sha-256"), sha(d1)), d1), esKeys, nil},
		{"sm3 under ES256", sdjwt(esSigned(setAlg("sm3"), sm3B64(d1)), d1), esKeys, ErrUnsupported},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(tt.in, tt.keys, testNow)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Verify: %v, want %v", err, tt.want)
			}
		})
	}

	// The holder presents with the hash its credential names, and only a
	// known one.
	if _, err := Present(sdjwt(smSigned(setAlg("sha-512"), sm3B64(d1)), d1), nil, f.holderKey, testAud, testNon, testNow); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Present of _sd_alg sha-512: %v, want ErrUnsupported", err)
	}
	if _, err := DecodeUnverified(sdjwt(smSigned(setAlg("sha-512"), sm3B64(d1)), d1)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DecodeUnverified of _sd_alg sha-512: %v, want ErrUnsupported", err)
	}

	// An sd_hash under SHA-256 on an sm3 credential.
	p := f.present(t, "age_over_18")
	presented := p[:strings.LastIndex(p, "~")+1]
	sum := sha256.Sum256([]byte(presented))
	kb, err := jws.Sign(f.holderKey, TypKB, "", []byte(mustJSON(t, map[string]any{
		"iat": testNow.Unix(), "aud": testAud, "nonce": testNon, "sd_hash": jws.B64.EncodeToString(sum[:]),
	})))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyPresentation(presented+kb, f.opts()); !errors.Is(err, ErrKeyBinding) {
		t.Errorf("sd_hash under SHA-256 on an sm3 credential: %v, want ErrKeyBinding", err)
	}
}

// TestDisclosureDigestVectors: a disclosure's digest under each suite
// against values computed elsewhere: RFC 9901 §4.2.3's SHA-256 example,
// and its SM3 digest computed with OpenSSL 3.0
// (`printf %s <disclosure> | openssl dgst -sm3`, b5b660fa…75b622d5).
func TestDisclosureDigestVectors(t *testing.T) {
	const d = "WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
	if got, want := digest(suite.ES256, d), "uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY"; got != want {
		t.Errorf("SHA-256 digest %s, want %s", got, want)
	}
	if got, want := digest(suite.SM, d), "tbZg-ok1yIKu8kUbY6x5pDPp1XbmaAiyde-2lHW2ItU"; got != want {
		t.Errorf("SM3 digest %s, want %s", got, want)
	}
}
