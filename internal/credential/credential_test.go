package credential

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/strictjson"
	"github.com/netid-project/netid/internal/suite"
)

func TestRoundTrip(t *testing.T) {
	f := newFixture(t)
	issued := f.issue(t)
	// One disclosure per Disclosable claim, and one for the 网号.
	if !strings.HasSuffix(issued, "~") || strings.Count(issued, "~") != 2+len(f.claims.Disclosable) {
		t.Fatalf("issued SD-JWT has the wrong shape: %d '~'", strings.Count(issued, "~"))
	}

	cred, err := Verify(issued, f.keys, testNow)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	c := cred.Claims
	if c.ID != f.claims.ID || c.Issuer != f.claims.Issuer || c.VCT != VCTWangzheng || c.Wanghao != f.claims.Wanghao ||
		!c.IssuedAt.Equal(f.claims.IssuedAt) || !c.NotBefore.Equal(f.claims.IssuedAt) || !c.ExpiresAt.Equal(f.claims.ExpiresAt) ||
		c.Status != f.claims.Status || cred.KeyID != testKID || cred.Raw != issued || cred.KeyBinding != nil {
		t.Errorf("verified claims differ: %+v", c)
	}
	if !f.holderKey.PublicKey.Equal(c.Holder.Key) {
		t.Error("cnf.jwk is not the holder key")
	}
	wantDisclosed := maps.Clone(f.claims.Disclosable)
	wantDisclosed[ClaimWanghao] = f.claims.Wanghao
	if got, want := mustJSON(t, cred.Disclosed), mustJSON(t, wantDisclosed); got != want {
		t.Errorf("Disclosed = %s, want %s", got, want)
	}
	if got, want := mustJSON(t, c.Disclosable), mustJSON(t, f.claims.Disclosable); got != want {
		t.Errorf("Claims.Disclosable = %s, want %s", got, want)
	}

	// The _sd array is padded with decoys and sorted.
	tok, err := jws.Parse(strings.Split(issued, "~")[0], jws.Expect{Typ: TypSDJWT})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := strictjson.DecodeObject(tok.Payload)
	if err != nil {
		t.Fatal(err)
	}
	sd := payload["_sd"].([]any)
	if n := len(sd) - len(f.claims.Disclosable) - 1; n < minDecoys || n >= minDecoys+decoySpread {
		t.Errorf("%d decoys, want %d..%d", n, minDecoys, minDecoys+decoySpread-1)
	}
	if !slices.IsSortedFunc(sd, func(a, b any) int { return strings.Compare(a.(string), b.(string)) }) {
		t.Error("_sd is not sorted")
	}
	for _, name := range []string{"age_over_18", "name_digest", "address", ClaimWanghao} {
		if _, ok := payload[name]; ok {
			t.Errorf("selectively disclosable claim %q is in plaintext", name)
		}
	}
	if strings.Contains(string(tok.Payload), f.claims.Wanghao) {
		t.Error("the issuer-signed payload contains the 网号")
	}

	p, err := Present(issued, []string{"age_over_18", "address"}, f.holderKey, testAud, testNon, testNow)
	if err != nil {
		t.Fatalf("Present: %v", err)
	}
	pc, err := VerifyPresentation(p, f.opts())
	if err != nil {
		t.Fatalf("VerifyPresentation: %v", err)
	}
	if got := slices.Sorted(maps.Keys(pc.Disclosed)); !slices.Equal(got, []string{"address", "age_over_18"}) {
		t.Errorf("presented claims = %v", got)
	}
	if pc.Disclosed["age_over_18"] != true || pc.Claims.Wanghao != "" {
		t.Errorf("presented values wrong: %v", pc.Disclosed)
	}
	if kb := pc.KeyBinding; kb == nil || kb.Audience != testAud || kb.Nonce != testNon || !kb.IssuedAt.Equal(testNow) {
		t.Errorf("key binding = %+v", pc.KeyBinding)
	}
}

