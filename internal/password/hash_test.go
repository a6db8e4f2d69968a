package password

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

// fastParams keep tests quick; DefaultParams are exercised once.
var fastParams = Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}

func TestHashVerify(t *testing.T) {
	for _, p := range []Params{fastParams, DefaultParams, {Time: 3, MemoryKiB: 256, Threads: 4, KeyLen: 16}} {
		h, err := Hash("38172946", p, rand.Reader)
		if err != nil {
			t.Fatalf("Hash(%+v): %v", p, err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$") {
			t.Errorf("Hash = %q: want a PHC argon2id string", h)
		}
		if strings.Contains(h, "38172946") {
			t.Errorf("hash contains the password")
		}
		for _, tc := range []struct {
			pw   string
			want bool
		}{
			{"38172946", true},
			{"38172947", false},
			{"3817294", false},
			{"", false},
		} {
			ok, err := Verify(h, tc.pw)
			if err != nil || ok != tc.want {
				t.Errorf("Verify(hash, %q) = %v, %v; want %v, nil", tc.pw, ok, err, tc.want)
			}
		}
		if NeedsRehash(h, p) {
			t.Errorf("NeedsRehash(hash, same params) = true")
		}
		if !NeedsRehash(h, Params{Time: p.Time + 1, MemoryKiB: p.MemoryKiB, Threads: p.Threads, KeyLen: p.KeyLen}) {
			t.Errorf("NeedsRehash(hash, other params) = false")
		}
	}
}

func TestHashSalted(t *testing.T) {
	a, err := Hash("38172946", fastParams, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Hash("38172946", fastParams, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two hashes of the same password are equal")
	}
}

// TestHashKnown pins the encoding: a fixed salt (bytes 0..15) gives a fixed
// string, and the string parses back to the same parameters.
func TestHashKnown(t *testing.T) {
	salt := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	h, err := Hash("38172946", fastParams, bytes.NewReader(salt))
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "$argon2id$v=19$m=64,t=1,p=1$AAECAwQFBgcICQoLDA0ODw$"
	if !strings.HasPrefix(h, prefix) {
		t.Errorf("Hash = %q, want prefix %q", h, prefix)
	}
	p, gotSalt, key, err := decode(h)
	if err != nil || p != fastParams || !bytes.Equal(gotSalt, salt) || len(key) != 32 {
		t.Errorf("decode(%q) = %+v, %x, %d bytes, %v", h, p, gotSalt, len(key), err)
	}
	if encode(p, gotSalt, key) != h {
		t.Errorf("encode(decode(h)) != h")
	}
}

func TestHashErrors(t *testing.T) {
	for _, p := range []Params{
		{},
		{Time: 0, MemoryKiB: 64, Threads: 1, KeyLen: 32},
		{Time: 1, MemoryKiB: 64, Threads: 0, KeyLen: 32},
		{Time: 1, MemoryKiB: 7, Threads: 1, KeyLen: 32},
		{Time: 1, MemoryKiB: 64, Threads: 9, KeyLen: 32}, // memory < 8×threads
		{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 8},
		{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 129},
		{Time: 65, MemoryKiB: 64, Threads: 1, KeyLen: 32},
		{Time: 1, MemoryKiB: 1<<20 + 1, Threads: 1, KeyLen: 32},
	} {
		if _, err := Hash("38172946", p, rand.Reader); !errors.Is(err, ErrParams) {
			t.Errorf("Hash(%+v) error = %v, want ErrParams", p, err)
		}
	}
	boom := errors.New("boom")
	if _, err := Hash("38172946", fastParams, iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("Hash(failing reader) error = %v, want boom", err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	good, err := Hash("38172946", fastParams, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	for _, tc := range []struct{ name, h string }{
		{"empty", ""},
		{"garbage", "not a hash"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"argon2d", "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"version 16", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{"params order", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"extra param", "$argon2id$v=19$m=64,t=1,p=1,k=2$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key},
		{"negative", "$argon2id$v=19$m=64,t=-1,p=1$" + salt + "$" + key},
		{"p zero", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"p 256", "$argon2id$v=19$m=4096,t=1,p=256$" + salt + "$" + key},
		{"t zero", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"huge memory", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key},
		{"huge time", "$argon2id$v=19$m=64,t=4294967295,p=1$" + salt + "$" + key},
		{"uint overflow", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key},
		{"short salt", "$argon2id$v=19$m=64,t=1,p=1$AAAA$" + key},
		{"empty hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$"},
		{"short hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAAAAAA"},
		{"url base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.NewReplacer("+", "-", "/", "_").Replace(key) + "-_"},
		{"line break in hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:10] + "\r\n" + key[10:]},
		{"trailing field", good + "$"},
		{"no leading $", good[1:]},
		{"too long", good + strings.Repeat("A", 600)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := Verify(tc.h, "38172946")
			if ok || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Verify = %v, %v; want false, ErrMalformed", ok, err)
			}
			if salt != "" && strings.Contains(err.Error(), salt) {
				t.Errorf("error %q contains the salt", err)
			}
			if !NeedsRehash(tc.h, fastParams) {
				t.Errorf("NeedsRehash(malformed) = false")
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	good, err := Hash("38172946", fastParams, bytes.NewReader(make([]byte, 16)))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		good, "", "$argon2id$v=19$m=64,t=1,p=1$$", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$$$$$", "$argon2id$v=19$m=,t=,p=$x$y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := decode(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("decode error %v does not wrap ErrMalformed", err)
			}
			return
		}
		// Canonical form: what decodes encodes back to the same string.
		if enc := encode(p, salt, key); enc != s {
			t.Fatalf("encode(decode(%q)) = %q", s, enc)
		}
		// Verify only where it is cheap; the parser is what is fuzzed.
		if p.MemoryKiB <= 256 && p.Time <= 2 {
			if _, err := Verify(s, "38172946"); err != nil {
				t.Fatalf("Verify(%q) after successful decode: %v", s, err)
			}
		}
	})
}

func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("38172946", DefaultParams, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}
