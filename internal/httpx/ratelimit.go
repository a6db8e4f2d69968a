package httpx

import (
	"container/list"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// RateLimitConfig configures a RateLimiter.
type RateLimitConfig struct {
	// Rate is the sustained number of requests allowed per second per key.
	Rate float64
	// Burst is the number of requests a key may make at once (the bucket
	// size); at least 1.
	Burst int
	// MaxKeys bounds the number of keys tracked; when a new key arrives at
	// the bound, the least recently seen key is forgotten (and starts again
	// with a full bucket if it comes back).
	MaxKeys int
	// Key returns the key a request is limited by; nil means ClientIP. All
	// requests for which it returns "" share one bucket.
	Key func(*http.Request) string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ErrRateLimitConfig is wrapped by the errors of NewRateLimiter.
var ErrRateLimitConfig = errors.New("httpx: invalid rate limit config")

// Validate reports every problem of c at once.
func (c RateLimitConfig) Validate() error {
	var errs []error
	if !(c.Rate > 0) || math.IsInf(c.Rate, 0) {
		errs = append(errs, fmt.Errorf("%w: Rate must be positive and finite", ErrRateLimitConfig))
	}
	if c.Burst < 1 {
		errs = append(errs, fmt.Errorf("%w: Burst must be at least 1", ErrRateLimitConfig))
	}
	if c.MaxKeys < 1 {
		errs = append(errs, fmt.Errorf("%w: MaxKeys must be at least 1", ErrRateLimitConfig))
	}
	return errors.Join(errs...)
}

// RateLimiter is a per-key token bucket limiter with a bounded, LRU-evicted
// set of keys. It is safe for concurrent use.
//
// The bound means an attacker who controls more than MaxKeys keys can make
// the limiter forget a limited key; size MaxKeys well above the number of
// clients expected in one refill period.
type RateLimiter struct {
	cfg RateLimitConfig

	mu   sync.Mutex
	keys map[string]*list.Element // of *bucket
	lru  *list.List               // front: most recently seen
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time
}

// NewRateLimiter returns a limiter for cfg, or an error wrapping
// ErrRateLimitConfig.
func NewRateLimiter(cfg RateLimitConfig) (*RateLimiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Key == nil {
		cfg.Key = ClientIP
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &RateLimiter{cfg: cfg, keys: make(map[string]*list.Element), lru: list.New()}, nil
}

// Allow takes a token from key's bucket. If none is left it returns false
// and how long until one will be.
func (l *RateLimiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.cfg.Now()
	burst := float64(l.cfg.Burst)

	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if e, found := l.keys[key]; found {
		l.lru.MoveToFront(e)
		b = e.Value.(*bucket)
		if elapsed := now.Sub(b.last); elapsed > 0 { // a clock going back refills nothing
			b.tokens = min(burst, b.tokens+elapsed.Seconds()*l.cfg.Rate)
			b.last = now
		}
	} else {
		for len(l.keys) >= l.cfg.MaxKeys {
			oldest := l.lru.Back()
			l.lru.Remove(oldest)
			delete(l.keys, oldest.Value.(*bucket).key)
		}
		b = &bucket{key: key, tokens: burst, last: now}
		l.keys[key] = l.lru.PushFront(b)
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	// Rounded to the nanosecond so float noise cannot add a whole second
	// once the caller rounds up to seconds for Retry-After.
	wait := time.Duration(math.Round((1 - b.tokens) / l.cfg.Rate * float64(time.Second)))
	return false, wait
}

// Len returns the number of keys tracked.
func (l *RateLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// Middleware limits the requests to next; a request over the limit gets the
// 429 rate-limited problem with Retry-After.
func (l *RateLimiter) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := l.Allow(l.cfg.Key(r)); !ok {
			WriteError(w, r, nil, RateLimited(wait)) // a 4xx is not logged
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ClientIP returns the address of the peer from r.RemoteAddr, with IPv6
// addresses reduced to their /64 network (one client usually holds a whole
// /64). It ignores X-Forwarded-For and similar headers, which clients can
// forge; behind a trusted proxy supply a Key that reads the proxy's header.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, err := addr.WithZone("").Prefix(64)
		if err == nil {
			return p.String()
		}
	}
	return addr.String()
}

// Peek reports whether key has a token left, without taking it; if not, it
// also returns how long until one will be. A key not tracked has a full
// bucket.
func (l *RateLimiter) Peek(key string) (ok bool, retryAfter time.Duration) {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, found := l.keys[key]
	if !found {
		return true, 0
	}
	b := e.Value.(*bucket)
	tokens := b.tokens
	if elapsed := now.Sub(b.last); elapsed > 0 {
		tokens = min(float64(l.cfg.Burst), tokens+elapsed.Seconds()*l.cfg.Rate)
	}
	if tokens >= 1 {
		return true, 0
	}
	return false, time.Duration(math.Round((1 - tokens) / l.cfg.Rate * float64(time.Second)))
}

// MiddlewareExcept is Middleware for every request but those skip reports:
// routes limited otherwise, such as server-to-server calls limited per
// authenticated client once the handler knows the client.
func (l *RateLimiter) MiddlewareExcept(skip func(*http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		limited := l.Middleware(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			limited.ServeHTTP(w, r)
		})
	}
}
