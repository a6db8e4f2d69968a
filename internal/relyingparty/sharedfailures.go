package relyingparty

import (
	"context"
	"encoding/hex"
	"strconv"
	"sync"
	"time"
)

// Counter counts in storage shared by every replica (storage.Storage's
// Increment: atomic, and a counter past its expiry starts again at 1).
type Counter interface {
	Increment(ctx context.Context, key string, expiresAt time.Time) (int64, error)
}

// SharedFailures is the Limiter of failed authentications per address for
// several replicas on one database: the failures of an address are
// counted in the database per fixed window, so they add up whichever
// replica saw them, and an address past Limit in a window is refused
// until the window ends.
//
// Only a failure writes (one Increment); the check before authenticating
// (Peek) reads what this replica learned from its own Increments, so a
// request that authenticates costs no database round trip. A replica
// learns that an address is over the limit on the first failure it sees
// past it, so an address makes at most Limit + (replicas − 1) failures per
// window across all replicas (plus those in flight at that moment).
//
// It is safe for concurrent use; do not copy it after first use.
type SharedFailures struct {
	// Store holds the counters.
	Store Counter
	// Limit is the number of failures an address may make per Window.
	Limit int64
	// Window is the length of the counting windows (aligned to the Unix
	// epoch, so every replica counts in the same windows).
	Window time.Duration
	// MAC keys the address in the counter's name, so that the database
	// holds no client address (the index key, keys.Indexer.MAC).
	MAC MACFunc
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxKeys bounds the addresses this replica remembers as over the
	// limit; zero means 100000. When full, the ones whose window ended
	// are forgotten first, then the soonest to end.
	MaxKeys int

	mu      sync.Mutex
	blocked map[string]time.Time // address → end of the window it is over the limit in
}

var _ Limiter = (*SharedFailures)(nil)

// FailuresDomain is the MAC domain of the addresses in SharedFailures'
// counters.
const FailuresDomain = "auth-failures"

// sharedTimeout bounds the database write of one failure.
const sharedTimeout = 2 * time.Second

func (f *SharedFailures) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// window returns the end of the window holding now.
func (f *SharedFailures) window(now time.Time) time.Time {
	w := f.Window.Nanoseconds()
	return time.Unix(0, (now.UnixNano()/w+1)*w)
}

// Allow counts one failure of key. It returns false, and the time until
// the window ends, once key is past the limit. If the database cannot be
// written it allows (the failed request was refused anyway) and keeps no
// count: the per-address request limit still holds.
func (f *SharedFailures) Allow(key string) (bool, time.Duration) {
	now := f.now()
	end := f.window(now)
	name := "auth-failures:" + hex.EncodeToString(f.MAC(FailuresDomain, []byte(key))) + ":" + strconv.FormatInt(end.Unix(), 10)
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	n, err := f.Store.Increment(ctx, name, end)
	if err != nil || n <= f.Limit {
		return true, 0
	}
	f.block(key, end, now)
	return false, end.Sub(now)
}

// Peek reports whether key may try to authenticate: false, with the time
// until its window ends, if this replica saw it go past the limit in the
// current window.
func (f *SharedFailures) Peek(key string) (bool, time.Duration) {
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	end, ok := f.blocked[key]
	if !ok || !end.After(now) {
		return true, 0
	}
	return false, end.Sub(now)
}

// block remembers that key is over the limit until end.
func (f *SharedFailures) block(key string, end, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blocked == nil {
		f.blocked = map[string]time.Time{}
	}
	limit := f.MaxKeys
	if limit <= 0 {
		limit = 100000
	}
	if _, ok := f.blocked[key]; !ok && len(f.blocked) >= limit {
		for k, e := range f.blocked {
			if !e.After(now) {
				delete(f.blocked, k)
			}
		}
		for len(f.blocked) >= limit {
			var soonest string
			for k, e := range f.blocked {
				if soonest == "" || e.Before(f.blocked[soonest]) {
					soonest = k
				}
			}
			delete(f.blocked, soonest)
		}
	}
	f.blocked[key] = end
}
