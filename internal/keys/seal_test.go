package keys

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func newTestSealer(t testing.TB, kek []byte, old ...[]byte) *Sealer {
	t.Helper()
	s, err := NewSealer(kek, rand.Reader, old...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpenRoundTrip(t *testing.T) {
	s := newTestSealer(t, testKey(1))
	for _, pt := range [][]byte{nil, []byte("x"), []byte("张三 110101199003077777"), bytes.Repeat([]byte{0xAB}, 70000)} {
		aad := []byte("person:p1:identity")
		ct, err := s.Seal(pt, aad)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != len(pt)+Overhead {
			t.Errorf("len = %d, want %d", len(ct), len(pt)+Overhead)
		}
		if len(pt) > 4 && bytes.Contains(ct, pt) {
			t.Error("sealed value contains the plaintext")
		}
		got, err := s.Open(ct, aad)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pt) {
			t.Error("round trip changed the plaintext")
		}
		if !s.Current(ct) {
			t.Error("Current = false for a value sealed under the current KEK")
		}
	}
}

func TestOpenRejects(t *testing.T) {
	s := newTestSealer(t, testKey(1))
	aad := []byte("person:p1:identity")
	pt := []byte("110101199003077777")
	ct, err := s.Seal(pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(ct)
		c[i] ^= 0x01
		return c
	}
	other := newTestSealer(t, testKey(2))
	tests := []struct {
		name   string
		sealer *Sealer
		ct     []byte
		aad    []byte
	}{
		{"wrong aad", s, ct, []byte("person:p2:identity")},
		{"empty aad", s, ct, nil},
		{"version", s, flip(0), aad},
		{"KEK id", s, flip(offKEKID + 3), aad},
		{"wrap nonce", s, flip(offWrapNonce + 5), aad},
		{"wrapped key", s, flip(offWrappedKey + 1), aad},
		{"wrapped key tag", s, flip(offDataNonce - 1), aad},
		{"data nonce", s, flip(offDataNonce), aad},
		{"ciphertext", s, flip(headerSize + 2), aad},
		{"tag", s, flip(len(ct) - 1), aad},
		{"truncated", s, ct[:len(ct)-1], aad},
		{"too short", s, ct[:Overhead-1], aad},
		{"empty", s, nil, aad},
		{"extended", s, append(bytes.Clone(ct), 0), aad},
		{"unknown KEK", other, ct, aad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Open(tt.ct, tt.aad)
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
			if got != nil {
				t.Error("returned plaintext with an error")
			}
			if strings.Contains(err.Error(), string(pt)) {
				t.Error("error contains the plaintext")
			}
		})
	}
}

