package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func newLimiter(t *testing.T, clock *fakeClock, rate float64, burst, maxKeys int) *RateLimiter {
	t.Helper()
	l, err := NewRateLimiter(RateLimitConfig{Rate: rate, Burst: burst, MaxKeys: maxKeys, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRateLimiterBucket(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(t, clock, 0.5, 2, 10) // one token every 2s, burst 2

	type step struct {
		advance time.Duration
		key     string
		ok      bool
		wait    time.Duration
	}
	steps := []step{
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 2 * time.Second},
		{0, "b", true, 0}, // keys are independent
		{time.Second, "a", false, time.Second},
		{time.Second, "a", true, 0},
		{0, "a", false, 2 * time.Second},
		{-time.Hour, "a", false, 2 * time.Second}, // a clock going back refills nothing
		{time.Hour + time.Minute, "a", true, 0},   // refill is capped at the burst
		{0, "a", true, 0},
		{0, "a", false, 2 * time.Second},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		ok, wait := l.Allow(s.key)
		if ok != s.ok || wait != s.wait {
			t.Errorf("step %d (%s): Allow = %v, %v; want %v, %v", i, s.key, ok, wait, s.ok, s.wait)
		}
	}
}

func TestRateLimiterEvictsLeastRecentlySeen(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	l := newLimiter(t, clock, 1, 1, 2)
	l.Allow("a")
	l.Allow("b")
	l.Allow("a") // a is now more recent than b
	if ok, _ := l.Allow("c"); !ok || l.Len() != 2 {
		t.Fatalf("c: ok=%v len=%d", ok, l.Len())
	}
	// b was evicted and comes back with a full bucket; a was kept and is empty.
	if ok, _ := l.Allow("a"); ok {
		t.Error("a was evicted instead of b")
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("b was not evicted")
	}
	if l.Len() != 2 {
		t.Errorf("Len = %d, want 2", l.Len())
	}
}

func TestRateLimiterMiddleware(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	l, err := NewRateLimiter(RateLimitConfig{Rate: 1.0 / 60, Burst: 1, MaxKeys: 100, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h := l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	do := func(addr string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	if rec := do("192.0.2.1:1000"); rec.Code != 204 {
		t.Fatalf("first request: %d", rec.Code)
	}
	rec := do("192.0.2.1:2000") // same IP, other port
	p := readProblem(t, rec, 429, "rate-limited")
	if got := rec.Header().Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After = %q, want 60", got)
	}
	if got := p.Extensions[ExtRetryAfter]; got != 60.0 {
		t.Errorf("retry_after = %v, want 60", got)
	}
	if rec := do("192.0.2.2:1000"); rec.Code != 204 {
		t.Errorf("other client limited: %d", rec.Code)
	}
	clock.Advance(time.Minute)
	if rec := do("192.0.2.1:1000"); rec.Code != 204 {
		t.Errorf("after refill: %d", rec.Code)
	}
}

func TestRateLimitConfigValidate(t *testing.T) {
	err := RateLimitConfig{Rate: -1, Burst: 0, MaxKeys: 0}.Validate()
	if !errors.Is(err, ErrRateLimitConfig) {
		t.Fatalf("err = %v", err)
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 3 {
		t.Errorf("want 3 problems reported at once, got %d: %v", n, err)
	}
	if _, err := NewRateLimiter(RateLimitConfig{Rate: 1, Burst: 1}); !errors.Is(err, ErrRateLimitConfig) {
		t.Errorf("missing MaxKeys: err = %v", err)
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.1:1234", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.1]:80", "192.0.2.1"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"192.0.2.9", "192.0.2.9"},
		{"garbage", "garbage"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		r.Header.Set("X-Forwarded-For", "203.0.113.7")
		if got := ClientIP(r); got != tt.want {
			t.Errorf("ClientIP(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

func TestRateLimiterRetryAfterWholeSeconds(t *testing.T) {
	tests := []struct {
		rate float64
		want int64
	}{{1.0 / 3, 3}, {1.0 / 7, 7}, {1.0 / 60, 60}, {0.1, 10}, {3, 1}, {1.0 / 86400, 86400}}
	for _, tt := range tests {
		clock := &fakeClock{t: time.Unix(1e9, 0)}
		l := newLimiter(t, clock, tt.rate, 1, 1)
		l.Allow("k")
		ok, wait := l.Allow("k")
		if ok {
			t.Fatalf("rate %v: second request allowed", tt.rate)
		}
		if got := RateLimited(wait).Extensions[ExtRetryAfter]; got != tt.want {
			t.Errorf("rate %v: retry_after = %v, want %d", tt.rate, got, tt.want)
		}
	}
}

func TestRateLimiterPeek(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(t, clock, 1, 2, 10)
	if ok, _ := l.Peek("a"); !ok {
		t.Fatal("an unseen key has no token")
	}
	for range 5 {
		if ok, _ := l.Peek("a"); !ok {
			t.Fatal("Peek took a token")
		}
	}
	l.Allow("a")
	l.Allow("a")
	ok, wait := l.Peek("a")
	if ok || wait != time.Second {
		t.Fatalf("Peek after the burst = %v, %v; want false, 1s", ok, wait)
	}
	clock.Advance(time.Second)
	if ok, _ := l.Peek("a"); !ok {
		t.Fatal("no token after the refill")
	}
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("Peek's token is not there for Allow")
	}
}

func TestMiddlewareExcept(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(t, clock, 1, 1, 10)
	h := l.MiddlewareExcept(func(r *http.Request) bool { return r.URL.Path == "/skip" })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	codes := func(path string) (out []int) {
		for range 3 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			out = append(out, rec.Code)
		}
		return out
	}
	if got := codes("/skip"); !slices.Equal(got, []int{200, 200, 200}) {
		t.Errorf("skipped route: %v", got)
	}
	if got := codes("/other"); !slices.Equal(got, []int{200, 429, 429}) {
		t.Errorf("limited route: %v", got)
	}
}
