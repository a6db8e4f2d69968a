package credential

import (
	"errors"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/jws"
)

func FuzzParse(f *testing.F) {
	fx := newFixture(f)
	issued := fx.issue(f)
	f.Add(issued)
	f.Add(fx.present(f, "age_over_18"))
	f.Add("a.b.c~")
	f.Add("a.b.c~WyJzYWx0IiwiYSIsMV0~")
	f.Add("a.b.c~WyJzYWx0IiwxXQ~d.e.f")
	f.Add("~~~")
	for _, d := range []string{`["s","_sd",1]`, `["s",{"a":1,"a":2}]`, `["s","n",1,2]`, `[1,"n",1]`, `["s","n",1]x`} {
		f.Add("a.b.c~" + b64(d) + "~")
	}
	f.Fuzz(func(t *testing.T, s string) {
		sd, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		out := sd.String()
		if out != s {
			t.Fatalf("String() = %q, want %q", out, s)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if len(again.Disclosures) != len(sd.Disclosures) || again.KeyBinding != sd.KeyBinding || again.JWT != sd.JWT {
			t.Fatal("reparse differs")
		}
		seen := map[string]bool{}
		for i, d := range sd.Disclosures {
			if d.Digest != "" || again.Disclosures[i].Encoded != d.Encoded {
				t.Fatal("reparse differs, or Parse set a digest before the hash is known")
			}
			if seen[d.Encoded] {
				t.Fatal("a repeated disclosure accepted")
			}
			seen[d.Encoded] = true
			if !d.ArrayElement && (d.Name == "_sd" || d.Name == "...") {
				t.Fatal("reserved name accepted")
			}
		}
	})
}

func FuzzVerifyPresentation(f *testing.F) {
	fx := newFixture(f)
	issued := fx.issue(f)
	pres := fx.present(f, "age_over_18", "address")
	f.Add(pres)
	f.Add(fx.present(f, ClaimWanghao))
	f.Add(issued)
	f.Add(strings.Replace(pres, "~", "~~", 1))
	parts := strings.Split(issued, "~")
	f.Add(pres + parts[1] + "~")
	f.Add(parts[0] + "~" + parts[len(parts)-2] + "~" + pres[strings.LastIndex(pres, "~")+1:])
	f.Fuzz(func(t *testing.T, s string) {
		cred, err := VerifyPresentation(s, fx.opts())
		if err != nil {
			return
		}
		// Anything accepted must be bound to this exact string and carry
		// only claims the credential was issued with; the 网号 only when
		// its disclosure was presented.
		_, whDisclosed := cred.Disclosed[ClaimWanghao]
		if cred.Raw != s || cred.KeyBinding == nil ||
			(whDisclosed && cred.Claims.Wanghao != fx.claims.Wanghao) || (!whDisclosed && cred.Claims.Wanghao != "") {
			t.Fatalf("accepted presentation with unexpected content")
		}
		for name := range cred.Disclosed {
			if _, ok := fx.claims.Disclosable[name]; !ok && name != ClaimWanghao {
				t.Fatalf("accepted a claim %q that was never issued", name)
			}
		}
	})
}

// FuzzDecodeUnverified checks that decoding a stored SD-JWT never panics,
// fails only with this package's sentinels, and agrees with Verify on
// anything the issuer really signed.
func FuzzDecodeUnverified(f *testing.F) {
	fx := newFixture(f)
	issued := fx.issue(f)
	f.Add(issued)
	f.Add(fx.present(f, ClaimWanghao))
	parts := strings.Split(issued, "~")
	f.Add(parts[0] + "~" + parts[1] + "~")
	f.Add("a.b.c~")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeUnverified(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrSignature) && !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if v, err := Verify(s, fx.keys, testNow); err == nil && v.Claims.Wanghao != c.Claims.Wanghao {
			t.Fatalf("Verify and DecodeUnverified disagree on the 网号")
		}
	})
}

// FuzzValidB64 holds validB64 to the decoder it stands in for.
func FuzzValidB64(f *testing.F) {
	for _, s := range []string{"", "A", "AA", "AB", "AAA", "AAB", "AAAA", "a-_9", "ab\ncd", "ab=", "QQ", "QR", "QUI", "QUJ", "+/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := jws.B64.DecodeString(s)
		if got, want := validB64(s), err == nil; got != want {
			t.Fatalf("validB64(%q) = %v, the decoder says %v", s, got, want)
		}
	})
}
