package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws/jwstest"
)

const testTyp = "netid-test+jwt"

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// handMade signs header and payload, given as raw JSON text.
func handMade(t testing.TB, key *ecdsa.PrivateKey, header, payload string) string {
	t.Helper()
	return jwstest.Sign(key, header, payload)
}

func TestSignVerify(t *testing.T) {
	key := newKey(t)
	tok, err := Sign(key, testTyp, "k1", []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	h, payload, err := Verify(tok, Expect{Typ: testTyp, Keys: PublicKey(&key.PublicKey)})
	if err != nil || string(payload) != `{"a":1}` || h.KeyID != "k1" || h.Alg != ES256 || h.Typ != testTyp {
		t.Fatalf("Verify = %+v, %q, %v", h, payload, err)
	}
	var c struct {
		A int `json:"a"`
	}
	if _, err := VerifyClaims(tok, Expect{Typ: testTyp, Keys: PublicKey(&key.PublicKey)}, &c); err != nil || c.A != 1 {
		t.Fatalf("VerifyClaims = %+v, %v", c, err)
	}
	if _, _, err := Verify(tok, Expect{Typ: testTyp, Keys: PublicKey(&newKey(t).PublicKey)}); !errors.Is(err, ErrSignature) {
		t.Fatalf("another key = %v, want ErrSignature", err)
	}
	if _, err := Sign(key, "", "", nil); err == nil {
		t.Fatal("Sign without typ succeeded")
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := Sign(p384, testTyp, "", nil); !errors.Is(err, ErrKey) {
		t.Fatalf("Sign with P-384 = %v, want ErrKey", err)
	}
	if _, _, err := Verify(tok, Expect{Typ: testTyp, Keys: PublicKey(&p384.PublicKey)}); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Verify with P-384 = %v, want ErrUnknownKey", err)
	}
	if _, _, err := Verify(tok, Expect{Typ: testTyp}); err == nil {
		t.Fatal("Verify without a key source succeeded")
	}
}

func TestKeySources(t *testing.T) {
	key, other := newKey(t), newKey(t)
	withKID, _ := Sign(key, testTyp, "k1", []byte(`{}`))
	noKID, _ := Sign(key, testTyp, "", []byte(`{}`))
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &other.PublicKey, KeyID: "k0"},
		{Key: &key.PublicKey, KeyID: "k1", Use: "enc"}, // not for signing: skipped
	}}
	tests := []struct {
		name  string
		token string
		src   KeySource
		want  error
	}{
		{"by kid, only an encryption key", withKID, ByKeyID(set), ErrUnknownKey},
		{"by kid, no kid", noKID, ByKeyID(set), ErrUnknownKey},
		{"by kid or all, no kid, wrong keys", noKID, ByKeyIDOrAll(set), ErrSignature},
		{"by kid, wrong alg", withKID, ByKeyID(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES384"}}}), ErrUnknownKey},
		{"by kid, private key", withKID, ByKeyID(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "k1"}}}), nil},
	}
	set.Keys = append(set.Keys, jose.JSONWebKey{Key: &key.PublicKey, KeyID: "k1", Use: "sig", Algorithm: "ES256"})
	tests = append(tests,
		struct {
			name  string
			token string
			src   KeySource
			want  error
		}{"by kid", withKID, ByKeyID(set), nil},
		struct {
			name  string
			token string
			src   KeySource
			want  error
		}{"by kid or all, no kid", noKID, ByKeyIDOrAll(set), nil},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Verify(tt.token, Expect{Typ: testTyp, Keys: tt.src})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}

	// A KeyFunc sees the parsed token and its error reaches the caller.
	errStore := errors.New("store down")
	var sawKID string
	_, _, err := Verify(withKID, Expect{Typ: testTyp, Keys: KeyFunc(func(t *Token) ([]jose.JSONWebKey, error) {
		sawKID = t.Header.KeyID
		return nil, errStore
	})})
	if !errors.Is(err, errStore) || sawKID != "k1" {
		t.Fatalf("KeyFunc: err %v, kid %q", err, sawKID)
	}
}

