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

func TestMaskName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"张", "*"},
		{"张三", "张*"},
		{"张小三", "张*三"},
		{"欧阳小三", "欧**三"},
		{"SMITH JOHN", "S********N"},
	}
	for _, tt := range tests {
		if got := MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

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

func TestKindOf(t *testing.T) {
	tests := []struct {
		name     string
		category string
		basis    string
		want     Kind
		err      error
	}{
		{"hotel", storage.CategoryInPerson, "hotel: 《旅馆业治安管理办法》", KindHotel, nil},
		{"full-width colon", storage.CategoryInPerson, "transport：铁路旅客实名制", KindTransport, nil},
		{"spaces", storage.CategoryInPerson, "  counter :政务", KindCounter, nil},
		{"age check", storage.CategoryInPerson, "age_check: 未成年人保护法", KindAgeCheck, nil},
		{"no legal basis", storage.CategoryInPerson, "", KindAgeCheck, nil},
		{"unknown kind", storage.CategoryInPerson, "casino: x", "", ErrNotInPerson},
		{"no kind", storage.CategoryInPerson, "旅馆业治安管理办法", "", ErrNotInPerson},
		{"case matters", storage.CategoryInPerson, "Hotel: x", "", ErrNotInPerson},
		{"internet service", storage.CategoryInternetService, "hotel: x", "", ErrNotInPerson},
		{"no category", "", "", "", ErrNotInPerson},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := KindOf(storage.RelyingParty{Category: tt.category, LegalBasis: tt.basis})
			if k != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("KindOf = %q, %v; want %q, %v", k, err, tt.want, tt.err)
			}
		})
	}
}

// TestPolicyNeverExceedsRegistration: for every kind and every subset of
// the claims behind the fields, the fields given are those of the kind
// whose claim is registered, and age checks never see plaintext.
func TestPolicyNeverExceedsRegistration(t *testing.T) {
	claims := []string{relyingparty.ClaimName, relyingparty.ClaimDocumentNumber, relyingparty.ClaimSex, relyingparty.ClaimAgeOver18, relyingparty.ClaimDocumentValidUntil}
	for _, k := range Kinds {
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
			if k == KindAgeCheck && slices.ContainsFunc(fields, func(f Field) bool { return relyingparty.IsPlaintext(f.Claim()) }) {
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
		for _, m := range []string{MaskName(s), MaskNumber(s)} {
			if utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
				t.Fatalf("mask %q of %q changes the length", m, s)
			}
			if n := utf8.RuneCountInString(s); n > 2 && !strings.Contains(m, "*") {
				t.Fatalf("mask %q hides nothing", m)
			}
		}
	})
}

func FuzzKindOf(f *testing.F) {
	for _, s := range []string{"", "hotel: x", "transport：y", "age_check", ":", "：", "\xff:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, basis string) {
		k, fields, err := Policy(storage.RelyingParty{Category: storage.CategoryInPerson, LegalBasis: basis, AllowedClaims: relyingparty.Claims()})
		if err != nil {
			if !errors.Is(err, ErrNotInPerson) || k != "" || fields != nil {
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
