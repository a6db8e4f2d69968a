package eid

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/jws/jwstest"
)

const (
	testIssuer = "https://netid.example.cn"
	testCID    = "7f0c2a9e-52d4-4d5b-9a51-0d6f1c1e9b2a"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// rawJWS signs arbitrary header and payload JSON with key, so tests can
// build payloads SignOnline would never make.
func rawJWS(t testing.TB, key *ecdsa.PrivateKey, header, payload string) string {
	t.Helper()
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	d := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return PrefixOnline + input + "." + b64.EncodeToString(sig)
}

const (
	goodHeader = `{"alg":"ES256","typ":"netid-eid+jwt","kid":"` + testCID + `"}`
	goodJTI    = "AAECAwQFBgcICQoLDA0ODw"
)

// claimsJSON is a valid payload JSON at t0 with one member replaced.
func claimsJSON(iat, exp string) string {
	return `{"iss":"` + testIssuer + `","cid":"` + testCID + `","iat":` + iat + `,"exp":` + exp + `,"jti":"` + goodJTI + `"}`
}

func TestSignParseVerify(t *testing.T) {
	key := newKey(t)
	now := t0.Add(1234 * time.Millisecond)
	p, err := SignOnline(key, testIssuer, testCID, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p, PrefixOnline) || len(p) > 400 {
		t.Fatalf("payload %d bytes: %.30q…", len(p), p)
	}
	o, err := ParseOnline(p)
	if err != nil {
		t.Fatal(err)
	}
	c := o.Claims
	iat := t0.Add(time.Second)
	if c.Issuer != testIssuer || c.CredentialID != testCID || !c.IssuedAt.Equal(iat) || !c.ExpiresAt.Equal(iat.Add(Window)) {
		t.Fatalf("claims %+v", c)
	}
	if err := checkRandomID("jti", c.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		key  *ecdsa.PublicKey
		now  time.Time
		want error
	}{
		{"at iat", &key.PublicKey, iat, nil},
		{"skew before iat", &key.PublicKey, iat.Add(-Skew), nil},
		{"at exp", &key.PublicKey, iat.Add(Window), nil},
		{"before skew", &key.PublicKey, iat.Add(-Skew - time.Second), ErrNotYetValid},
		{"after exp", &key.PublicKey, iat.Add(Window + time.Nanosecond), ErrExpired},
		{"an hour later", &key.PublicKey, iat.Add(time.Hour), ErrExpired},
		{"another device key", &newKey(t).PublicKey, iat, ErrSignature},
		{"no key", nil, iat, ErrSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := o.Verify(tc.key, tc.now)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}

	// Two payloads at the same instant differ (jti).
	p2, err := SignOnline(key, testIssuer, testCID, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	o2, err := ParseOnline(p2)
	if err != nil || o2.Claims.ID == c.ID {
		t.Fatalf("second payload: %v, same jti %v", err, o2 != nil && o2.Claims.ID == c.ID)
	}
}

func TestVerifyTampered(t *testing.T) {
	key := newKey(t)
	p, err := SignOnline(key, testIssuer, testCID, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(strings.TrimPrefix(p, PrefixOnline), ".")
	// The same header and claims but a later exp: the signature no longer
	// covers it.
	later := b64.EncodeToString([]byte(claimsJSON("1772352000", "1772352060")))
	forged := PrefixOnline + parts[0] + "." + later + "." + parts[2]
	// A negated s also verifies under plain ECDSA: payloads are told apart
	// by jti, not by their bytes, so this is no replay risk; check only
	// that a flipped bit fails.
	sig, _ := decodeB64(parts[2])
	sig[5] ^= 1
	flipped := PrefixOnline + parts[0] + "." + parts[1] + "." + b64.EncodeToString(sig)
	for name, s := range map[string]string{"claims changed": forged, "signature bit": flipped} {
		o, err := ParseOnline(s)
		if err != nil {
			t.Fatalf("%s: parse: %v", name, err)
		}
		if err := o.Verify(&key.PublicKey, o.Claims.IssuedAt); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: Verify = %v, want ErrSignature", name, err)
		}
	}
	// r or s of zero or at least the group order never verify.
	n := elliptic.P256().Params().N
	for _, bad := range [][2]*big.Int{{big.NewInt(0), big.NewInt(1)}, {n, big.NewInt(1)}} {
		sig := make([]byte, 64)
		bad[0].FillBytes(sig[:32])
		bad[1].FillBytes(sig[32:])
		o, err := ParseOnline(PrefixOnline + parts[0] + "." + parts[1] + "." + b64.EncodeToString(sig))
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Verify(&key.PublicKey, t0); !errors.Is(err, ErrSignature) {
			t.Errorf("r=%v: Verify = %v", bad[0], err)
		}
	}
}

func TestParseOnlineRejects(t *testing.T) {
	key := newKey(t)
	valid := rawJWS(t, key, goodHeader, claimsJSON("1772352000", "1772352060"))
	if _, err := ParseOnline(valid); err != nil {
		t.Fatalf("the base case does not parse: %v", err)
	}
	body := strings.TrimPrefix(valid, PrefixOnline)
	parts := strings.Split(body, ".")
	cases := []struct {
		name    string
		payload string
		window  bool
	}{
		{"empty", "", false},
		{"no prefix", body, false},
		{"offline prefix", PrefixOffline + body, false},
		{"lower-case prefix", strings.ToLower(PrefixOnline) + body, false},
		{"two parts", PrefixOnline + parts[0] + "." + parts[1], false},
		{"four parts", valid + ".AAAA", false},
		{"padded base64", PrefixOnline + parts[0] + "=." + parts[1] + "." + parts[2], false},
		{"std base64 alphabet", PrefixOnline + strings.ReplaceAll(parts[0], "_", "/") + "x/." + parts[1] + "." + parts[2], false},
		{"short signature", PrefixOnline + parts[0] + "." + parts[1] + "." + parts[2][:40], false},
		{"too long", valid + strings.Repeat("A", MaxOnlineSize), false},
		{"alg none", rawJWS(t, key, `{"alg":"none","typ":"netid-eid+jwt","kid":"`+testCID+`"}`, claimsJSON("1772352000", "1772352060")), false},
		{"alg HS256", rawJWS(t, key, `{"alg":"HS256","typ":"netid-eid+jwt","kid":"`+testCID+`"}`, claimsJSON("1772352000", "1772352060")), false},
		{"typ JWT", rawJWS(t, key, `{"alg":"ES256","typ":"JWT","kid":"`+testCID+`"}`, claimsJSON("1772352000", "1772352060")), false},
		{"no kid", rawJWS(t, key, `{"alg":"ES256","typ":"netid-eid+jwt"}`, claimsJSON("1772352000", "1772352060")), false},
		{"kid is not cid", rawJWS(t, key, `{"alg":"ES256","typ":"netid-eid+jwt","kid":"other"}`, claimsJSON("1772352000", "1772352060")), false},
		{"header jwk", rawJWS(t, key, `{"alg":"ES256","typ":"netid-eid+jwt","kid":"`+testCID+`","jwk":"x"}`, claimsJSON("1772352000", "1772352060")), false},
		{"header crit", rawJWS(t, key, `{"alg":"ES256","typ":"netid-eid+jwt","kid":"`+testCID+`","crit":["exp"]}`, claimsJSON("1772352000", "1772352060")), false},
		{"duplicate alg", rawJWS(t, key, `{"alg":"ES256","alg":"ES256","typ":"netid-eid+jwt","kid":"`+testCID+`"}`, claimsJSON("1772352000", "1772352060")), false},
		{"header not JSON", rawJWS(t, key, `ES256`, claimsJSON("1772352000", "1772352060")), false},
		{"unknown claim", rawJWS(t, key, goodHeader, strings.TrimSuffix(claimsJSON("1772352000", "1772352060"), "}")+`,"name":"x"}`), false},
		{"duplicate exp", rawJWS(t, key, goodHeader, strings.TrimSuffix(claimsJSON("1772352000", "1772352060"), "}")+`,"exp":1772352059}`), false},
		{"trailing data", rawJWS(t, key, goodHeader, claimsJSON("1772352000", "1772352060")+`{}`), false},
		{"trailing garbage", rawJWS(t, key, goodHeader, claimsJSON("1772352000", "1772352060")+`x`), false},
		{"array", rawJWS(t, key, goodHeader, `[`+claimsJSON("1772352000", "1772352060")+`]`), false},
		{"no jti", rawJWS(t, key, goodHeader, `{"iss":"`+testIssuer+`","cid":"`+testCID+`","iat":1772352000,"exp":1772352060}`), false},
		{"short jti", rawJWS(t, key, goodHeader, strings.Replace(claimsJSON("1772352000", "1772352060"), goodJTI, "AAECAwQFBgcICQoLDA0O", 1)), false},
		{"null iss", rawJWS(t, key, goodHeader, strings.Replace(claimsJSON("1772352000", "1772352060"), `"`+testIssuer+`"`, "null", 1)), false},
		{"iss not a URL", rawJWS(t, key, goodHeader, strings.Replace(claimsJSON("1772352000", "1772352060"), testIssuer, "netid.example.cn", 1)), false},
		{"iat string", rawJWS(t, key, goodHeader, claimsJSON(`"1772352000"`, "1772352060")), false},
		{"iat fraction", rawJWS(t, key, goodHeader, claimsJSON("1772352000.5", "1772352060")), false},
		{"iat exponent", rawJWS(t, key, goodHeader, claimsJSON("1.772352e9", "1772352060")), false},
		{"iat negative", rawJWS(t, key, goodHeader, claimsJSON("-1", "30")), false},
		{"exp object", rawJWS(t, key, goodHeader, claimsJSON("1772352000", `{"t":1}`)), false},
		{"exp huge", rawJWS(t, key, goodHeader, claimsJSON("1772352000", "99999999999999999999")), false},
		{"invalid UTF-8", rawJWS(t, key, goodHeader, strings.Replace(claimsJSON("1772352000", "1772352060"), testCID, "\xff", 1)), false},
		{"window 61 s", rawJWS(t, key, goodHeader, claimsJSON("1772352000", "1772352061")), true},
		{"window a day", rawJWS(t, key, goodHeader, claimsJSON("1772352000", "1772438400")), true},
		{"exp equals iat", rawJWS(t, key, goodHeader, claimsJSON("1772352000", "1772352000")), true},
		{"exp before iat", rawJWS(t, key, goodHeader, claimsJSON("1772352000", "1772351990")), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseOnline(tc.payload)
			if !errors.Is(err, ErrMalformed) || o != nil {
				t.Fatalf("ParseOnline = %v, %v; want ErrMalformed", o, err)
			}
			if errors.Is(err, ErrWindow) != tc.window {
				t.Fatalf("ParseOnline = %v; ErrWindow %v, want %v", err, !tc.window, tc.window)
			}
			if strings.Contains(err.Error(), testCID) || strings.Contains(err.Error(), goodJTI) {
				t.Fatalf("error quotes the payload: %v", err)
			}
		})
	}
}

func TestSignOnlineErrors(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	for _, tc := range []struct {
		name        string
		key         *ecdsa.PrivateKey
		issuer, cid string
		now         time.Time
		random      func() *strings.Reader
		want        error
	}{
		{"nil key", nil, testIssuer, testCID, t0, nil, nil},
		{"P-384 key", p384, testIssuer, testCID, t0, nil, nil},
		{"issuer not a URL", key, "netid.example.cn", testCID, t0, nil, ErrMalformed},
		{"empty cid", key, testIssuer, "", t0, nil, ErrMalformed},
		{"cid with a space", key, testIssuer, "a b", t0, nil, ErrMalformed},
		{"before 1970", key, testIssuer, testCID, time.Unix(-100, 0), nil, ErrMalformed},
		{"short randomness", key, testIssuer, testCID, t0, func() *strings.Reader { return strings.NewReader("short") }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p string
			var err error
			if tc.random != nil {
				p, err = SignOnline(tc.key, tc.issuer, tc.cid, tc.now, tc.random())
			} else {
				p, err = SignOnline(tc.key, tc.issuer, tc.cid, tc.now, nil)
			}
			if err == nil || p != "" {
				t.Fatalf("SignOnline = %q, %v; want an error", p, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("SignOnline error %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzParseOnline(f *testing.F) {
	key := newKey(f)
	valid, err := SignOnline(key, testIssuer, testCID, t0, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid, testIssuer, testCID)
	f.Add(PrefixOnline+"e30.e30.AA", "http://x", "c")
	f.Add(rawJWS(f, key, goodHeader, claimsJSON("1772352000", "1772352061")), "https://a", "b")
	f.Add(PrefixOffline+"x~y~", "", "")
	f.Add("", "https://", "\x00")
	f.Fuzz(func(t *testing.T, payload, issuer, cid string) {
		if o, err := ParseOnline(payload); err == nil {
			// Parse → encode → parse gives the same claims.
			again, err := SignOnline(key, o.Claims.Issuer, o.Claims.CredentialID, o.Claims.IssuedAt, nil)
			if err != nil {
				t.Fatalf("re-signing parsed claims: %v", err)
			}
			o2, err := ParseOnline(again)
			if err != nil {
				t.Fatalf("parsing re-signed claims: %v", err)
			}
			c, c2 := o.Claims, o2.Claims
			if c.Issuer != c2.Issuer || c.CredentialID != c2.CredentialID || !c.IssuedAt.Equal(c2.IssuedAt) {
				t.Fatalf("round trip: %+v != %+v", c, c2)
			}
		} else if !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", err)
		}
		// A payload SignOnline makes parses and verifies.
		p, err := SignOnline(key, issuer, cid, t0, nil)
		if err != nil {
			return
		}
		o, err := ParseOnline(p)
		if err != nil {
			t.Fatalf("parsing a signed payload: %v", err)
		}
		if o.Claims.Issuer != issuer || o.Claims.CredentialID != cid {
			t.Fatalf("round trip: %+v", o.Claims)
		}
		if err := o.Verify(&key.PublicKey, t0); err != nil {
			t.Fatalf("verifying a signed payload: %v", err)
		}
	})
}

func BenchmarkSignOnline(b *testing.B) {
	key := newKey(b)
	for b.Loop() {
		if _, err := SignOnline(key, testIssuer, testCID, t0, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyOnline parses and verifies one payload per iteration.
func BenchmarkVerifyOnline(b *testing.B) {
	key := newKey(b)
	p, err := SignOnline(key, testIssuer, testCID, t0, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		o, err := ParseOnline(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := o.Verify(&key.PublicKey, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseOnlineTyp: typ is compared by the one rule of RFC 7515 §4.1.9
// (letter case ignored, "application/" optional), as for every netid JWS.
func TestParseOnlineTyp(t *testing.T) {
	key := newKey(t)
	for _, typ := range []string{"NETID-EID+JWT", "application/netid-eid+jwt"} {
		p := rawJWS(t, key, `{"alg":"ES256","typ":"`+typ+`","kid":"`+testCID+`"}`, claimsJSON("1772352000", "1772352060"))
		o, err := ParseOnline(p)
		if err != nil {
			t.Fatalf("typ %q: %v", typ, err)
		}
		if err := o.Verify(&key.PublicKey, t0); err != nil {
			t.Fatalf("typ %q: %v", typ, err)
		}
	}
	valid := strings.TrimPrefix(rawJWS(t, key, goodHeader, claimsJSON("1772352000", "1772352060")), PrefixOnline)
	if _, err := ParseOnline(PrefixOnline + jwstest.JSONSerialization(valid)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("JSON serialization: %v, want ErrMalformed", err)
	}
}
