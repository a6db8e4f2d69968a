package platform_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/config"
)

// A relying party's servers call the session API from one address, as
// often as their users verify: the limit per address does not apply to
// them, the limit per relying party does, and one relying party over its
// limit does not hold back another at the same address.
func TestServerToServerLimitedPerClient(t *testing.T) {
	e := newEnvWith(t, "", func(c *config.Config) { c.RateLimit, c.ClientRateLimit = 2, 10 })
	busy, other := e.register("busy-shop", "", ""), e.register("other-shop", "", "")
	s := e.newSession(busy, map[string]any{"level": "possession", "purpose": "登录"})

	// 20 calls at once from one address: over the address limit (2/s,
	// burst 5), within the relying party's (10/s, burst 21).
	for range 20 {
		must(t, e.rpCall(busy, "GET", "/v1/verifications/"+s.ID, nil), http.StatusOK)
	}
	r := e.rpCall(busy, "GET", "/v1/verifications/"+s.ID, nil)
	if r.status != http.StatusTooManyRequests || r.problemType(t) != "rate-limited" || r.header.Get("Retry-After") == "" {
		t.Fatalf("over the relying party's limit: %d %s, Retry-After %q", r.status, r.body, r.header.Get("Retry-After"))
	}
	// Another relying party at the same address is not held back.
	must(t, e.rpCall(other, "POST", "/v1/verifications", map[string]any{"level": "possession", "purpose": "登录"}), http.StatusCreated)
	// A person's request from that address still counts per address.
	limited := false
	for range 10 {
		if e.call("GET", "/healthz", "", nil).status == http.StatusTooManyRequests {
			limited = true
		}
	}
	if !limited {
		t.Error("requests other than server-to-server calls are no longer limited per address")
	}
	e.clock.Advance(10 * time.Second)
	must(t, e.rpCall(busy, "GET", "/v1/verifications/"+s.ID, nil), http.StatusOK)
}

// Failed client authentications are limited per address: once over, even
// right credentials from that address wait, and other addresses do not.
func TestFailedClientAuthenticationsLimitedPerAddress(t *testing.T) {
	e := newEnvWith(t, "", func(c *config.Config) { c.RateLimit, c.ClientRateLimit = 2, 100 })
	shop := e.register("shop", "", "")
	wrong := rp{id: shop.id, secret: shop.secret[:len(shop.secret)-2] + "xx"}
	statuses := map[int]int{}
	for range 10 {
		statuses[e.rpCall(wrong, "POST", "/v1/verifications", map[string]any{"level": "possession", "purpose": "登录"}).status]++
	}
	if statuses[http.StatusUnauthorized] != 5 || statuses[http.StatusTooManyRequests] != 5 {
		t.Fatalf("10 wrong secrets at once (limit 2/s, burst 5): %v", statuses)
	}
	r := e.rpCall(shop, "POST", "/v1/verifications", map[string]any{"level": "possession", "purpose": "登录"})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("right secret from the refused address: %d %s", r.status, r.body)
	}
	e.clock.Advance(10 * time.Second)
	must(t, e.rpCall(shop, "POST", "/v1/verifications", map[string]any{"level": "possession", "purpose": "登录"}), http.StatusCreated)
}

// Over its limit, a relying party's OpenID Connect client reads the refusal
// in OAuth's own format: a JSON error (RFC 6749 §5.2) at the token
// endpoint, a Bearer challenge at userinfo, both with Retry-After.
func TestOAuthEndpointsRateLimitedInOAuthFormat(t *testing.T) {
	e := newEnvWith(t, "", func(c *config.Config) { c.RateLimit, c.ClientRateLimit = 2, 2 })
	shop := e.register("shop", "", "")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(shop.id+":"+shop.secret))
	token := func() response {
		return e.raw("POST", "/oidc/token", []byte("grant_type=authorization_code&code=unknown&redirect_uri=https%3A%2F%2Fshop.example%2Fcb"),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic})
	}
	var last response
	for range 10 {
		if last = token(); last.status == http.StatusTooManyRequests {
			break
		}
		if last.status != http.StatusBadRequest {
			t.Fatalf("token: %d %s", last.status, last.body)
		}
	}
	var body map[string]string
	if last.status != http.StatusTooManyRequests || last.header.Get("Content-Type") != "application/json" ||
		json.Unmarshal(last.body, &body) != nil || body["error"] != "temporarily_unavailable" || last.header.Get("Retry-After") == "" {
		t.Fatalf("token over the limit: %d %s %s, Retry-After %q", last.status, last.header.Get("Content-Type"), last.body, last.header.Get("Retry-After"))
	}

	// userinfo: unknown tokens are failures of the address.
	userinfo := func() response {
		return e.raw("GET", "/oidc/userinfo", nil, map[string]string{"Authorization": "Bearer unknown"})
	}
	for range 10 {
		if last = userinfo(); last.status == http.StatusTooManyRequests {
			break
		}
		if last.status != http.StatusUnauthorized {
			t.Fatalf("userinfo: %d %s", last.status, last.body)
		}
	}
	if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" ||
		!strings.Contains(last.header.Get("WWW-Authenticate"), `error="temporarily_unavailable"`) ||
		json.Unmarshal(last.body, &body) != nil || body["error"] != "temporarily_unavailable" {
		t.Fatalf("userinfo over the limit: %d %s, WWW-Authenticate %q, Retry-After %q", last.status, last.body,
			last.header.Get("WWW-Authenticate"), last.header.Get("Retry-After"))
	}
}

// Behind a trusted reverse proxy every request comes from the proxy's
// address: the client address is read from X-Forwarded-For, and only when
// the peer is a trusted proxy; a forged header from anyone else is ignored.
func TestTrustedProxyClientAddress(t *testing.T) {
	burst := func(e *env) (limited int) {
		for i := range 10 {
			// Each request claims another client address.
			r := e.raw("GET", "/healthz", nil, map[string]string{"X-Forwarded-For": "198.51.100." + strconv.Itoa(i+1)})
			if r.status == http.StatusTooManyRequests {
				limited++
			}
		}
		return limited
	}
	untrusted := newEnvWith(t, "", func(c *config.Config) { c.RateLimit = 2 })
	if n := burst(untrusted); n == 0 {
		t.Error("a forged X-Forwarded-For from a peer that is not a trusted proxy escaped the limit per address")
	}
	behindProxy := newEnvWith(t, "", func(c *config.Config) { c.RateLimit, c.TrustedProxies = 2, []string{"127.0.0.0/8"} })
	if n := burst(behindProxy); n != 0 {
		t.Errorf("%d of 10 clients behind the trusted proxy were limited as one address", n)
	}
	// One client behind the proxy is still limited.
	limited := false
	for range 10 {
		if behindProxy.raw("GET", "/healthz", nil, map[string]string{"X-Forwarded-For": "203.0.113.5"}).status == http.StatusTooManyRequests {
			limited = true
		}
	}
	if !limited {
		t.Error("one client behind the trusted proxy was not limited")
	}
}
