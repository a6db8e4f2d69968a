package relyingparty

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// memCounter is a Counter in memory with Increment's expiry rule.
type memCounter struct {
	mu     sync.Mutex
	now    func() time.Time
	values map[string]int64
	ends   map[string]time.Time
	fail   bool
}

func (c *memCounter) Increment(_ context.Context, key string, expiresAt time.Time) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return 0, errors.New("database down")
	}
	if c.values == nil {
		c.values, c.ends = map[string]int64{}, map[string]time.Time{}
	}
	if end, ok := c.ends[key]; !ok || !end.After(c.now()) {
		c.values[key], c.ends[key] = 0, expiresAt
	}
	c.values[key]++
	return c.values[key], nil
}

// TestSharedFailures: two replicas on one counter. The failures of an
// address add up across them; a replica that has not seen the address go
// over learns it on its first failure there; a new window starts again.
func TestSharedFailures(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := &memCounter{now: clock}
	a := &SharedFailures{Store: store, Limit: 3, Window: time.Minute, MAC: testMAC, Now: clock}
	b := &SharedFailures{Store: store, Limit: 3, Window: time.Minute, MAC: testMAC, Now: clock}
	const addr = "192.0.2.7"
	for i, r := range []*SharedFailures{a, b, a} {
		if ok, _ := r.Allow(addr); !ok {
			t.Fatalf("failure %d refused under the limit", i+1)
		}
	}
	if ok, wait := b.Allow(addr); ok || wait != time.Minute {
		t.Fatalf("fourth failure (on the other replica): allowed %v, wait %v; want refused for the rest of the window", ok, wait)
	}
	if ok, _ := b.Peek(addr); ok {
		t.Error("b lets the address try after refusing it")
	}
	// a has not seen the address past the limit: it lets it try once,
	// and that failure tells it.
	if ok, _ := a.Peek(addr); !ok {
		t.Error("a refused before it learned")
	}
	if ok, _ := a.Allow(addr); ok {
		t.Error("a allowed a failure past the shared limit")
	}
	if ok, _ := a.Peek(addr); ok {
		t.Error("a lets the address try after learning it is over")
	}
	if ok, _ := a.Peek("192.0.2.8"); !ok {
		t.Error("another address is refused")
	}
	for k := range store.values {
		if len(k) < 20 || containsAddr(k, addr) {
			t.Errorf("counter key %q names the address", k)
		}
	}
	// The next window starts again.
	now = now.Add(time.Minute)
	if ok, _ := a.Peek(addr); !ok {
		t.Error("still refused in the next window")
	}
	if ok, _ := b.Allow(addr); !ok {
		t.Error("first failure of the next window refused")
	}
	// A database that does not answer refuses nothing.
	store.fail = true
	for range 5 {
		if ok, _ := a.Allow("192.0.2.9"); !ok {
			t.Fatal("refused while the counter fails")
		}
	}
}

func containsAddr(s, addr string) bool { return strings.Contains(s, addr) }

func TestSharedFailuresBoundedMemory(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	f := &SharedFailures{Store: &memCounter{now: clock}, Limit: 0, Window: time.Minute, MAC: testMAC, Now: clock, MaxKeys: 3}
	for _, addr := range []string{"a", "b", "c", "d", "e"} {
		f.Allow(addr)
	}
	if n := len(f.blocked); n != 3 {
		t.Fatalf("%d addresses remembered, want at most 3", n)
	}
	if ok, _ := f.Peek("e"); ok {
		t.Error("the newest blocked address was forgotten")
	}
}