// TestNoCredentialID: a credential issued without an ID carries no jti,
// verifies, and its presentations hold no stable identifier of the
// platform's; one issued with a jti (before it was left out) still
// verifies and gives it back.
func TestNoCredentialID(t *testing.T) {
	f := newFixture(t)
	f.claims.ID = ""
	p := f.present(t, "age_over_18")
	payload, err := jws.B64.DecodeString(strings.Split(strings.Split(p, "~")[0], ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(payload), `"jti"`) {
		t.Fatalf("issuer-signed JWT carries a jti: %s", payload)
	}
	c, err := VerifyPresentation(p, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if c.Claims.ID != "" {
		t.Fatalf("Claims.ID = %q, want empty", c.Claims.ID)
	}

	f.claims.ID = "cred-0001"
	c, err = VerifyPresentation(f.present(t, "age_over_18"), f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if c.Claims.ID != "cred-0001" {
		t.Fatalf("Claims.ID = %q, want cred-0001", c.Claims.ID)
	}
}

func TestPresentNothing(t *testing.T) {
	f := newFixture(t)
	p := f.present(t)
	cred, err := VerifyPresentation(p, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(cred.Disclosed) != 0 {
		t.Fatalf("disclosed %v", cred.Disclosed)
	}
}

func TestParseStringRoundTrip(t *testing.T) {
	f := newFixture(t)
	for _, s := range []string{f.issue(t), f.present(t, "age_over_18")} {
		sd, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		if sd.String() != s {
			t.Fatalf("String() does not round-trip")
		}
	}
}

func TestIssueRejects(t *testing.T) {
	f := newFixture(t)
	priv := &jose.JSONWebKey{Key: f.holderKey}
	tests := []struct {
		name string
		edit func(*Issuer, *Claims)
	}{
		{"no key", func(i *Issuer, c *Claims) { i.Key = nil }},
		{"no kid", func(i *Issuer, c *Claims) { i.KeyID = "" }},
		{"no iss", func(i *Issuer, c *Claims) { c.Issuer = "" }},
		{"no vct", func(i *Issuer, c *Claims) { c.VCT = "" }},
		{"no wanghao", func(i *Issuer, c *Claims) { c.Wanghao = "" }},
		{"wanghao also in Disclosable", func(i *Issuer, c *Claims) { c.Disclosable[ClaimWanghao] = c.Wanghao }},
		{"wanghao only in Disclosable", func(i *Issuer, c *Claims) {
			c.Disclosable[ClaimWanghao] = c.Wanghao
			c.Wanghao = ""
		}},
		{"no status uri", func(i *Issuer, c *Claims) { c.Status.URI = "" }},
		{"negative index", func(i *Issuer, c *Claims) { c.Status.Index = -1 }},
		{"no exp", func(i *Issuer, c *Claims) { c.ExpiresAt = time.Time{} }},
		{"exp before iat", func(i *Issuer, c *Claims) { c.ExpiresAt = c.IssuedAt.Add(-time.Second) }},
		{"no holder", func(i *Issuer, c *Claims) { c.Holder = nil }},
		{"private holder key", func(i *Issuer, c *Claims) { c.Holder = priv }},
		{"reserved name", func(i *Issuer, c *Claims) { c.Disclosable = map[string]any{"exp": 1} }},
		{"sd name", func(i *Issuer, c *Claims) { c.Disclosable = map[string]any{"_sd": 1} }},
		{"dots name", func(i *Issuer, c *Claims) { c.Disclosable = map[string]any{"...": 1} }},
		{"unencodable value", func(i *Issuer, c *Claims) { c.Disclosable = map[string]any{"x": func() {}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, c := f.issuer, f.claims
			c.Disclosable = maps.Clone(c.Disclosable)
			tt.edit(&i, &c)
			if _, err := i.Issue(c); !errors.Is(err, ErrInvalidClaims) {
				t.Fatalf("Issue = %v, want ErrInvalidClaims", err)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	f := newFixture(t)
	jwt := strings.Split(f.issue(t), "~")[0]
	good := disc(t, "c2FsdHNhbHRzYWx0c2FsdA", "age_over_18", true)
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"no tilde", jwt},
		{"only tilde", "~"},
		{"empty jwt", "~" + good + "~"},
		{"jwt two parts", "a.b~"},
		{"jwt empty part", "a..c~"},
		{"jwt bad base64", "a.b!.c~"},
		{"empty disclosure", jwt + "~~"},
		{"empty disclosure in middle", jwt + "~" + good + "~~" + good + "~"},
		{"bad base64 disclosure", jwt + "~@@@~"},
		{"padded base64 disclosure", jwt + "~" + good + "=~"},
		{"disclosure not JSON", jwt + "~" + b64("not json") + "~"},
		{"disclosure object", jwt + "~" + b64(`{"a":1}`) + "~"},
		{"disclosure of 1", jwt + "~" + disc(t, "salt") + "~"},
		{"disclosure of 4", jwt + "~" + disc(t, "salt", "a", 1, 2) + "~"},
		{"salt not string", jwt + "~" + disc(t, 1, "a", true) + "~"},
		{"salt not string (array element)", jwt + "~" + disc(t, 1, true) + "~"},
		{"name not string", jwt + "~" + disc(t, "salt", 3, true) + "~"},
		{"name _sd", jwt + "~" + disc(t, "salt", "_sd", []string{}) + "~"},
		{"name ...", jwt + "~" + disc(t, "salt", "...", "x") + "~"},
		{"duplicate key in disclosure value", jwt + "~" + b64(`["salt","a",{"x":1,"x":2}]`) + "~"},
		{"trailing data in disclosure", jwt + "~" + b64(`["salt","a",1]]`) + "~"},
		{"trailing value in disclosure", jwt + "~" + b64(`["salt","a",1] []`) + "~"},
		{"same disclosure twice", jwt + "~" + good + "~" + good + "~"},
		{"kb one part", jwt + "~" + good + "~abc"},
		{"kb bad base64", jwt + "~" + good + "~a.b.c*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.in); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse = %v, want ErrMalformed", err)
			}
			if _, err := Verify(tt.in, f.keys, testNow); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Verify = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	f := newFixture(t)
	other := newKey(t)
	d1 := disc(t, "c2FsdC0x", "age_over_18", true)
	d2 := disc(t, "c2FsdC0y", "age_over_60", false)
	dArr := disc(t, "c2FsdC0z", "element")
	dIss := disc(t, "c2FsdC00", "iss", "https://evil.example")
	dColl := disc(t, "c2FsdC01", "region", "x")
	dWH := disc(t, "c2FsdC02", ClaimWanghao, f.claims.Wanghao)
	dWHNum := disc(t, "c2FsdC03", ClaimWanghao, 12345)
	dWHEmpty := disc(t, "c2FsdC04", ClaimWanghao, "")
	signed := func(p map[string]any) string { return rawJWT(t, f.issuerKey, issuerHeader(), mustJSON(t, p)) }
	with := func(edit func(p map[string]any), sd ...string) string {
		p := f.payload(t, sd...)
		edit(p)
		return signed(p)
	}
	none := func(map[string]any) {}

	tests := []struct {
		name string
		in   string
		want error
	}{
		{"valid", sdjwt(with(none, digest(suite.ES256, d1), digest(suite.ES256, d2)), d1, d2), nil},
		{"valid, undisclosed digest", sdjwt(with(none, digest(suite.ES256, d1), digest(suite.ES256, d2)), d1), nil},
		{"valid, array element", sdjwt(with(func(p map[string]any) {
			p["list"] = []any{map[string]any{"...": digest(suite.ES256, dArr)}, "plain"}
		}), dArr), nil},
		{"valid, nested _sd", sdjwt(with(func(p map[string]any) {
			p["addr"] = map[string]any{"_sd": []string{digest(suite.ES256, dColl)}}
		}), dColl), nil},
		{"unreferenced disclosure", sdjwt(with(none, digest(suite.ES256, d1)), d1, d2), ErrMalformed},
		{"digest twice in _sd", sdjwt(with(none, digest(suite.ES256, d1), digest(suite.ES256, d1)), d1), ErrMalformed},
		{"undisclosed digest twice", sdjwt(with(none, digest(suite.ES256, d2), digest(suite.ES256, d2))), ErrMalformed},
		{"digest in _sd and array", sdjwt(with(func(p map[string]any) {
			p["list"] = []any{map[string]any{"...": digest(suite.ES256, d1)}}
		}, digest(suite.ES256, d1)), d1), ErrMalformed},
		{"digest twice via nested", sdjwt(with(func(p map[string]any) {
			p["a"] = map[string]any{"_sd": []string{digest(suite.ES256, d2)}}
			p["b"] = map[string]any{"_sd": []string{digest(suite.ES256, d2)}}
		})), ErrMalformed},
		{"name collides with plaintext", sdjwt(with(func(p map[string]any) {
			p["region"] = "plain"
		}, digest(suite.ES256, dColl)), dColl), ErrMalformed},
		{"name collides in nested object", sdjwt(with(func(p map[string]any) {
			p["addr"] = map[string]any{"region": "plain", "_sd": []string{digest(suite.ES256, dColl)}}
		}), dColl), ErrMalformed},
		{"reserved claim disclosed", sdjwt(with(func(p map[string]any) { delete(p, "iss") }, digest(suite.ES256, dIss)), dIss), ErrMalformed},
		{"array disclosure in _sd", sdjwt(with(none, digest(suite.ES256, dArr)), dArr), ErrMalformed},
		{"object disclosure in array", sdjwt(with(func(p map[string]any) {
			p["list"] = []any{map[string]any{"...": digest(suite.ES256, d1)}}
		}), d1), ErrMalformed},
		{"_sd not array", sdjwt(with(func(p map[string]any) { p["_sd"] = "x" })), ErrMalformed},
		{"_sd non-string", sdjwt(with(func(p map[string]any) { p["_sd"] = []any{1} })), ErrMalformed},
		{"nested _sd_alg", sdjwt(with(func(p map[string]any) { p["x"] = map[string]any{"_sd_alg": "sha-256"} })), ErrMalformed},
		{"_sd_alg sha-512", sdjwt(with(func(p map[string]any) { p["_sd_alg"] = "sha-512" })), ErrUnsupported},
		{"_sd_alg not string", sdjwt(with(func(p map[string]any) { p["_sd_alg"] = 1 })), ErrMalformed},
		{"missing vct", sdjwt(with(func(p map[string]any) { delete(p, "vct") })), ErrMalformed},
		{"valid, 网号 disclosed", sdjwt(with(none, digest(suite.ES256, dWH), digest(suite.ES256, d1)), dWH, d1), nil},
		{"valid, 网号 in plaintext (issued before it was disclosable)", sdjwt(with(func(p map[string]any) {
			p["wanghao"] = f.claims.Wanghao
		}, digest(suite.ES256, d1)), d1), nil},
		{"网号 in plaintext and disclosed", sdjwt(with(func(p map[string]any) {
			p["wanghao"] = f.claims.Wanghao
		}, digest(suite.ES256, dWH)), dWH), ErrMalformed},
		{"plaintext 网号 not a string", sdjwt(with(func(p map[string]any) { p["wanghao"] = 7 })), ErrMalformed},
		{"plaintext 网号 empty", sdjwt(with(func(p map[string]any) { p["wanghao"] = "" })), ErrMalformed},
		{"disclosed 网号 not a string", sdjwt(with(none, digest(suite.ES256, dWHNum)), dWHNum), ErrMalformed},
		{"disclosed 网号 empty", sdjwt(with(none, digest(suite.ES256, dWHEmpty)), dWHEmpty), ErrMalformed},
		{"missing exp", sdjwt(with(func(p map[string]any) { delete(p, "exp") })), ErrMalformed},
		{"exp not number", sdjwt(with(func(p map[string]any) { p["exp"] = "soon" })), ErrMalformed},
		{"missing cnf", sdjwt(with(func(p map[string]any) { delete(p, "cnf") })), ErrMalformed},
		{"cnf private key", sdjwt(with(func(p map[string]any) {
			p["cnf"] = map[string]any{"jwk": jose.JSONWebKey{Key: f.holderKey}}
		})), ErrMalformed},
		{"missing status", sdjwt(with(func(p map[string]any) { delete(p, "status") })), ErrMalformed},
		{"expired", sdjwt(with(func(p map[string]any) { p["exp"] = testNow.Add(-time.Second).Unix() })), ErrExpired},
		{"expires exactly now", sdjwt(with(func(p map[string]any) { p["exp"] = testNow.Unix() })), ErrExpired},
		{"valid until a second from now", sdjwt(with(func(p map[string]any) { p["exp"] = testNow.Add(time.Second).Unix() })), nil},
		{"not yet valid", sdjwt(with(func(p map[string]any) { p["nbf"] = testNow.Add(time.Minute).Unix() })), ErrNotYetValid},
		{"issued in future", sdjwt(with(func(p map[string]any) { p["iat"] = testNow.Add(time.Minute).Unix() })), ErrNotYetValid},
		{"duplicate key in payload", sdjwt(rawJWT(t, f.issuerKey, issuerHeader(),
			strings.Replace(mustJSON(t, f.payload(t)), `"iss":`, `"jti":"attacker","iss":`, 1))), ErrMalformed},
		{"duplicate key in payload differing in case", sdjwt(rawJWT(t, f.issuerKey, issuerHeader(),
			strings.Replace(mustJSON(t, f.payload(t)), `"iss":`, `"ISS":"attacker","iss":`, 1))), ErrMalformed},
		{"typ in upper case with application/", sdjwt(rawJWT(t, f.issuerKey, `{"alg":"ES256","typ":"application/DC+SD-JWT","kid":"`+testKID+`"}`, mustJSON(t, f.payload(t)))), nil},
		{"trailing data in payload", sdjwt(rawJWT(t, f.issuerKey, issuerHeader(), mustJSON(t, f.payload(t))+"{}")), ErrMalformed},
		{"payload not object", sdjwt(rawJWT(t, f.issuerKey, issuerHeader(), `[1]`)), ErrMalformed},
		{"duplicate key in header", sdjwt(rawJWT(t, f.issuerKey,
			`{"alg":"ES256","typ":"dc+sd-jwt","kid":"`+testKID+`","kid":"x"}`, mustJSON(t, f.payload(t)))), ErrMalformed},
		{"wrong typ", sdjwt(rawJWT(t, f.issuerKey, `{"alg":"ES256","typ":"JWT","kid":"`+testKID+`"}`, mustJSON(t, f.payload(t)))), ErrMalformed},
		{"missing typ", sdjwt(rawJWT(t, f.issuerKey, `{"alg":"ES256","kid":"`+testKID+`"}`, mustJSON(t, f.payload(t)))), ErrMalformed},
		{"crit header", sdjwt(rawJWT(t, f.issuerKey, `{"alg":"ES256","typ":"dc+sd-jwt","kid":"`+testKID+`","crit":["x"],"x":1}`, mustJSON(t, f.payload(t)))), ErrMalformed},
		{"unknown kid", sdjwt(rawJWT(t, f.issuerKey, `{"alg":"ES256","typ":"dc+sd-jwt","kid":"other"}`, mustJSON(t, f.payload(t)))), ErrUnknownKey},
		{"missing kid", sdjwt(rawJWT(t, f.issuerKey, `{"alg":"ES256","typ":"dc+sd-jwt"}`, mustJSON(t, f.payload(t)))), ErrUnknownKey},
		{"signed by another key", sdjwt(rawJWT(t, other, issuerHeader(), mustJSON(t, f.payload(t)))), ErrSignature},
		{"HS256", sdjwt(hsJWT(`{"alg":"HS256","typ":"dc+sd-jwt","kid":"`+testKID+`"}`, mustJSON(t, f.payload(t)),
			publicBytes(t, &f.issuerKey.PublicKey))), ErrSignature},
		{"alg none", sdjwt(b64(`{"alg":"none","typ":"dc+sd-jwt","kid":"`+testKID+`"}`) + "." + b64(mustJSON(t, f.payload(t))) + ".AA"), ErrSignature},
		{"alg none, empty signature", sdjwt(b64(`{"alg":"none","typ":"dc+sd-jwt","kid":"`+testKID+`"}`) + "." + b64(mustJSON(t, f.payload(t))) + "."), ErrMalformed},
		{"ES384 header", sdjwt(rawJWT(t, f.issuerKey, `{"alg":"ES384","typ":"dc+sd-jwt","kid":"`+testKID+`"}`, mustJSON(t, f.payload(t)))), ErrSignature},
		{"has key binding", f.present(t), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(tt.in, f.keys, testNow)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyArrayAndNested(t *testing.T) {
	f := newFixture(t)
	dArr := disc(t, "c2FsdC0z", "element")
	dInner := disc(t, "c2FsdC01", "region", "110105")
	dOuter := disc(t, "c2FsdC02", "address", map[string]any{"_sd": []string{digest(suite.ES256, dInner)}, "country": "CN"})
	p := f.payload(t, digest(suite.ES256, dOuter))
	p["list"] = []any{map[string]any{"...": digest(suite.ES256, dArr)}, map[string]any{"...": "decoy"}, "plain"}
	issued := sdjwt(rawJWT(t, f.issuerKey, issuerHeader(), mustJSON(t, p)), dArr, dInner, dOuter)
	cred, err := Verify(issued, f.keys, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustJSON(t, cred.Payload["list"]), `["element","plain"]`; got != want {
		t.Errorf("list = %s, want %s", got, want)
	}
	if got, want := mustJSON(t, cred.Disclosed), `{"address":{"country":"CN","region":"110105"}}`; got != want {
		t.Errorf("Disclosed = %s, want %s", got, want)
	}
	// Presenting "address" carries the nested disclosure along and drops
	// the array element.
	pres, err := Present(issued, []string{"address"}, f.holderKey, testAud, testNon, testNow)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := VerifyPresentation(pres, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustJSON(t, pc.Disclosed), `{"address":{"country":"CN","region":"110105"}}`; got != want {
		t.Errorf("presented = %s, want %s", got, want)
	}
	if got, want := mustJSON(t, pc.Payload["list"]), `["plain"]`; got != want {
		t.Errorf("presented list = %s, want %s", got, want)
	}
}

func TestPresentRejects(t *testing.T) {
	f := newFixture(t)
	issued := f.issue(t)
	tests := []struct {
		name    string
		in      string
		names   []string
		aud     string
		nonce   string
		wrongKy bool
		want    error
	}{
		{"unknown claim", issued, []string{"age_over_21"}, testAud, testNon, false, ErrUnknownClaim},
		{"plaintext claim", issued, []string{"jti"}, testAud, testNon, false, ErrUnknownClaim},
		{"wrong holder key", issued, nil, testAud, testNon, true, ErrKeyBinding},
		{"empty audience", issued, nil, "", testNon, false, ErrAudience},
		{"empty nonce", issued, nil, testAud, "", false, ErrNonce},
		{"already presented", f.present(t), nil, testAud, testNon, false, ErrMalformed},
		{"malformed", "x~", nil, testAud, testNon, false, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := f.holderKey
			if tt.wrongKy {
				key = newKey(t)
			}
			if _, err := Present(tt.in, tt.names, key, tt.aud, tt.nonce, testNow); !errors.Is(err, tt.want) {
				t.Fatalf("Present = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyPresentationRejects(t *testing.T) {
	f := newFixture(t)
	issued := f.issue(t)
	parts := strings.Split(issued, "~")
	jwt, discs := parts[0], parts[1:len(parts)-1]
	pres, err := Present(issued, []string{"age_over_18"}, f.holderKey, testAud, testNon, testNow)
	if err != nil {
		t.Fatal(err)
	}
	cut := strings.LastIndex(pres, "~") + 1
	prefix, kb := pres[:cut], pres[cut:]

	// kbFor signs a key-binding JWT over prefix with any key and claims.
	kbFor := func(key any, header string, claims map[string]any) string {
		b := mustJSON(t, claims)
		switch k := key.(type) {
		case []byte:
			return hsJWT(header, b, k)
		default:
			return rawJWT(t, f.holderKey, header, b)
		}
	}
	hash := func(s string) string { return digest(suite.ES256, s) }
	kbClaims := func(edit func(map[string]any)) map[string]any {
		m := map[string]any{"iat": testNow.Unix(), "aud": testAud, "nonce": testNon, "sd_hash": hash(prefix)}
		if edit != nil {
			edit(m)
		}
		return m
	}
	kbHeader := `{"alg":"ES256","typ":"kb+jwt"}`
	otherKB, err := jws.Sign(newKey(t), TypKB, "", []byte(mustJSON(t, kbClaims(nil))))
	if err != nil {
		t.Fatal(err)
	}
	// A disclosure the holder did not receive, with a fresh salt.
	forged := disc(t, "Zm9yZ2VkLXNhbHQtMTIzNDU2", "age_over_60", true)

	tests := []struct {
		name string
		in   string
		edit func(*PresentationOptions)
		want error
	}{
		{"valid", pres, nil, nil},
		{"valid, handcrafted KB", prefix + kbFor(nil, kbHeader, kbClaims(nil)), nil, nil},
		{"extra disclosure appended after signing", prefix + discs[2] + "~" + kb, nil, ErrKeyBinding},
		{"disclosure removed", jwt + "~" + kb, nil, ErrKeyBinding},
		{"disclosure swapped", jwt + "~" + discs[2] + "~" + kb, nil, ErrKeyBinding},
		{"tampered disclosure", jwt + "~" + forged + "~" + kb, nil, ErrMalformed},
		{"wrong audience", pres, func(o *PresentationOptions) { o.Audience = "https://other.example" }, ErrAudience},
		{"empty expected audience", pres, func(o *PresentationOptions) { o.Audience = "" }, ErrAudience},
		{"wrong nonce", pres, func(o *PresentationOptions) { o.Nonce = "other" }, ErrNonce},
		{"empty expected nonce", pres, func(o *PresentationOptions) { o.Nonce = "" }, ErrNonce},
		{"KB signed by another key", prefix + otherKB, nil, ErrKeyBinding},
		{"KB missing", issued, nil, ErrKeyBinding},
		{"KB HS256", prefix + kbFor([]byte("secret"), `{"alg":"HS256","typ":"kb+jwt"}`, kbClaims(nil)), nil, ErrKeyBinding},
		{"KB wrong typ", prefix + kbFor(nil, `{"alg":"ES256","typ":"JWT"}`, kbClaims(nil)), nil, ErrKeyBinding},
		{"KB missing sd_hash", prefix + kbFor(nil, kbHeader, kbClaims(func(m map[string]any) { delete(m, "sd_hash") })), nil, ErrKeyBinding},
		{"KB missing iat", prefix + kbFor(nil, kbHeader, kbClaims(func(m map[string]any) { delete(m, "iat") })), nil, ErrKeyBinding},
		{"KB sd_hash of another presentation", prefix + kbFor(nil, kbHeader, kbClaims(func(m map[string]any) { m["sd_hash"] = hash(issued) })), nil, ErrKeyBinding},
		{"KB aud array", prefix + kbFor(nil, kbHeader, kbClaims(func(m map[string]any) { m["aud"] = []string{testAud} })), nil, ErrKeyBinding},
		{"KB duplicate key", prefix + rawJWT(t, f.holderKey, kbHeader,
			strings.Replace(mustJSON(t, kbClaims(nil)), `"aud":`, `"nonce":"x","aud":`, 1)), nil, ErrKeyBinding},
		{"KB stale", pres, func(o *PresentationOptions) { o.Now = testNow.Add(DefaultMaxKBAge + time.Second) }, ErrStale},
		{"KB stale, custom max age", pres, func(o *PresentationOptions) {
			o.Now = testNow.Add(2 * time.Minute)
			o.MaxKBAge = time.Minute
		}, ErrStale},
		{"KB fresh within leeway", pres, func(o *PresentationOptions) {
			o.Now = testNow.Add(DefaultMaxKBAge + time.Second)
			o.Leeway = 2 * time.Second
		}, nil},
		{"KB in future", pres, func(o *PresentationOptions) { o.Now = testNow.Add(-time.Minute) }, ErrStale},
		{"expired credential", pres, func(o *PresentationOptions) { o.Now = f.claims.ExpiresAt.Add(time.Second) }, ErrExpired},
		{"unknown kid", pres, func(o *PresentationOptions) { o.Keys.Keys[0].KeyID = "rotated" }, ErrUnknownKey},
		{"key for another alg", pres, func(o *PresentationOptions) { o.Keys.Keys[0].Algorithm = "ES384" }, ErrUnknownKey},
		{"no keys", pres, func(o *PresentationOptions) { o.Keys = jose.JSONWebKeySet{} }, ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := f.opts()
			o.Keys = jose.JSONWebKeySet{Keys: slices.Clone(f.keys.Keys)}
			if tt.edit != nil {
				tt.edit(&o)
			}
			_, err := VerifyPresentation(tt.in, o)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("VerifyPresentation = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyPresentation = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestErrorsCarryNoClaimValues checks that rejecting a credential never
// echoes the values it carries.
func TestErrorsCarryNoClaimValues(t *testing.T) {
	f := newFixture(t)
	p := f.payload(t)
	p["wanghao"] = 12345 // wrong type
	_, err := Verify(sdjwt(rawJWT(t, f.issuerKey, issuerHeader(), mustJSON(t, p))), f.keys, testNow)
	if !errors.Is(err, ErrMalformed) || strings.Contains(err.Error(), "12345") {
		t.Fatalf("err = %v", err)
	}
	dup := disc(t, "c2FsdA", "name_digest", "SECRETVALUE")
	_, err = Verify(sdjwt(rawJWT(t, f.issuerKey, issuerHeader(), mustJSON(t, f.payload(t)))), f.keys, testNow)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Verify(sdjwt(rawJWT(t, f.issuerKey, issuerHeader(), mustJSON(t, f.payload(t))), dup), f.keys, testNow)
	if !errors.Is(err, ErrMalformed) || strings.Contains(err.Error(), "SECRETVALUE") {
		t.Fatalf("err = %v", err)
	}
}

func TestDisclosedNumbersAreJSONNumbers(t *testing.T) {
	f := newFixture(t)
	f.claims.Disclosable = map[string]any{"birth_year_digest_version": 3}
	cred, err := Verify(f.issue(t), f.keys, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if cred.Disclosed["birth_year_digest_version"] != json.Number("3") {
		t.Fatalf("got %#v", cred.Disclosed["birth_year_digest_version"])
	}
}

func TestVerifyWithLeewayToleratesSkew(t *testing.T) {
	f := newFixture(t)
	f.claims.NotBefore = testNow
	sdjwt := f.issue(t)
	early := testNow.Add(-30 * time.Second) // the verifier's clock is behind
	if _, err := Verify(sdjwt, f.keys, early); !errors.Is(err, ErrNotYetValid) {
		t.Fatalf("without leeway: %v, want ErrNotYetValid", err)
	}
	if _, err := VerifyWithLeeway(sdjwt, f.keys, early, time.Minute); err != nil {
		t.Fatalf("with a minute's leeway: %v", err)
	}
	if _, err := VerifyWithLeeway(sdjwt, f.keys, testNow.Add(-2*time.Minute), time.Minute); !errors.Is(err, ErrNotYetValid) {
		t.Fatalf("skew beyond the leeway: %v", err)
	}
}

// publicBytes is the uncompressed encoding of pub (0x04 ‖ X ‖ Y), the
// public bytes an attacker would try as an HMAC secret.
func publicBytes(t testing.TB, pub *ecdsa.PublicKey) []byte {
	t.Helper()
	b, err := pub.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPlainP256JWK: the direct reading of a holder's JWK gives what go-jose
// gives, and leaves every other JWK to go-jose.
func TestPlainP256JWK(t *testing.T) {
	for range 50 {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(jose.JSONWebKey{Key: &key.PublicKey})
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatal(err)
		}
		got, pub, ok := plainP256JWK(raw)
		if !ok {
			t.Fatalf("%s not read", b)
		}
		var want jose.JSONWebKey
		if err := want.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*got, want) || !pub.Equal(&key.PublicKey) {
			t.Fatalf("%s: read %+v, go-jose %+v", b, *got, want)
		}
		for name, change := range map[string]func(m map[string]any){
			"kid":        func(m map[string]any) { m["kid"] = "k" },
			"crv P-384":  func(m map[string]any) { m["crv"] = "P-384" },
			"kty":        func(m map[string]any) { m["kty"] = "ec" },
			"short x":    func(m map[string]any) { m["x"] = m["x"].(string)[1:] },
			"padded x":   func(m map[string]any) { m["x"] = m["x"].(string)[3:] + "A=" },
			"off curve":  func(m map[string]any) { m["y"] = m["x"] },
			"x a number": func(m map[string]any) { m["x"] = json.Number("1") },
		} {
			m := maps.Clone(raw)
			change(m)
			if _, _, ok := plainP256JWK(m); ok {
				t.Fatalf("%s: read", name)
			}
		}
	}
}

func TestEqualConstantTime(t *testing.T) {
	for _, c := range []struct {
		s, b string
		want bool
	}{{"", "", true}, {"abc", "abc", true}, {"abc", "abd", false}, {"abc", "ab", false}, {"ab", "abc", false}, {"", "a", false}} {
		if got := equalConstantTime(c.s, []byte(c.b)); got != c.want {
			t.Errorf("equalConstantTime(%q, %q) = %v", c.s, c.b, got)
		}
	}
}
