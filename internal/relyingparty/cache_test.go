package relyingparty

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// countingStore counts the reads of relying parties that reach the store,
// and can run a function in the middle of one (a write landing while a
// read is under way).
type countingStore struct {
	*fakeStore
	reads  atomic.Int64
	during func()
}

func (s *countingStore) GetRelyingParty(ctx context.Context, id string) (storage.RelyingParty, error) {
	s.reads.Add(1)
	rp, err := s.fakeStore.GetRelyingParty(ctx, id)
	if f := s.during; f != nil {
		s.during = nil
		f()
	}
	return rp, err
}

func newCacheFixture(t *testing.T) (*Cache, *countingStore, *clock) {
	t.Helper()
	clk := newClock()
	st := &countingStore{fakeStore: newFakeStore(clk.Now)}
	if err := st.CreateRelyingParty(context.Background(), storage.RelyingParty{
		ID: "shop.example", Name: "Shop", Domains: []string{"shop.example"}, AuthMethod: storage.AuthClientSecret,
	}); err != nil {
		t.Fatal(err)
	}
	return &Cache{Store: st, Now: clk.Now}, st, clk
}

func TestCacheServesWithinTTL(t *testing.T) {
	ctx := context.Background()
	c, st, clk := newCacheFixture(t)
	for range 3 {
		rp, err := c.GetRelyingParty(ctx, "shop.example")
		if err != nil || rp.Name != "Shop" {
			t.Fatalf("%+v, %v", rp, err)
		}
	}
	if n := st.reads.Load(); n != 1 {
		t.Fatalf("%d reads reached the store within the TTL, want 1", n)
	}
	// Another process disables it: served as it was until the TTL ends,
	// then read again.
	if _, err := st.fakeStore.UpdateRelyingParty(ctx, "shop.example", func(rp storage.RelyingParty) (storage.RelyingParty, error) {
		rp.Disabled = true
		return rp, nil
	}); err != nil {
		t.Fatal(err)
	}
	clk.Add(CacheTTL - time.Millisecond)
	if rp, _ := c.GetRelyingParty(ctx, "shop.example"); rp.Disabled {
		t.Fatal("read again before the TTL ended")
	}
	clk.Add(time.Millisecond)
	if rp, _ := c.GetRelyingParty(ctx, "shop.example"); !rp.Disabled {
		t.Fatal("a change made elsewhere is not seen once the TTL has passed")
	}
	if n := st.reads.Load(); n != 2 {
		t.Fatalf("%d reads, want 2", n)
	}
	// A clock that went back does not extend an entry's life.
	clk.Add(-time.Hour)
	c.GetRelyingParty(ctx, "shop.example")
	if n := st.reads.Load(); n != 3 {
		t.Fatalf("%d reads after the clock went back, want 3", n)
	}
}

func TestCacheForgetsWhatItWrites(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newCacheFixture(t)
	if _, err := c.GetRelyingParty(ctx, "shop.example"); err != nil {
		t.Fatal(err)
	}
	// Disabling through the cache (the Registry's store) applies to the
	// next request at once.
	g := &Registry{Store: c}
	if err := g.Disable(ctx, "shop.example"); err != nil {
		t.Fatal(err)
	}
	if rp, _ := c.GetRelyingParty(ctx, "shop.example"); !rp.Disabled {
		t.Fatal("a relying party disabled through the cache is still served enabled")
	}
	// A read that began before a write does not put its stale row back.
	st := c.Store.(*countingStore)
	if err := g.Enable(ctx, "shop.example"); err != nil {
		t.Fatal(err)
	}
	st.during = func() {
		if err := g.Disable(ctx, "shop.example"); err != nil {
			t.Error(err)
		}
	}
	if rp, _ := c.GetRelyingParty(ctx, "shop.example"); rp.Disabled {
		t.Fatal("the racing read should return what it read")
	}
	if rp, _ := c.GetRelyingParty(ctx, "shop.example"); !rp.Disabled {
		t.Fatal("a read that raced a write filled the cache with the row from before it")
	}
}

func TestCacheNotFoundAndCopies(t *testing.T) {
	ctx := context.Background()
	c, st, _ := newCacheFixture(t)
	for range 2 {
		if _, err := c.GetRelyingParty(ctx, "none.example"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
	}
	if n := st.reads.Load(); n != 2 {
		t.Fatalf("an unknown relying party was cached (%d reads)", n)
	}
	// Registered afterwards: found at once.
	if err := c.CreateRelyingParty(ctx, storage.RelyingParty{ID: "none.example", Name: "New"}); err != nil {
		t.Fatal(err)
	}
	if rp, err := c.GetRelyingParty(ctx, "none.example"); err != nil || rp.Name != "New" {
		t.Fatalf("%+v, %v", rp, err)
	}
	a, _ := c.GetRelyingParty(ctx, "shop.example")
	a.Domains[0] = "evil.example"
	if b, _ := c.GetRelyingParty(ctx, "shop.example"); b.Domains[0] != "shop.example" {
		t.Fatal("a caller changed what the cache serves others")
	}
	// A negative TTL caches nothing.
	c.TTL = -1
	before := st.reads.Load()
	c.GetRelyingParty(ctx, "shop.example")
	c.GetRelyingParty(ctx, "shop.example")
	if n := st.reads.Load() - before; n != 2 {
		t.Fatalf("a negative TTL cached (%d reads for 2)", n)
	}
}