// TestRejects is the profile: every token here must be refused, with the
// sentinel named.
func TestRejects(t *testing.T) {
	key := newKey(t)
	good := `{"alg":"ES256","typ":"` + testTyp + `","kid":"k1"}`
	payload := `{"iss":"a","n":1}`
	valid := handMade(t, key, good, payload)
	parts := strings.Split(valid, ".")
	hs256 := func(header string) string {
		input := B64.EncodeToString([]byte(header)) + "." + B64.EncodeToString([]byte(payload))
		m := hmac.New(sha256.New, []byte("secret"))
		m.Write([]byte(input))
		return input + "." + B64.EncodeToString(m.Sum(nil))
	}
	es384 := func() string {
		header := `{"alg":"ES384","typ":"` + testTyp + `"}`
		input := B64.EncodeToString([]byte(header)) + "." + B64.EncodeToString([]byte(payload))
		sum := sha512.Sum384([]byte(input))
		return input + "." + B64.EncodeToString(sum[:])
	}
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"wrong typ", handMade(t, key, `{"alg":"ES256","typ":"JWT"}`, payload), ErrType},
		{"typ of another netid token", handMade(t, key, `{"alg":"ES256","typ":"netid-other+jwt"}`, payload), ErrType},
		{"missing typ", handMade(t, key, `{"alg":"ES256","kid":"k1"}`, payload), ErrType},
		{"typ not a string", handMade(t, key, `{"alg":"ES256","typ":1}`, payload), ErrType},
		{"empty typ", handMade(t, key, `{"alg":"ES256","typ":""}`, payload), ErrType},
		{"typ application/ alone", handMade(t, key, `{"alg":"ES256","typ":"application/"}`, payload), ErrType},
		{"JSON serialization", jwstest.JSONSerialization(valid), ErrMalformed},
		{"JSON serialization, flattened with spaces", ` {"signatures":[]}`, ErrMalformed},
		{"alg none", B64.EncodeToString([]byte(`{"alg":"none","typ":"`+testTyp+`"}`)) + "." + parts[1] + ".", ErrMalformed},
		{"alg none with a signature", B64.EncodeToString([]byte(`{"alg":"none","typ":"`+testTyp+`"}`)) + "." + parts[1] + "." + parts[2], ErrAlgorithm},
		{"alg HS256", hs256(`{"alg":"HS256","typ":"` + testTyp + `"}`), ErrAlgorithm},
		{"alg ES384", es384(), ErrAlgorithm},
		{"alg in lower case", handMade(t, key, `{"alg":"es256","typ":"`+testTyp+`"}`, payload), ErrAlgorithm},
		{"alg missing", handMade(t, key, `{"typ":"`+testTyp+`"}`, payload), ErrMalformed},
		{"duplicate header key", handMade(t, key, `{"alg":"ES256","typ":"`+testTyp+`","typ":"JWT"}`, payload), ErrMalformed},
		{"duplicate header key in other case", handMade(t, key, `{"alg":"ES256","typ":"`+testTyp+`","KID":"x","kid":"k1"}`, payload), ErrMalformed},
		{"duplicate payload key", handMade(t, key, good, `{"iss":"a","iss":"b"}`), ErrMalformed},
		{"duplicate nested payload key", handMade(t, key, good, `{"cnf":{"jwk":{"x":"1","x":"2"}}}`), ErrMalformed},
		{"trailing data after the header", handMade(t, key, good+` {}`, payload), ErrMalformed},
		{"trailing data after the payload", handMade(t, key, good, payload+`x`), ErrMalformed},
		{"trailing part", valid + ".", ErrMalformed},
		{"payload not an object", handMade(t, key, good, `["iss"]`), ErrMalformed},
		{"empty payload", strings.Join([]string{parts[0], "", parts[2]}, "."), ErrMalformed},
		{"header not an object", handMade(t, key, `"ES256"`, payload), ErrMalformed},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], ErrMalformed},
		{"line break in a part", parts[0] + "." + parts[1][:4] + "\n" + parts[1][4:] + "." + parts[2], ErrMalformed},
		{"trailing line break", valid + "\r\n", ErrMalformed},
		{"standard base64 alphabet", strings.ReplaceAll(strings.ReplaceAll(valid, "-", "+"), "_", "/") + "+", ErrMalformed},
		{"non-canonical trailing bits", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-1] + flipLastBits(parts[2]), ErrMalformed},
		{"crit", handMade(t, key, `{"alg":"ES256","typ":"`+testTyp+`","crit":["exp"],"exp":1}`, payload), ErrMalformed},
		{"empty crit", handMade(t, key, `{"alg":"ES256","typ":"`+testTyp+`","crit":[]}`, payload), ErrMalformed},
		{"b64 false", handMade(t, key, `{"alg":"ES256","typ":"`+testTyp+`","b64":false,"crit":["b64"]}`, payload), ErrMalformed},
		{"short signature", parts[0] + "." + parts[1] + "." + B64.EncodeToString(make([]byte, 63)), ErrMalformed},
		{"two parts", parts[0] + "." + parts[1], ErrMalformed},
		{"kid not a string", handMade(t, key, `{"alg":"ES256","typ":"`+testTyp+`","kid":7}`, payload), ErrMalformed},
		{"invalid UTF-8 in the header", handMade(t, key, "{\"alg\":\"ES256\",\"typ\":\""+testTyp+"\",\"x\":\"\xff\"}", payload), ErrMalformed},
		{"bad signature", parts[0] + "." + B64.EncodeToString([]byte(`{"iss":"b","n":1}`)) + "." + parts[2], ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Verify(tt.token, Expect{Typ: testTyp, Keys: PublicKey(&key.PublicKey)})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if errors.Is(tt.want, ErrType) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("a typ error must also be ErrMalformed: %v", err)
			}
		})
	}
	if _, _, err := Verify(valid, Expect{Typ: testTyp, Keys: PublicKey(&key.PublicKey)}); err != nil {
		t.Fatalf("the valid token of the table was refused: %v", err)
	}
}

