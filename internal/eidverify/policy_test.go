package eidverify

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/netid-project/netid/internal/qr"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

func TestMaskNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"110105198506150013", "110105********0013"},
		{"110105850615001", "110105*****5001"},
		{"H12345678", "H1*****78"},
		{"E1234567", "E1****67"},
		{"1234567", "*******"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskNumber(tt.in); got != tt.want {
			t.Errorf("MaskNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPolicyNeverExceedsRegistration: for every kind and every subset of
// the claims behind the fields, the fields given are those of the kind
// whose claim is registered, and age checks never see plaintext.
func TestPolicyNeverExceedsRegistration(t *testing.T) {
	claims := []string{relyingparty.ClaimName, relyingparty.ClaimDocumentNumber, relyingparty.ClaimSex, relyingparty.ClaimAgeOver18, relyingparty.ClaimDocumentValidUntil}
	for _, k := range relyingparty.InPersonKinds {
		for mask := 0; mask < 1<<len(claims); mask++ {
			var reg []string
			for i, c := range claims {
				if mask&(1<<i) != 0 {
					reg = append(reg, c)
				}
			}
			kind, fields, err := Policy(storage.RelyingParty{Category: storage.CategoryInPerson, LegalBasis: string(k) + ": x", AllowedClaims: reg})
			if err != nil || kind != k {
				t.Fatalf("%s: %q %v", k, kind, err)
			}
			for _, f := range fields {
				if !slices.Contains(reg, f.Claim()) || !slices.Contains(KindFields(k), f) {
					t.Fatalf("%s registered for %v got %s", k, reg, f)
				}
			}
			for _, f := range KindFields(k) {
				if slices.Contains(reg, f.Claim()) && !slices.Contains(fields, f) {
					t.Fatalf("%s registered for %v lacks %s", k, reg, f)
				}
			}
			if k == relyingparty.KindAgeCheck && slices.ContainsFunc(fields, func(f Field) bool { return relyingparty.IsPlaintext(f.Claim()) }) {
				t.Fatalf("an age check sees plaintext: %v", fields)
			}
		}
	}
	for _, f := range Fields() {
		if !relyingparty.Known(f.Claim()) {
			t.Errorf("field %s needs unknown claim %q", f, f.Claim())
		}
	}
}

func TestDecodeQR(t *testing.T) {
	const text = "NETIDEID1.eyJhbGciOiJFUzI1NiJ9.e30.c2ln"
	img, err := qr.PNG(text, 4)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeQR(bytes.NewReader(img))
	if err != nil || got != text {
		t.Fatalf("DecodeQR = %q, %v", got, err)
	}

	var blank bytes.Buffer
	if err := png.Encode(&blank, image.NewGray(image.Rect(0, 0, 64, 64))); err != nil {
		t.Fatal(err)
	}
	var huge bytes.Buffer
	if err := png.Encode(&huge, image.NewGray(image.Rect(0, 0, 4000, 3001))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("NETIDEID1.abc")},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")},
		{"truncated png", img[:len(img)/2]},
		{"no code", blank.Bytes()},
		{"too many pixels", huge.Bytes()},
		{"too many bytes", append(bytes.Clone(img), make([]byte, MaxImageBytes)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeQR(bytes.NewReader(tt.data)); !errors.Is(err, ErrImage) {
				t.Fatalf("DecodeQR: %v, want ErrImage", err)
			}
		})
	}
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{"", "张三", "110105198506150013", "H12345678", "\xff\xfe", "a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range []string{MaskNumber(s)} {
			if utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
				t.Fatalf("mask %q of %q changes the length", m, s)
			}
			if n := utf8.RuneCountInString(s); n > 2 && !strings.Contains(m, "*") {
				t.Fatalf("mask %q hides nothing", m)
			}
		}
	})
}

func FuzzPolicy(f *testing.F) {
	for _, s := range []string{"", "hotel: x", "transport：y", "age_check", ":", "：", "\xff:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, basis string) {
		k, fields, err := Policy(storage.RelyingParty{Category: storage.CategoryInPerson, LegalBasis: basis, AllowedClaims: relyingparty.Claims()})
		if err != nil {
			if !errors.Is(err, relyingparty.ErrNotInPerson) || k != "" || fields != nil {
				t.Fatalf("error %v with kind %q", err, k)
			}
			return
		}
		if !slices.Equal(fields, KindFields(k)) {
			t.Fatalf("kind %s fields %v", k, fields)
		}
	})
}

func FuzzDecodeQR(f *testing.F) {
	img, err := qr.PNG("NETIDEID1.x", 2)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(img)
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := DecodeQR(bytes.NewReader(b)); err != nil && !errors.Is(err, ErrImage) {
			t.Fatalf("error %v does not wrap ErrImage", err)
		}
	})
}

// TestEveryKindHasFields: every kind a relying party can register as has
// a category policy here; a new kind without one would see nothing.
func TestEveryKindHasFields(t *testing.T) {
	for _, k := range relyingparty.InPersonKinds {
		if len(KindFields(k)) == 0 {
			t.Errorf("kind %s has no fields", k)
		}
	}
}