func TestSealerRotation(t *testing.T) {
	oldKEK, newKEK := testKey(1), testKey(2)
	before := newTestSealer(t, oldKEK)
	aad := []byte("person:p1:phone")
	ct, err := before.Seal([]byte("+8613800000000"), aad)
	if err != nil {
		t.Fatal(err)
	}
	after := newTestSealer(t, newKEK, oldKEK)
	got, err := after.Open(ct, aad)
	if err != nil || string(got) != "+8613800000000" {
		t.Fatalf("old KEK does not open: %v", err)
	}
	if after.Current(ct) {
		t.Error("Current = true for a value under an old KEK")
	}
	re, err := after.Rewrap(ct)
	if err != nil {
		t.Fatal(err)
	}
	if !after.Current(re) {
		t.Error("Current = false after Rewrap")
	}
	// Without the old KEK the rewrapped value still opens; the original not.
	only := newTestSealer(t, newKEK)
	if got, err := only.Open(re, aad); err != nil || string(got) != "+8613800000000" {
		t.Fatalf("rewrapped value does not open: %v", err)
	}
	if _, err := only.Open(ct, aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("value under a dropped KEK: err = %v, want ErrDecrypt", err)
	}
	if _, err := only.Rewrap(ct); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Rewrap under a dropped KEK: err = %v, want ErrDecrypt", err)
	}
	// The new sealer seals under the new KEK, which the old one cannot open.
	ct2, err := after.Seal([]byte("y"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.Open(ct2, aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("err = %v, want ErrDecrypt", err)
	}
}

func TestSealFreshNonces(t *testing.T) {
	s := newTestSealer(t, testKey(1))
	a, err := s.Seal([]byte("same"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Seal([]byte("same"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a[offWrapNonce:offWrappedKey], b[offWrapNonce:offWrappedKey]) ||
		bytes.Equal(a[offWrappedKey:offDataNonce], b[offWrappedKey:offDataNonce]) ||
		bytes.Equal(a[offDataNonce:headerSize], b[offDataNonce:headerSize]) ||
		bytes.Equal(a[headerSize:], b[headerSize:]) {
		t.Error("two seals share a nonce, data key or ciphertext")
	}
}

func TestNewSealerKeySize(t *testing.T) {
	tests := []struct {
		name string
		kek  []byte
		old  [][]byte
	}{
		{"nil", nil, nil},
		{"16 bytes", make([]byte, 16), nil},
		{"bad old", testKey(1), [][]byte{make([]byte, 31)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewSealer(tt.kek, nil, tt.old...); !errors.Is(err, ErrKeySize) {
				t.Fatalf("err = %v, want ErrKeySize", err)
			}
		})
	}
}

func TestSealRandFailure(t *testing.T) {
	s, err := NewSealer(testKey(1), failingReader{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Seal([]byte("x"), nil); !errors.Is(err, errRand) {
		t.Fatalf("err = %v, want %v", err, errRand)
	}
}

func TestSealJSON(t *testing.T) {
	type identity struct {
		Name   string `json:"name"`
		Number string `json:"number"`
	}
	s := newTestSealer(t, testKey(1))
	aad := []byte("person:p1:identity")
	in := identity{Name: "张三", Number: "110101199003077777"}
	ct, err := s.SealJSON(in, aad)
	if err != nil {
		t.Fatal(err)
	}
	var out identity
	if err := s.OpenJSON(ct, aad, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Errorf("got %+v, want %+v", out, in)
	}
	if err := s.OpenJSON(ct, []byte("other"), &out); !errors.Is(err, ErrDecrypt) {
		t.Errorf("wrong aad: err = %v, want ErrDecrypt", err)
	}
	var wrong struct {
		Number int `json:"number"`
	}
	err = s.OpenJSON(ct, aad, &wrong)
	if !errors.Is(err, ErrJSON) {
		t.Fatalf("wrong type: err = %v, want ErrJSON", err)
	}
	if strings.Contains(err.Error(), in.Number) {
		t.Error("error contains the plaintext")
	}
	if _, err := s.SealJSON(func() {}, aad); !errors.Is(err, ErrJSON) {
		t.Errorf("unencodable: err = %v, want ErrJSON", err)
	}
}

func FuzzOpen(f *testing.F) {
	s := newTestSealer(f, testKey(1))
	valid, err := s.Seal([]byte("hello"), []byte("aad"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid, []byte("aad"))
	f.Add(valid[:Overhead], []byte("aad"))
	f.Add([]byte{}, []byte{})
	f.Add(bytes.Repeat([]byte{1}, Overhead+3), []byte("x"))
	f.Fuzz(func(t *testing.T, ct, aad []byte) {
		pt, err := s.Open(ct, aad)
		if err != nil {
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
			return
		}
		if len(pt) != len(ct)-Overhead {
			t.Fatalf("opened %d bytes from %d", len(pt), len(ct))
		}
		// Whatever opens, rewraps and opens again to the same plaintext.
		re, err := s.Rewrap(ct)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.Open(re, aad)
		if err != nil || !bytes.Equal(again, pt) {
			t.Fatalf("rewrap round trip failed: %v", err)
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	s := newTestSealer(b, testKey(1))
	pt := bytes.Repeat([]byte{'a'}, 256)
	aad := []byte("person:0123456789:identity")
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := s.Seal(pt, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	s := newTestSealer(b, testKey(1))
	pt := bytes.Repeat([]byte{'a'}, 256)
	aad := []byte("person:0123456789:identity")
	ct, err := s.Seal(pt, aad)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := s.Open(ct, aad); err != nil {
			b.Fatal(err)
		}
	}
}