// flipLastBits returns the last character of a base64url string with its
// unused low bits set, so it decodes (leniently) to the same bytes.
func flipLastBits(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, s[len(s)-1])
	// 64 bytes → 86 characters, the last carrying 4 bits and 2 unused.
	return string(alphabet[i|3])
}

func TestTypIs(t *testing.T) {
	tests := []struct {
		typ, want string
		ok        bool
	}{
		{"dc+sd-jwt", "dc+sd-jwt", true},
		{"application/dc+sd-jwt", "dc+sd-jwt", true},
		{"Application/DC+SD-JWT", "dc+sd-jwt", true},
		{"DC+SD-JWT", "dc+sd-jwt", true},
		{"vc+sd-jwt", "dc+sd-jwt", false},
		{"application/", "dc+sd-jwt", false},
		{"application/application/dc+sd-jwt", "dc+sd-jwt", false},
		{"", "kb+jwt", false},
		{"", "", false},
		{"text/dc+sd-jwt", "dc+sd-jwt", false},
	}
	for _, tt := range tests {
		if got := TypIs(tt.typ, tt.want); got != tt.ok {
			t.Errorf("TypIs(%q, %q) = %v", tt.typ, tt.want, got)
		}
	}
}

func TestTypAcceptedByTheOneRule(t *testing.T) {
	key := newKey(t)
	for _, typ := range []string{testTyp, strings.ToUpper(testTyp), "application/" + testTyp} {
		tok := handMade(t, key, `{"alg":"ES256","typ":"`+typ+`"}`, `{}`)
		if _, _, err := Verify(tok, Expect{Typ: testTyp, Keys: PublicKey(&key.PublicKey)}); err != nil {
			t.Errorf("typ %q refused: %v", typ, err)
		}
	}
}

func TestTypOptional(t *testing.T) {
	key := newKey(t)
	e := Expect{Typ: "JWT", TypOptional: true, Keys: PublicKey(&key.PublicKey)}
	for header, want := range map[string]error{
		`{"alg":"ES256"}`:                         nil,
		`{"alg":"ES256","typ":"JWT"}`:             nil,
		`{"alg":"ES256","typ":"application/jwt"}`: nil,
		`{"alg":"ES256","typ":"` + testTyp + `"}`: ErrType,
		`{"alg":"ES256","typ":""}`:                ErrType,
		`{"alg":"ES256","typ":null}`:              ErrType,
	} {
		_, _, err := Verify(handMade(t, key, header, `{}`), e)
		if !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("header %s: %v, want %v", header, err, want)
		}
	}
}

