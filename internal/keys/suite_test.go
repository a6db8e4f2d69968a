package keys

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"github.com/netid-project/netid/internal/suite"
)

func newSMSealer(t testing.TB, kek []byte, old ...[]byte) *Sealer {
	t.Helper()
	s, err := NewSealerFor(suite.SM, kek, rand.Reader, old...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func smKey(b byte) []byte { return bytes.Repeat([]byte{b}, 16) }

// TestES256SuiteIsToday: the ES256 suite derives, seals and indexes exactly
// as NewSealer, NewIndexer and Derive do, so existing data stays readable.
func TestES256SuiteIsToday(t *testing.T) {
	master := testKey(5)
	if !bytes.Equal(SealingKEK(suite.ES256, master), Derive(master, PurposeSealing)) ||
		!bytes.Equal(IndexKey(suite.ES256, master), Derive(master, PurposeIndex)) {
		t.Fatal("ES256 suite derives other keys than Derive")
	}
	kek := SealingKEK(suite.ES256, master)
	a, err := NewSealerFor(suite.ES256, kek, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b := newTestSealer(t, kek)
	ct, err := a.Seal([]byte("x"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := b.Open(ct, []byte("aad")); err != nil || string(pt) != "x" || a.Overhead() != Overhead {
		t.Fatalf("ES256 suite sealer is not NewSealer's format: %v", err)
	}
	key := IndexKey(suite.ES256, master)
	if NewIndexerFor(suite.ES256, key).Index("phone", "+86") != NewIndexer(key).Index("phone", "+86") {
		t.Fatal("ES256 suite indexer differs from NewIndexer")
	}
}

// TestSMSealLayout seals with known randomness and rebuilds the value from
// docs/sm-profile.md's description: version 2 ‖ SM3(KEK)[:8] ‖ wrap nonce
// ‖ SM4-GCM(KEK, data key, aad: version ‖ KEK id) ‖ data nonce ‖
// SM4-GCM(data key, plaintext, aad: 0x02 ‖ caller's aad).
func TestSMSealLayout(t *testing.T) {
	kek := smKey(3)
	random := bytes.Repeat([]byte{0x11}, 12)                   // wrap nonce
	random = append(random, bytes.Repeat([]byte{0x22}, 16)...) // data key
	random = append(random, bytes.Repeat([]byte{0x33}, 12)...) // data nonce
	s, err := NewSealerFor(suite.SM, kek, bytes.NewReader(random))
	if err != nil {
		t.Fatal(err)
	}
	pt, aad := []byte("110101199003077777"), []byte("person:p1:identity")
	got, err := s.Seal(pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	id := sm3.Sum(kek)
	want := append([]byte{2}, id[:8]...)
	want = append(want, random[:12]...)
	wrap, _ := suite.SM.NewAEAD(kek)
	want = wrap.Seal(want, random[:12], random[12:28], bytes.Clone(want[:9]))
	want = append(want, random[28:40]...)
	data, _ := suite.SM.NewAEAD(random[12:28])
	want = data.Seal(want, random[28:40], pt, append([]byte{2}, aad...))
	if !bytes.Equal(got, want) {
		t.Fatalf("sealed\n%x\nwant\n%x", got, want)
	}
	if len(got) != len(pt)+81 || s.Overhead() != 81 {
		t.Fatalf("overhead %d, want 81", len(got)-len(pt))
	}
}

func TestSMSealOpen(t *testing.T) {
	s := newSMSealer(t, smKey(1))
	aad := []byte("person:p1:identity")
	pt := []byte("张三 110101199003077777")
	ct, err := s.Seal(pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Open(ct, aad); err != nil || !bytes.Equal(got, pt) || !s.Current(ct) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Every byte changed, another aad, a truncation: refused.
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		if _, err := s.Open(bad, aad); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("byte %d changed: %v, want ErrDecrypt", i, err)
		}
	}
	if _, err := s.Open(ct, []byte("person:p2:identity")); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("other aad: %v", err)
	}
	if _, err := s.Open(ct[:len(ct)-1], aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("truncated: %v", err)
	}
	// Another KEK does not open it.
	if _, err := newSMSealer(t, smKey(2)).Open(ct, aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("other KEK: %v", err)
	}
	// The two suites' sealed values do not open in each other's sealer.
	es := newTestSealer(t, testKey(1))
	esCT, _ := es.Seal(pt, aad)
	if _, err := s.Open(esCT, aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("AES-GCM value in the SM sealer: %v", err)
	}
	if _, err := es.Open(ct, aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("SM4-GCM value in the AES sealer: %v", err)
	}
	if s.Current(esCT) || es.Current(ct) {
		t.Fatal("Current accepts the other suite's format")
	}
}

func TestSMSealerRotation(t *testing.T) {
	before := newSMSealer(t, smKey(1))
	aad := []byte("person:p1:phone")
	ct, _ := before.Seal([]byte("+8613800000000"), aad)
	after := newSMSealer(t, smKey(2), smKey(1))
	if got, err := after.Open(ct, aad); err != nil || string(got) != "+8613800000000" || after.Current(ct) {
		t.Fatalf("old KEK: %q, %v", got, err)
	}
	re, err := after.Rewrap(ct)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := newSMSealer(t, smKey(2)).Open(re, aad); err != nil || string(got) != "+8613800000000" {
		t.Fatalf("rewrapped: %q, %v", got, err)
	}
}

func TestSMSealerKeySize(t *testing.T) {
	for _, kek := range [][]byte{nil, testKey(1), make([]byte, 15)} {
		if _, err := NewSealerFor(suite.SM, kek, nil); !errors.Is(err, ErrKeySize) {
			t.Errorf("%d-byte KEK: %v, want ErrKeySize", len(kek), err)
		}
	}
	if _, err := NewSealerFor(suite.Suite{}, smKey(1), nil); err == nil {
		t.Error("the zero Suite seals")
	}
	if k := SealingKEK(suite.SM, testKey(5)); len(k) != 16 {
		t.Errorf("SM KEK is %d bytes", len(k))
	}
}

// TestSMIndex: blind indexes and MACs are HMAC-SM3 over domain ‖ 0x00 ‖
// value, of the same length as HMAC-SHA256's.
func TestSMIndex(t *testing.T) {
	key := IndexKey(suite.SM, testKey(9))
	x := NewIndexerFor(suite.SM, key)
	m := hmac.New(sm3.New, key)
	m.Write([]byte("phone\x00+8613800000000"))
	want := hex.EncodeToString(m.Sum(nil))
	if got := x.Index("phone", "+8613800000000"); got != want {
		t.Fatalf("Index = %s, want %s", got, want)
	}
	if got := hex.EncodeToString(x.MAC("phone", []byte("+8613800000000"))); got != want {
		t.Fatalf("MAC = %s, want %s", got, want)
	}
	if NewIndexer(key).Index("phone", "+8613800000000") == want {
		t.Fatal("HMAC-SM3 equals HMAC-SHA256")
	}
}

func FuzzOpenSM(f *testing.F) {
	s := newSMSealer(f, smKey(1))
	valid, err := s.Seal([]byte("hello"), []byte("aad"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid, []byte("aad"))
	f.Add(valid[:s.Overhead()], []byte("aad"))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, ct, aad []byte) {
		pt, err := s.Open(ct, aad)
		if err != nil {
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
			return
		}
		if len(pt) != len(ct)-s.Overhead() {
			t.Fatalf("opened %d bytes from %d", len(pt), len(ct))
		}
	})
}
