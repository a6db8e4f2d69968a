package keys

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"
)

func TestIndex(t *testing.T) {
	key := testKey(9)
	x := NewIndexer(key)
	tests := []struct {
		domain, value string
	}{
		{"identity", "居民身份证|110101199003077777"},
		{"phone", "+8613800000000"},
		{"", ""},
		{"phone", ""},
	}
	for _, tt := range tests {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(tt.domain + "\x00" + tt.value))
		want := hex.EncodeToString(m.Sum(nil))
		if got := x.Index(tt.domain, tt.value); got != want {
			t.Errorf("Index(%q, %q) = %s, want %s", tt.domain, tt.value, got, want)
		}
		if got := x.Index(tt.domain, tt.value); got != want {
			t.Errorf("Index(%q, %q) is not deterministic", tt.domain, tt.value)
		}
		if got := hex.EncodeToString(x.MAC(tt.domain, []byte(tt.value))); got != want {
			t.Errorf("MAC(%q, %q) = %s, want %s", tt.domain, tt.value, got, want)
		}
	}
}

func TestIndexSeparation(t *testing.T) {
	x := NewIndexer(testKey(9))
	pairs := []struct {
		a, b [2]string
	}{
		{[2]string{"phone", "123"}, [2]string{"identity", "123"}},
		// The 0x00 separator keeps the domain/value split unambiguous.
		{[2]string{"ab", "c"}, [2]string{"a", "bc"}},
		{[2]string{"phone", "123"}, [2]string{"phone", "124"}},
	}
	for _, p := range pairs {
		if x.Index(p.a[0], p.a[1]) == x.Index(p.b[0], p.b[1]) {
			t.Errorf("Index%q == Index%q", p.a, p.b)
		}
	}
	if NewIndexer(testKey(8)).Index("phone", "123") == x.Index("phone", "123") {
		t.Error("different keys give the same index")
	}
}

func TestIndexConcurrent(t *testing.T) {
	x := NewIndexer(testKey(9))
	want := x.Index("phone", "123")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if got := x.Index("phone", "123"); got != want {
					t.Error("concurrent Index differs")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestIndexNULDomainPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	NewIndexer(testKey(9)).Index("a\x00b", "c")
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "ab", false},
		{"", "a", false},
	}
	for _, tt := range tests {
		if got := Equal([]byte(tt.a), []byte(tt.b)); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func BenchmarkIndex(b *testing.B) {
	x := NewIndexer(testKey(9))
	for b.Loop() {
		_ = x.Index("phone", "+8613800000000")
	}
}