func TestAlgorithmAllowList(t *testing.T) {
	key := newKey(t)
	tok, _ := Sign(key, testTyp, "", []byte(`{}`))
	if _, err := Parse(tok, Expect{Typ: testTyp, Algorithms: []Algorithm{"ES384"}}); !errors.Is(err, ErrAlgorithm) {
		t.Fatalf("ES256 token, ES384 allowed: %v, want ErrAlgorithm", err)
	}
	if _, err := Parse(tok, Expect{Typ: testTyp, Algorithms: []Algorithm{ES256}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(tok, Expect{}); err == nil || errors.Is(err, ErrMalformed) {
		t.Fatalf("Parse without an expected typ = %v, want a caller error", err)
	}
}

// TestAnotherSuite: an algorithm added to the suites and the default
// allow-list is signed and verified by unchanged calls.
func TestAnotherSuite(t *testing.T) {
	saved := defaultAlgorithms
	suites["ES384"] = suite{jose: jose.ES384, sigSize: 96, publicKey: func(key any) (crypto.PublicKey, bool) {
		switch k := key.(type) {
		case *ecdsa.PublicKey:
			return k, k != nil && k.Curve == elliptic.P384()
		case *ecdsa.PrivateKey:
			return &k.PublicKey, k != nil && k.Curve == elliptic.P384()
		}
		return nil, false
	}}
	defaultAlgorithms = []Algorithm{ES256, "ES384"}
	t.Cleanup(func() { delete(suites, "ES384"); defaultAlgorithms = saved })

	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	tok, err := Sign(p384, testTyp, "k384", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p384.PublicKey, KeyID: "k384"}}}
	h, _, err := Verify(tok, Expect{Typ: testTyp, Keys: ByKeyID(set)})
	if err != nil || h.Alg != "ES384" {
		t.Fatalf("Verify = %+v, %v", h, err)
	}
	// A caller that pins ES256 still refuses it.
	if _, _, err := Verify(tok, Expect{Typ: testTyp, Algorithms: []Algorithm{ES256}, Keys: ByKeyID(set)}); !errors.Is(err, ErrAlgorithm) {
		t.Fatalf("pinned ES256: %v, want ErrAlgorithm", err)
	}
}

func TestHeaderJWK(t *testing.T) {
	key := newKey(t)
	pub, err := (&jose.JSONWebKey{Key: &key.PublicKey}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := (&jose.JSONWebKey{Key: key}).MarshalJSON()
	tok := handMade(t, key, `{"alg":"ES256","typ":"`+testTyp+`","jwk":`+string(pub)+`}`, `{}`)
	parsed, err := Parse(tok, Expect{Typ: testTyp})
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := parsed.Header.JWK()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parsed.Verify(PublicKey(jwk.Key)); err != nil {
		t.Fatal(err)
	}
	for _, header := range []string{
		`{"alg":"ES256","typ":"` + testTyp + `"}`,
		`{"alg":"ES256","typ":"` + testTyp + `","jwk":"x"}`,
		`{"alg":"ES256","typ":"` + testTyp + `","jwk":` + string(priv) + `}`,
		`{"alg":"ES256","typ":"` + testTyp + `","jwk":{"kty":"EC"}}`,
	} {
		parsed, err := Parse(handMade(t, key, header, `{}`), Expect{Typ: testTyp})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parsed.Header.JWK(); err == nil {
			t.Errorf("JWK accepted header %s", header)
		}
	}
}

func TestDecodeClaims(t *testing.T) {
	var c struct {
		Iss string `json:"iss"`
	}
	if err := DecodeClaims([]byte(`{"iss":"a","other":[1]}`), &c); err != nil || c.Iss != "a" {
		t.Fatalf("unknown claims must be ignored: %v", err)
	}
	if err := DecodeClaims([]byte(`{"iss":1}`), &c); !errors.Is(err, ErrMalformed) {
		t.Fatalf("wrong type = %v, want ErrMalformed", err)
	}
}

func FuzzParse(f *testing.F) {
	key := newKey(f)
	good, _ := Sign(key, testTyp, "k1", []byte(`{"iss":"a"}`))
	f.Add(good)
	f.Add(handMade(f, key, `{"alg":"ES256","typ":"`+testTyp+`","typ":"x"}`, `{}`))
	f.Add(handMade(f, key, `{"alg":"none","typ":"`+testTyp+`"}`, `{}`))
	f.Add(handMade(f, key, `{"alg":"ES256","typ":"`+testTyp+`","crit":["x"]}`, `{}`))
	f.Add(`{"protected":"","payload":"","signature":""}`)
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Parse(s, Expect{Typ: testTyp})
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrAlgorithm) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if tok.Header.Alg != ES256 || !TypIs(tok.Header.Typ, testTyp) {
			t.Fatalf("accepted header %+v", tok.Header)
		}
		if _, crit := tok.Header.Fields["crit"]; crit {
			t.Fatal("accepted crit")
		}
		if strings.Count(s, ".") != 2 || strings.ContainsAny(s, "={} \n+/") {
			t.Fatalf("accepted a token not in canonical compact form: %q", s)
		}
		// Verifying never panics, and a forged token never verifies.
		if _, err := tok.Verify(PublicKey(&key.PublicKey)); err == nil && s != good {
			if _, _, err2 := Verify(s, Expect{Typ: testTyp, Keys: PublicKey(&key.PublicKey)}); err2 != nil {
				t.Fatalf("Verify disagrees with Parse+Token.Verify: %v", err2)
			}
		}
	})
}

