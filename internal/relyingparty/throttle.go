package relyingparty

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/storage"
)

// ErrRateLimited: the relying party made more requests than its limit, or
// its address failed to authenticate too often; it is wrapped by
// *RateLimitError, which says when to retry.
var ErrRateLimited = errors.New("relyingparty: too many requests")

// RateLimitError is a request refused by a Throttle.
type RateLimitError struct {
	// RetryAfter is how long until a request would be accepted.
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s (retry after %s)", ErrRateLimited, e.RetryAfter)
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// Limiter is a per-key token bucket (httpx.RateLimiter).
type Limiter interface {
	// Allow takes a token from key's bucket, or says how long until one.
	Allow(key string) (bool, time.Duration)
	// Peek is Allow without taking the token.
	Peek(key string) (bool, time.Duration)
}

var _ Limiter = (*httpx.RateLimiter)(nil)

// Throttle limits the requests of relying parties calling the platform
// server to server (the session API, the eID check, the OpenID Connect
// token and userinfo endpoints). These come from few addresses — a relying
// party's servers, often behind one NAT or proxy — so a limit per address
// would throttle a busy relying party and let an attacker share its
// budget. Instead an authenticated request counts against its relying
// party's own limit, and a failed authentication against its address's;
// an address over that limit is refused before its credentials are even
// checked. A nil Throttle, or a nil field, limits nothing.
type Throttle struct {
	// PerClient limits authenticated requests, keyed by client ID.
	PerClient Limiter
	// Failures limits failed authentications, keyed by Address.
	Failures Limiter
	// Address is the client address of a request; nil means
	// httpx.ClientIP (after httpx.TrustedProxies resolved it).
	Address func(*http.Request) string
}

func (t *Throttle) address(r *http.Request) string {
	if t.Address != nil {
		return t.Address(r)
	}
	return httpx.ClientIP(r)
}

// Before refuses, with a *RateLimitError, a request from an address that
// used up its failed authentications.
func (t *Throttle) Before(r *http.Request) error {
	if t == nil || t.Failures == nil {
		return nil
	}
	if ok, wait := t.Failures.Peek(t.address(r)); !ok {
		return &RateLimitError{RetryAfter: wait}
	}
	return nil
}

// Failed counts a failed authentication from r's address.
func (t *Throttle) Failed(r *http.Request) {
	if t == nil || t.Failures == nil {
		return
	}
	t.Failures.Allow(t.address(r))
}

// clientKey is the key of an authenticated request's limit: the client ID,
// and for a public client (auth method none), which anyone can name, the
// client ID and the address, so that nobody can use up the limit of its
// users elsewhere.
func (t *Throttle) clientKey(rp storage.RelyingParty, r *http.Request) string {
	if t == nil || rp.AuthMethod != storage.AuthNone {
		return rp.ID
	}
	return rp.ID + " " + t.address(r)
}

// Client takes one request from relying party id's limit, or returns a
// *RateLimitError.
func (t *Throttle) Client(id string) error {
	if t == nil || t.PerClient == nil {
		return nil
	}
	if ok, wait := t.PerClient.Allow(id); !ok {
		return &RateLimitError{RetryAfter: wait}
	}
	return nil
}
