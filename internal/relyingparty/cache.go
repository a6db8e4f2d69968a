package relyingparty

import (
	"context"
	"sync"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// CacheTTL is how long a Cache serves a relying party it has read: every
// request of a relying party (its authentication, its sessions' open and
// approval) would otherwise read the same row again. A change made in
// another process (another replica, netid admin on the database) takes
// effect here within it; one made through this process's Cache at once.
const CacheTTL = 5 * time.Second

// maxCached bounds the relying parties a Cache holds; when full it starts
// over.
const maxCached = 10_000

// Cache is a Store whose GetRelyingParty serves a relying party it read
// less than TTL ago. Its writes (CreateRelyingParty, UpdateRelyingParty)
// go to the Store and forget the relying party, so a change made through
// it applies to the next request; a change made elsewhere applies within
// TTL. A relying party not found is never cached. It is safe for
// concurrent use; use it by pointer.
type Cache struct {
	Store
	// TTL is how long an entry is served; zero means CacheTTL, negative
	// caches nothing.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu sync.Mutex
	m  map[string]cached
	// gen counts the writes through the Cache: a read that began before
	// one does not fill the cache with what it read.
	gen uint64
}

type cached struct {
	rp storage.RelyingParty
	at time.Time
}

var _ Store = (*Cache)(nil)

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cache) ttl() time.Duration {
	if c.TTL == 0 {
		return CacheTTL
	}
	return c.TTL
}

// GetRelyingParty returns the relying party id as read at most TTL ago.
func (c *Cache) GetRelyingParty(ctx context.Context, id string) (storage.RelyingParty, error) {
	ttl := c.ttl()
	if ttl < 0 {
		return c.Store.GetRelyingParty(ctx, id)
	}
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[id]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Sub(e.at) < ttl && !now.Before(e.at) {
		return clone(e.rp), nil
	}
	rp, err := c.Store.GetRelyingParty(ctx, id)
	if err != nil {
		return rp, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.m == nil || len(c.m) >= maxCached {
			c.m = make(map[string]cached)
		}
		c.m[id] = cached{rp: clone(rp), at: now}
	}
	c.mu.Unlock()
	return rp, nil
}

// CreateRelyingParty stores rp and forgets any cached relying party of
// its ID.
func (c *Cache) CreateRelyingParty(ctx context.Context, rp storage.RelyingParty) error {
	defer c.Forget(rp.ID)
	return c.Store.CreateRelyingParty(ctx, rp)
}

// UpdateRelyingParty updates the relying party id and forgets it, so the
// next read sees the change.
func (c *Cache) UpdateRelyingParty(ctx context.Context, id string, fn func(storage.RelyingParty) (storage.RelyingParty, error)) (storage.RelyingParty, error) {
	defer c.Forget(id)
	return c.Store.UpdateRelyingParty(ctx, id, fn)
}

// Forget drops the relying party id from the cache, and keeps reads that
// began before from putting it back.
func (c *Cache) Forget(id string) {
	c.mu.Lock()
	c.gen++
	delete(c.m, id)
	c.mu.Unlock()
}

// clone copies the slices of rp, so that no caller can change what
// another is served.
func clone(rp storage.RelyingParty) storage.RelyingParty {
	rp.Domains = append([]string(nil), rp.Domains...)
	rp.RedirectURIs = append([]string(nil), rp.RedirectURIs...)
	rp.AllowedClaims = append([]string(nil), rp.AllowedClaims...)
	rp.JWKS = append([]byte(nil), rp.JWKS...)
	return rp
}
