package credential

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// revealed lists every place of presentation p (raw text, decoded
// issuer-signed header and payload, decoded disclosures, decoded
// key-binding JWT) that contains wanghao.
func revealed(t *testing.T, p, wanghao string) []string {
	t.Helper()
	var where []string
	if strings.Contains(p, wanghao) {
		where = append(where, "raw presentation")
	}
	sd, err := Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	for name, compact := range map[string]string{"issuer-signed JWT": sd.JWT, "key-binding JWT": sd.KeyBinding} {
		for i, part := range strings.Split(compact, ".")[:2] {
			b, err := jws.B64.DecodeString(part)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), wanghao) {
				where = append(where, name+[]string{" header", " payload"}[i])
			}
		}
	}
	for _, d := range sd.Disclosures {
		b, err := jws.B64.DecodeString(d.Encoded)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), wanghao) {
			where = append(where, "disclosure of "+d.Name)
		}
	}
	return where
}

// TestWanghaoSelectivelyDisclosed checks minimum provision for the 网号: a
// presentation that does not disclose it reveals it nowhere, one that does
// reveals it in its own disclosure only.
func TestWanghaoSelectivelyDisclosed(t *testing.T) {
	f := newFixture(t)
	wh := f.claims.Wanghao
	tests := []struct {
		name     string
		disclose []string
		want     []string // where the 网号 may appear
	}{
		{"nothing", nil, nil},
		{"age only", []string{"age_over_18"}, nil},
		{"everything else", []string{"age_over_18", "age_over_60", "name_digest", "address"}, nil},
		{"网号 only", []string{ClaimWanghao}, []string{"disclosure of wanghao"}},
		{"网号 and age", []string{"age_over_18", ClaimWanghao}, []string{"disclosure of wanghao"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.present(t, tt.disclose...)
			if got := revealed(t, p, wh); !slices.Equal(got, tt.want) {
				t.Errorf("网号 revealed in %q, want %q", got, tt.want)
			}
			c, err := VerifyPresentation(p, f.opts())
			if err != nil {
				t.Fatal(err)
			}
			wantWH := ""
			if slices.Contains(tt.disclose, ClaimWanghao) {
				wantWH = wh
			}
			if c.Claims.Wanghao != wantWH {
				t.Errorf("Claims.Wanghao = %q, want %q", c.Claims.Wanghao, wantWH)
			}
			if got, want := slices.Sorted(maps.Keys(c.Disclosed)), slices.Sorted(slices.Values(tt.disclose)); !slices.Equal(got, want) {
				t.Errorf("Disclosed = %v, want %v", got, want)
			}
			if _, ok := c.Claims.Disclosable[ClaimWanghao]; ok {
				t.Error("Claims.Disclosable holds the 网号; it belongs in Claims.Wanghao")
			}
			if v, ok := c.Payload[ClaimWanghao]; (wantWH != "") != ok || (ok && v != wh) {
				t.Errorf("Payload[wanghao] = %v, %v", v, ok)
			}
			b, err := json.Marshal(c.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), wh) != (wantWH != "") {
				t.Errorf("processed payload reveals the 网号: %v, want %v", !(wantWH != ""), wantWH != "")
			}
		})
	}
}

// TestPlaintextWanghaoCompatibility: a credential issued before the 网号
// was selectively disclosable (plaintext wanghao in the issuer-signed JWT)
// still verifies and presents; it reveals the 网号 in every presentation,
// and naming it in Present is accepted.
func TestPlaintextWanghaoCompatibility(t *testing.T) {
	f := newFixture(t)
	d := disc(t, "c2FsdC0x", "age_over_18", true)
	p := f.payload(t, digest(suite.ES256, d))
	p[ClaimWanghao] = f.claims.Wanghao
	issued := sdjwt(rawJWT(t, f.issuerKey, issuerHeader(), mustJSON(t, p)), d)

	c, err := Verify(issued, f.keys, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if c.Claims.Wanghao != f.claims.Wanghao {
		t.Errorf("Claims.Wanghao = %q, want %q", c.Claims.Wanghao, f.claims.Wanghao)
	}
	if _, ok := c.Disclosed[ClaimWanghao]; ok {
		t.Error("a plaintext 网号 is reported as disclosed")
	}
	for _, disclose := range [][]string{nil, {ClaimWanghao}, {ClaimWanghao, "age_over_18"}} {
		pres, err := Present(issued, disclose, f.holderKey, testAud, testNon, testNow)
		if err != nil {
			t.Fatalf("Present(%v): %v", disclose, err)
		}
		pc, err := VerifyPresentation(pres, f.opts())
		if err != nil {
			t.Fatalf("VerifyPresentation(%v): %v", disclose, err)
		}
		if pc.Claims.Wanghao != f.claims.Wanghao {
			t.Errorf("%v: Claims.Wanghao = %q", disclose, pc.Claims.Wanghao)
		}
	}
	// Other plaintext claims still cannot be named.
	if _, err := Present(issued, []string{"jti"}, f.holderKey, testAud, testNon, testNow); !errors.Is(err, ErrUnknownClaim) {
		t.Errorf("Present(jti) = %v, want ErrUnknownClaim", err)
	}
}

func TestDecodeUnverified(t *testing.T) {
	f := newFixture(t)
	issued := f.issue(t)
	c, err := DecodeUnverified(issued)
	if err != nil {
		t.Fatal(err)
	}
	if c.Claims.Wanghao != f.claims.Wanghao || c.Claims.ID != f.claims.ID || c.Raw != issued || c.KeyID != testKID {
		t.Errorf("DecodeUnverified = %+v", c.Claims)
	}
	// It checks no signature and no time, but everything else.
	p := f.payload(t)
	p["exp"] = testNow.Add(-time.Hour).Unix()
	expiredByOther := sdjwt(rawJWT(t, newKey(t), issuerHeader(), mustJSON(t, p)))
	dup := strings.Replace(mustJSON(t, f.payload(t)), `"iss":`, `"jti":"attacker","iss":`, 1)
	dWH := disc(t, "c2FsdC0x", ClaimWanghao, f.claims.Wanghao)
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"signed by another key, expired", expiredByOther, nil},
		{"key binding", f.present(t), ErrMalformed},
		{"malformed", "x~", ErrMalformed},
		{"duplicate key", sdjwt(rawJWT(t, f.issuerKey, issuerHeader(), dup)), ErrMalformed},
		{"wrong typ", sdjwt(rawJWT(t, f.issuerKey, `{"alg":"ES256","typ":"JWT","kid":"k"}`, mustJSON(t, f.payload(t)))), ErrMalformed},
		{"unreferenced 网号 disclosure", sdjwt(rawJWT(t, f.issuerKey, issuerHeader(), mustJSON(t, f.payload(t))), dWH), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeUnverified(tt.in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("DecodeUnverified = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeUnverified = %v, want %v", err, tt.want)
			}
		})
	}
}