func TestSHA256(t *testing.T) {
	for _, n := range []int{0, 1, 511, 512, 513, 1500, 4096} {
		s := strings.Repeat("a.b~", n)[:n]
		if got, want := SHA256(s), sha256.Sum256([]byte(s)); got != want {
			t.Fatalf("%d bytes: %x, want %x", n, got, want)
		}
	}
}

func TestKeysWithIDIsSetKey(t *testing.T) {
	k := func(kid string) jose.JSONWebKey { return jose.JSONWebKey{KeyID: kid, Key: []byte(kid)} }
	for _, set := range [][]jose.JSONWebKey{
		nil, {k("a")}, {k("b")}, {k("a"), k("b")}, {k("b"), k("a"), k("a")}, {k("a"), k("b"), k("a")},
	} {
		s := jose.JSONWebKeySet{Keys: set}
		for _, kid := range []string{"a", "b", "c", ""} {
			if got, want := keysWithID(s, kid), s.Key(kid); !reflect.DeepEqual(got, want) {
				t.Errorf("keys %v, kid %q: got %v, want %v", set, kid, got, want)
			}
		}
	}
}

// opaqueSigner hides its key behind crypto.Signer, as a hardware module
// does; sig, if set, is returned in place of a signature.
type opaqueSigner struct {
	key *ecdsa.PrivateKey
	sig []byte
}

func (o opaqueSigner) Public() crypto.PublicKey { return o.key.Public() }

func (o opaqueSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if o.sig != nil {
		return o.sig, nil
	}
	return o.key.Sign(r, digest, opts)
}

// ES256 tokens this package signs are read and verified by go-jose, an
// independent implementation, with the header members Sign was given.
func TestES256ReadByGoJose(t *testing.T) {
	key := newKey(t)
	for _, tc := range []struct {
		name string
		sign func() (string, error)
		kid  string
		jwk  bool
	}{
		{"Sign", func() (string, error) { return Sign(key, testTyp, "k1", []byte(`{"a":1}`)) }, "k1", false},
		{"no kid", func() (string, error) { return Sign(key, testTyp, "", []byte(`{"a":1}`)) }, "", false},
		{"opaque signer", func() (string, error) { return Sign(opaqueSigner{key: key}, testTyp, "k2", []byte(`{"a":1}`)) }, "k2", false},
		{"SignWithJWK", func() (string, error) { return SignWithJWK(key, testTyp, []byte(`{"a":1}`)) }, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := tc.sign()
			if err != nil {
				t.Fatal(err)
			}
			obj, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256})
			if err != nil {
				t.Fatalf("go-jose cannot parse %s: %v", tok, err)
			}
			payload, err := obj.Verify(&key.PublicKey)
			if err != nil || string(payload) != `{"a":1}` {
				t.Fatalf("go-jose Verify = %q, %v", payload, err)
			}
			h := obj.Signatures[0].Protected
			if h.Algorithm != "ES256" || h.KeyID != tc.kid || h.ExtraHeaders[jose.HeaderType] != testTyp {
				t.Fatalf("header %+v", h)
			}
			if tc.jwk != (h.JSONWebKey != nil) {
				t.Fatalf("header jwk %v, want one: %v", h.JSONWebKey, tc.jwk)
			}
			if tc.jwk {
				if pub, ok := h.JSONWebKey.Key.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) || !h.JSONWebKey.IsPublic() {
					t.Fatalf("header jwk %#v", h.JSONWebKey.Key)
				}
			}
			raw, err := B64.DecodeString(strings.Split(tok, ".")[0])
			if err != nil {
				t.Fatal(err)
			}
			var members map[string]any
			if err := json.Unmarshal(raw, &members); err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{"alg": true, "typ": true, "kid": tc.kid != "", "jwk": tc.jwk}
			for k := range members {
				if !want[k] {
					t.Errorf("header member %q", k)
				}
			}
			if len(strings.Split(tok, ".")[2]) != 86 {
				t.Errorf("signature %q is not 64 bytes", strings.Split(tok, ".")[2])
			}
		})
	}
	// A signer that answers with something other than an ASN.1 ECDSA
	// signature makes Sign fail.
	for _, bad := range [][]byte{{0x30, 0x00}, []byte("not DER"), make([]byte, 64)} {
		if tok, err := Sign(opaqueSigner{key: key, sig: bad}, testTyp, "", []byte(`{}`)); err == nil {
			t.Errorf("a signer returning %x gave %s", bad, tok)
		}
	}
}

func BenchmarkSignES256(b *testing.B) {
	key := newKey(b)
	payload := []byte(`{"size":12345,"root":"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU","iat":1765000000}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(key, testTyp, "k1", payload); err != nil {
			b.Fatal(err)
		}
	}
}
