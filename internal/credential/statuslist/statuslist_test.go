package statuslist

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
)

const (
	testKID = "status-key-1"
	testURI = "https://netid.example.cn/status/1"
)

var testNow = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keySet(k *ecdsa.PrivateKey) jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: testKID, Algorithm: "ES256"}}}
}

func TestSetGetAcrossByteBoundaries(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		l, err := New(bits, 37)
		if err != nil {
			t.Fatal(err)
		}
		max := byte(1<<bits - 1)
		want := make([]byte, l.Len())
		for i := range want {
			want[i] = byte(i*7+3) & max
			if err := l.Set(int64(i), want[i]); err != nil {
				t.Fatalf("bits %d: Set(%d): %v", bits, i, err)
			}
		}
		// Overwrite one entry each side of every byte boundary; neighbours must
		// not change.
		for i := int64(0); i < l.Len(); i++ {
			if (i*int64(bits))%8 == 0 && i > 0 {
				for _, j := range []int64{i - 1, i} {
					want[j] = max - want[j]
					if err := l.Set(j, want[j]); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		for i := range want {
			got, err := l.Get(int64(i))
			if err != nil || got != want[i] {
				t.Fatalf("bits %d: Get(%d) = %d, %v; want %d", bits, i, got, err, want[i])
			}
		}
	}
}

func TestLayout(t *testing.T) {
	// §4.1: index 0 is the least significant bits of byte 0.
	l, _ := New(2, 8)
	for i, v := range []byte{Invalid, Valid, Suspended, Invalid, Invalid} {
		if err := l.Set(int64(i), v); err != nil {
			t.Fatal(err)
		}
	}
	if want := []byte{0b01_10_00_01, 0b00_00_00_01}; !bytes.Equal(l.data, want) {
		t.Fatalf("bytes = %08b, want %08b", l.data, want)
	}
}

func TestRangeErrors(t *testing.T) {
	l, _ := New(2, 8)
	tests := []struct {
		name string
		err  error
	}{
		{"bits 3", func() error { _, err := New(3, 8); return err }()},
		{"size 0", func() error { _, err := New(1, 0); return err }()},
		{"too large", func() error { _, err := New(8, MaxBytes+1); return err }()},
		{"negative index", l.Set(-1, Valid)},
		{"index past end", l.Set(8, Valid)},
		{"value too wide", l.Set(0, 4)},
		{"get past end", func() error { _, err := l.Get(8); return err }()},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, ErrRange) && !errors.Is(tt.err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrRange or ErrTooLarge", tt.name, tt.err)
		}
	}
}

func TestSignVerify(t *testing.T) {
	key := newKey(t)
	l, _ := New(2, 1000)
	_ = l.Set(3, Invalid)
	_ = l.Set(999, Suspended)
	tok, err := Sign(l, testURI, key, testKID, testNow, time.Hour, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got, ttl, err := Verify(tok, keySet(key), testURI, testNow.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if ttl != time.Hour || got.Bits() != 2 || got.Len() != 1000 {
		t.Fatalf("ttl %v bits %d len %d", ttl, got.Bits(), got.Len())
	}
	for i, want := range map[int64]byte{0: Valid, 3: Invalid, 999: Suspended} {
		if v, _ := got.Get(i); v != want {
			t.Errorf("Get(%d) = %d, want %d", i, v, want)
		}
	}
}

// A verifier whose clock is a little behind the platform's (or that read
// its clock before the fetch) accepts a token signed "in its future" within
// the leeway, and still refuses one beyond it; exp gets the same leeway.
func TestVerifyWithLeeway(t *testing.T) {
	key := newKey(t)
	l, _ := New(2, 8)
	tok, err := Sign(l, testURI, key, testKID, testNow, time.Hour, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	early := testNow.Add(-10 * time.Second)
	if _, _, err := Verify(tok, keySet(key), testURI, early); !errors.Is(err, ErrNotYetValid) {
		t.Fatalf("without leeway: %v", err)
	}
	if _, _, err := VerifyWithLeeway(tok, keySet(key), testURI, early, 30*time.Second); err != nil {
		t.Fatalf("10 s early with 30 s leeway: %v", err)
	}
	if _, _, err := VerifyWithLeeway(tok, keySet(key), testURI, testNow.Add(-time.Minute), 30*time.Second); !errors.Is(err, ErrNotYetValid) {
		t.Fatalf("a minute early with 30 s leeway: %v", err)
	}
	late := testNow.Add(time.Hour + 10*time.Second)
	if _, _, err := Verify(tok, keySet(key), testURI, late); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired without leeway: %v", err)
	}
	if _, _, err := VerifyWithLeeway(tok, keySet(key), testURI, late, 30*time.Second); err != nil {
		t.Fatalf("10 s after exp with 30 s leeway: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	key := newKey(t)
	l, _ := New(2, 100)
	tok, err := Sign(l, testURI, key, testKID, testNow, time.Hour, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	forge := func(header, claims string, k *ecdsa.PrivateKey) string {
		input := jws.B64.EncodeToString([]byte(header)) + "." + jws.B64.EncodeToString([]byte(claims))
		sum := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return input + "." + jws.B64.EncodeToString(sig)
	}
	hdr := `{"alg":"ES256","typ":"statuslist+jwt","kid":"` + testKID + `"}`
	lst, _ := l.Encode()
	claims := func(extra string) string {
		return `{"sub":"` + testURI + `","iat":` + itoa(testNow.Unix()) + `,"exp":` + itoa(testNow.Add(time.Hour).Unix()) +
			extra + `,"status_list":{"bits":2,"lst":"` + lst + `"}}`
	}
	hs := func() string {
		input := jws.B64.EncodeToString([]byte(`{"alg":"HS256","typ":"statuslist+jwt","kid":"`+testKID+`"}`)) + "." + parts[1]
		m := hmac.New(sha256.New, []byte("k"))
		m.Write([]byte(input))
		return input + "." + jws.B64.EncodeToString(m.Sum(nil))
	}()
	tampered := parts[0] + "." + jws.B64.EncodeToString([]byte(strings.Replace(claims(""), `"bits":2`, `"bits":1`, 1))) + "." + parts[2]

	tests := []struct {
		name  string
		tok   string
		uri   string
		now   time.Time
		want  error
		keyed *ecdsa.PrivateKey
	}{
		{"valid", tok, testURI, testNow, nil, nil},
		{"valid forged helper", forge(hdr, claims(""), key), testURI, testNow, nil, nil},
		{"tampered payload", tampered, testURI, testNow, ErrSignature, nil},
		{"wrong uri", tok, "https://netid.example.cn/status/2", testNow, ErrURI, nil},
		{"expired", tok, testURI, testNow.Add(24 * time.Hour), ErrExpired, nil},
		{"not yet valid", tok, testURI, testNow.Add(-time.Minute), ErrNotYetValid, nil},
		{"unknown kid", tok, testURI, testNow, ErrUnknownKey, newKey(t)},
		{"other key same kid", forge(hdr, claims(""), newKey(t)), testURI, testNow, ErrSignature, nil},
		{"HS256", hs, testURI, testNow, ErrSignature, nil},
		{"wrong typ", forge(`{"alg":"ES256","typ":"JWT","kid":"`+testKID+`"}`, claims(""), key), testURI, testNow, ErrMalformed, nil},
		{"duplicate key", forge(hdr, strings.Replace(claims(""), `"sub":`, `"sub":"x","sub":`, 1), key), testURI, testNow, ErrMalformed, nil},
		{"missing exp", forge(hdr, strings.Replace(claims(""), `,"exp":`, `,"x":`, 1), key), testURI, testNow, ErrMalformed, nil},
		{"negative ttl", forge(hdr, claims(`,"ttl":-1`), key), testURI, testNow, ErrMalformed, nil},
		{"bits 3", forge(hdr, strings.Replace(claims(""), `"bits":2`, `"bits":3`, 1), key), testURI, testNow, ErrMalformed, nil},
		{"bad lst", forge(hdr, strings.Replace(claims(""), lst, "!!", 1), key), testURI, testNow, ErrMalformed, nil},
		{"not a JWT", "abc", testURI, testNow, ErrMalformed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := keySet(key)
			if tt.keyed != nil {
				keys = jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &tt.keyed.PublicKey, KeyID: "other"}}}
			}
			_, _, err := Verify(tt.tok, keys, tt.uri, tt.now)
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

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func zlibOf(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeRejects(t *testing.T) {
	good := zlibOf(t, []byte{1, 2, 3})
	bomb := zlibOf(t, make([]byte, MaxBytes+1))
	tests := []struct {
		name string
		bits int
		lst  string
		want error
	}{
		{"valid", 2, jws.B64.EncodeToString(good), nil},
		{"bad bits", 3, jws.B64.EncodeToString(good), ErrMalformed},
		{"bad base64", 2, "a+b/", ErrMalformed},
		{"not zlib", 2, jws.B64.EncodeToString([]byte("hello")), ErrMalformed},
		{"truncated", 2, jws.B64.EncodeToString(good[:len(good)-2]), ErrMalformed},
		{"trailing data", 2, jws.B64.EncodeToString(append(bytes.Clone(good), 0)), ErrMalformed},
		{"empty list", 2, jws.B64.EncodeToString(zlibOf(t, nil)), ErrMalformed},
		{"bomb", 2, jws.B64.EncodeToString(bomb), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.bits, tt.lst)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Decode = %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzStatusListDecode(f *testing.F) {
	l, _ := New(2, 64)
	_ = l.Set(5, Suspended)
	lst, _ := l.Encode()
	f.Add(2, lst)
	f.Add(1, jws.B64.EncodeToString(zlibOf(f, []byte{0xff})))
	f.Add(8, "eNpjYGAAAAAEAAE")
	f.Add(4, "")
	f.Fuzz(func(t *testing.T, bits int, lst string) {
		l, err := Decode(bits, lst)
		if err != nil {
			return
		}
		enc, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		l2, err := Decode(bits, enc)
		if err != nil {
			t.Fatalf("re-encoded list rejected: %v", err)
		}
		if !bytes.Equal(l.data, l2.data) || l.Len() != l2.Len() {
			t.Fatal("round trip changed the list")
		}
		if l.Len() > 0 {
			if _, err := l.Get(l.Len() - 1); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func BenchmarkStatusListSign(b *testing.B) {
	key := newKey(b)
	l, _ := New(2, 100_000)
	for i := int64(0); i < l.Len(); i += 97 {
		_ = l.Set(i, Invalid)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(l, testURI, key, testKID, testNow, time.Hour, 24*time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}
