package relyingparty

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/httpx"
)

func TestThrottle(t *testing.T) {
	f := newFixture(t)
	limiter := func(rate float64, burst int) *httpx.RateLimiter {
		l, err := httpx.NewRateLimiter(httpx.RateLimitConfig{Rate: rate, Burst: burst, MaxKeys: 100, Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	f.auth.Throttle = &Throttle{PerClient: limiter(1, 2), Failures: limiter(1, 3)}
	from := func(addr, id, secret string) error {
		r := basicRequest(id, secret)
		r.RemoteAddr = addr + ":1234"
		_, err := f.auth.Authenticate(r, false)
		return err
	}
	limited := func(err error) bool {
		var rl *RateLimitError
		return errors.As(err, &rl) && errors.Is(err, ErrRateLimited) && rl.RetryAfter > 0
	}
	// Per relying party: a burst of 2, whatever the address.
	if err := from("192.0.2.1", secretClient, f.secret); err != nil {
		t.Fatal(err)
	}
	if err := from("192.0.2.2", secretClient, f.secret); err != nil {
		t.Fatal(err)
	}
	if err := from("192.0.2.3", secretClient, f.secret); !limited(err) {
		t.Fatalf("third request of the client: err = %v", err)
	}
	// Failures per address: a burst of 3; then the address waits even
	// with the right secret, other addresses do not.
	for range 3 {
		if err := from("198.51.100.7", secretClient, "wrong"); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("wrong secret: err = %v", err)
		}
	}
	if err := from("198.51.100.7", secretClient, "wrong"); !limited(err) {
		t.Fatalf("fourth failure: err = %v", err)
	}
	f.clock.Add(10 * time.Second)
	if err := from("198.51.100.7", secretClient, f.secret); err != nil {
		t.Fatalf("after the refill: %v", err)
	}
	// A public client, which anyone can name, is limited per address too:
	// one address using up its limit does not stop its users elsewhere.
	public := func(addr string) error {
		r := formRequest(url.Values{"client_id": {publicClient}})
		r.RemoteAddr = addr + ":1"
		_, err := f.auth.Authenticate(r, true)
		return err
	}
	for range 2 {
		if err := public("203.0.113.66"); err != nil {
			t.Fatal(err)
		}
	}
	if err := public("203.0.113.66"); !limited(err) {
		t.Fatalf("third public request from one address: err = %v", err)
	}
	if err := public("203.0.113.67"); err != nil {
		t.Fatalf("public client from another address: %v", err)
	}
	// A nil Throttle limits nothing.
	var none *Throttle
	if none.Before(basicRequest(secretClient, "x")) != nil || none.Client("x") != nil {
		t.Error("a nil Throttle refused")
	}
	none.Failed(basicRequest(secretClient, "x"))
}
