package rp_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/rp"
)

// sentinels are rp's specific errors; a failing case must wrap the ones it
// expects and none of the others.
var sentinels = []error{
	rp.ErrRevoked, rp.ErrSuspended, rp.ErrReplay, rp.ErrStatusUnavailable,
	rp.ErrIssuer, rp.ErrExpired, rp.ErrAudience, rp.ErrNonce, rp.ErrStale,
}

// checkErr fails unless err wraps every error in want and no rp sentinel
// outside want. A nil want means success.
func checkErr(t *testing.T, err error, want ...error) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("verified; want errors %v", want)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("error %q does not wrap %q", err, w)
		}
	}
	for _, s := range sentinels {
		if !errors.Is(err, s) {
			continue
		}
		expected := false
		for _, w := range want {
			expected = expected || errors.Is(w, s)
		}
		if !expected {
			t.Errorf("error %q also wraps %q", err, s)
		}
	}
}

func newVerifier(t testing.TB, p *platform, opts ...rp.Option) *rp.Verifier {
	t.Helper()
	opts = append([]rp.Option{rp.WithClock(p.clock.Now), rp.WithHTTPClient(p.srv.Client())}, opts...)
	v, err := rp.New(context.Background(), p.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// counter is an HTTP server that only counts requests: a host that must
// never be contacted.
func counter(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	t.Cleanup(s.Close)
	return s, &n
}

func TestVerifyPresentation(t *testing.T) {
	other, otherHits := counter(t)
	expect := rp.Expect{Audience: testAud, Nonce: "n-0S6_WzA2Mj"}
	// present issues a credential (index 7, edited by edit) and presents
	// it now with the expected audience and nonce.
	present := func(t *testing.T, p *platform, edit func(*credential.Claims), disclose ...string) string {
		return p.issue(t, 7, edit).present(t, expect.Audience, expect.Nonce, p.clock.Now(), disclose...)
	}
	tests := []struct {
		name string
		// setup returns the presentation and what the relying party expects.
		setup      func(t *testing.T, p *platform) (string, rp.Expect)
		wantClaims map[string]any
		// wantWanghao is the 网号 expected in the result ("" when the
		// holder did not disclose it).
		wantWanghao string
		wantErr     []error
		// trailingSlash configures the Verifier with the issuer URL + "/".
		trailingSlash bool
	}{
		{
			name:       "valid: the disclosed claim only",
			setup:      func(t *testing.T, p *platform) (string, rp.Expect) { return present(t, p, nil), expect },
			wantClaims: map[string]any{"age_over_18": true},
		},
		{
			name: "valid: two disclosed claims",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				return present(t, p, nil, "age_over_60", "age_over_18"), expect
			},
			wantClaims: map[string]any{"age_over_18": true, "age_over_60": false},
		},
		{
			name: "valid: the 网号 disclosed",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				return present(t, p, nil, "wanghao", "age_over_18"), expect
			},
			wantClaims:  map[string]any{"age_over_18": true, "wanghao": "WH7K2M9Q0007"},
			wantWanghao: "WH7K2M9Q0007",
		},
		{
			name:       "valid: nothing disclosed",
			setup:      func(t *testing.T, p *platform) (string, rp.Expect) { return present(t, p, nil, []string{}...), expect },
			wantClaims: map[string]any{},
		},
		{
			name: "valid: issuer configured with a trailing slash",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				return present(t, p, nil), expect
			},
			wantClaims:    map[string]any{"age_over_18": true},
			trailingSlash: true,
		},
		{
			name: "wrong audience",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				e := expect
				e.Audience = "https://other-shop.example.cn"
				return present(t, p, nil), e
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrAudience, credential.ErrAudience},
		},
		{
			name: "wrong nonce",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				e := expect
				e.Nonce = "n-another-one"
				return present(t, p, nil), e
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrNonce, credential.ErrNonce},
		},
		{
			name: "relying party sets no nonce",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				e := expect
				e.Nonce = ""
				return present(t, p, nil), e
			},
			wantErr: []error{rp.ErrInvalid},
		},
		{
			name: "relying party sets no audience",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				e := expect
				e.Audience = ""
				return present(t, p, nil), e
			},
			wantErr: []error{rp.ErrInvalid},
		},
		{
			name: "suspended",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				p.setStatus(7, statuslist.Suspended)
				return present(t, p, nil), expect
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrSuspended},
		},
		{
			name: "revoked",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				p.setStatus(7, statuslist.Invalid)
				return present(t, p, nil), expect
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrRevoked},
		},
		{
			name: "another credential in the list is revoked",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				p.setStatus(6, statuslist.Invalid)
				p.setStatus(8, statuslist.Suspended)
				return present(t, p, nil), expect
			},
			wantClaims: map[string]any{"age_over_18": true},
		},
		{
			name: "status index beyond the list",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				return present(t, p, func(c *credential.Claims) { c.Status.Index = 1 << 20 }), expect
			},
			wantErr: []error{rp.ErrInvalid, statuslist.ErrRange},
		},
		{
			name: "another issuer (iss), signed with the platform key",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				return present(t, p, func(c *credential.Claims) { c.Issuer = "https://netid.other.example" }), expect
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrIssuer},
		},
		{
			name: "another issuer's key (kid not published)",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				p.set(func(p *platform) { p.issuerKey = genKey(t, "rogue-1") })
				return present(t, p, nil), expect
			},
			wantErr: []error{rp.ErrInvalid, credential.ErrUnknownKey},
		},
		{
			name: "forged: another key under the platform's kid",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				p.set(func(p *platform) { p.issuerKey = genKey(t, p.issuerKey.kid) })
				return present(t, p, nil), expect
			},
			wantErr: []error{rp.ErrInvalid, credential.ErrSignature},
		},
		{
			name: "expired credential",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				return present(t, p, func(c *credential.Claims) {
					c.IssuedAt = p.clock.Now().Add(-2 * 365 * 24 * time.Hour)
					c.ExpiresAt = p.clock.Now().Add(-time.Minute) // beyond the 30 s leeway
				}), expect
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrExpired, credential.ErrExpired},
		},
		{
			name: "credential not yet valid",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				return present(t, p, func(c *credential.Claims) { c.NotBefore = p.clock.Now().Add(time.Hour) }), expect
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrExpired, credential.ErrNotYetValid},
		},
		{
			name: "holder signature older than the default 5 minutes",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				h := p.issue(t, 7, nil)
				return h.present(t, expect.Audience, expect.Nonce, p.clock.Now().Add(-6*time.Minute)), expect
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrStale, credential.ErrStale},
		},
		{
			name: "holder signature older than Expect.MaxAge",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				h := p.issue(t, 7, nil)
				e := expect
				e.MaxAge = time.Minute
				return h.present(t, expect.Audience, expect.Nonce, p.clock.Now().Add(-2*time.Minute)), e
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrStale, credential.ErrStale},
		},
		{
			name: "holder signature dated in the future",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				h := p.issue(t, 7, nil)
				return h.present(t, expect.Audience, expect.Nonce, p.clock.Now().Add(2*time.Minute)), expect
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrStale, credential.ErrStale},
		},
		{
			name: "disclosure removed after the holder signed",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				s := present(t, p, nil, "age_over_18", "age_over_60")
				parts := strings.Split(s, "~") // jwt, d1, d2, kb
				return strings.Join([]string{parts[0], parts[1], parts[3]}, "~"), expect
			},
			wantErr: []error{rp.ErrInvalid, credential.ErrKeyBinding},
		},
		{
			name: "no key binding: the issued SD-JWT itself",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				return p.issue(t, 7, nil).sdjwt, expect
			},
			wantErr: []error{rp.ErrInvalid, credential.ErrKeyBinding},
		},
		{
			name:    "garbage",
			setup:   func(t *testing.T, p *platform) (string, rp.Expect) { return "not~a~presentation", expect },
			wantErr: []error{rp.ErrInvalid, credential.ErrMalformed},
		},
		{
			name: "status list on another host",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				return present(t, p, func(c *credential.Claims) { c.Status.URI = other.URL + "/status/1" }), expect
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrIssuer},
		},
		{
			name: "status list on a look-alike host (issuer URL as prefix)",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				return present(t, p, func(c *credential.Claims) { c.Status.URI = p.URL + ".evil.example/status/1" }), expect
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrIssuer},
		},
		{
			name: "status list behind userinfo (issuer URL as user name)",
			setup: func(t *testing.T, p *platform) (string, rp.Expect) {
				u := strings.Replace(other.URL, "http://", p.URL+"@", 1)
				return present(t, p, func(c *credential.Claims) { c.Status.URI = u + "/status/1" }), expect
			},
			wantErr: []error{rp.ErrInvalid, rp.ErrIssuer},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlatform(t, newClock())
			url := p.URL
			if tc.trailingSlash {
				url += "/"
			}
			v, err := rp.New(context.Background(), url, rp.WithClock(p.clock.Now), rp.WithHTTPClient(p.srv.Client()))
			if err != nil {
				t.Fatal(err)
			}
			pres, want := tc.setup(t, p)
			before := otherHits.Load()
			got, err := v.VerifyPresentation(context.Background(), pres, want)
			if n := otherHits.Load() - before; n != 0 {
				t.Errorf("%d requests to another host", n)
			}
			checkErr(t, err, tc.wantErr...)
			if err != nil {
				if got != nil {
					t.Errorf("a presentation with the error: %+v", got)
				}
				return
			}
			if !maps.Equal(got.Claims, tc.wantClaims) {
				t.Errorf("claims %v, want %v", got.Claims, tc.wantClaims)
			}
			if got.Wanghao != tc.wantWanghao || got.CredentialID != "cred-0007" {
				t.Errorf("wanghao %q, credential %q", got.Wanghao, got.CredentialID)
			}
			if !got.IssuedAt.Equal(t0.Add(-time.Hour)) || !got.ExpiresAt.Equal(t0.Add(365*24*time.Hour)) {
				t.Errorf("validity %v – %v", got.IssuedAt, got.ExpiresAt)
			}
		})
	}
}

// TestStatusUnavailable: a status list that cannot be fetched or verified
// rejects the presentation with ErrStatusUnavailable, is not cached, and
// does not use up the nonce: once the list is served again, the same
// presentation verifies.
func TestStatusUnavailable(t *testing.T) {
	tests := []struct {
		name    string
		break_  func(t *testing.T, p *platform)
		wantErr []error
	}{
		{"server error", func(t *testing.T, p *platform) { p.listFail = true }, nil},
		{"not a token", func(t *testing.T, p *platform) { p.listBody = "eyJhbGciOi.not.a-token" }, []error{statuslist.ErrMalformed}},
		{"signed by another key under the platform's kid", func(t *testing.T, p *platform) {
			p.listKey = genKey(t, p.listKey.kid)
		}, []error{statuslist.ErrSignature}},
		{"signed by an unpublished key", func(t *testing.T, p *platform) {
			p.listKey = genKey(t, "rogue-1")
		}, []error{statuslist.ErrUnknownKey}},
		{"the token of another list", func(t *testing.T, p *platform) { p.listURI = p.URL + "/status/2" }, []error{statuslist.ErrURI}},
		{"expired token", func(t *testing.T, p *platform) {
			p.listBody = signList(t, p, p.clock.Now().Add(-2*time.Hour), time.Hour)
		}, []error{statuslist.ErrExpired}},
		{"token dated in the future", func(t *testing.T, p *platform) {
			p.listBody = signList(t, p, p.clock.Now().Add(time.Hour), time.Hour)
		}, []error{statuslist.ErrNotYetValid}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlatform(t, newClock())
			v := newVerifier(t, p)
			saved := struct {
				key signingKey
				uri string
			}{p.listKey, p.listURI}
			p.set(func(p *platform) { tc.break_(t, p) })
			want := rp.Expect{Audience: testAud, Nonce: "n-1"}
			pres := p.issue(t, 3, nil).present(t, want.Audience, want.Nonce, p.clock.Now())
			_, err := v.VerifyPresentation(context.Background(), pres, want)
			checkErr(t, err, append([]error{rp.ErrStatusUnavailable}, tc.wantErr...)...)
			if _, list := p.hits(); list != 1 {
				t.Errorf("%d status list requests, want 1", list)
			}

			p.set(func(p *platform) {
				p.listFail, p.listBody, p.listKey, p.listURI = false, "", saved.key, saved.uri
			})
			if _, err := v.VerifyPresentation(context.Background(), pres, want); err != nil {
				t.Fatalf("after the list is served again: %v", err)
			}
			if _, list := p.hits(); list != 2 {
				t.Errorf("%d status list requests, want 2 (failures are not cached)", list)
			}
		})
	}
}

// signList signs p's list as of iat, valid for validity.
func signList(t *testing.T, p *platform, iat time.Time, validity time.Duration) string {
	t.Helper()
	tok, err := statuslist.Sign(p.list, p.listURI, p.listKey.signer(), p.listKey.kid, iat, p.ttl, validity)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestReplay: a nonce is accepted once. The Verifier remembers a nonce for
// twice the key-binding age limit, which outlasts the presentation's
// freshness (the limit plus 30 s leeway), so a replay is never accepted:
// while the nonce is remembered it fails with ErrReplay, and once the
// holder's signature is older than the limit it fails as ErrStale, before
// the nonce is even looked up — also after the Verifier has forgotten it.
func TestReplay(t *testing.T) {
	for _, maxAge := range []time.Duration{0, time.Minute, 20 * time.Minute} {
		t.Run(fmt.Sprintf("MaxAge=%v", maxAge), func(t *testing.T) {
			c := newClock()
			p := newPlatform(t, c)
			v := newVerifier(t, p)
			want := rp.Expect{Audience: testAud, Nonce: "n-replayed", MaxAge: maxAge}
			h := p.issue(t, 1, nil)
			signed := c.Now()
			pres := h.present(t, want.Audience, want.Nonce, signed)
			if _, err := v.VerifyPresentation(context.Background(), pres, want); err != nil {
				t.Fatal(err)
			}
			limit := maxAge
			if limit == 0 {
				limit = credential.DefaultMaxKBAge
			}
			// A new presentation re-using the nonce is a replay too.
			c.Set(signed.Add(limit / 2))
			_, err := v.VerifyPresentation(context.Background(), h.present(t, want.Audience, want.Nonce, c.Now()), want)
			checkErr(t, err, rp.ErrInvalid, rp.ErrReplay)
			fresh := limit + 30*time.Second // the Verifier's leeway
			// Replay every 30 s for 3 × max(limit, default), far past the
			// Verifier's nonce memory (2 × that), and either side of the
			// end of freshness.
			horizon := 3 * max(limit, credential.DefaultMaxKBAge)
			offsets := []time.Duration{fresh - time.Second, fresh, fresh + time.Second}
			for d := time.Duration(0); d <= horizon; d += 30 * time.Second {
				offsets = append(offsets, d)
			}
			slices.Sort(offsets)
			offsets = slices.Compact(offsets)
			for _, d := range offsets {
				c.Set(signed.Add(d))
				// A fresh nonce between replays lets the Verifier prune.
				other := rp.Expect{Audience: testAud, Nonce: fmt.Sprintf("n-%d", d), MaxAge: maxAge}
				if _, err := v.VerifyPresentation(context.Background(), h.present(t, testAud, other.Nonce, c.Now()), other); err != nil {
					t.Fatalf("+%v: a fresh presentation: %v", d, err)
				}
				_, err := v.VerifyPresentation(context.Background(), pres, want)
				if d <= fresh {
					checkErr(t, err, rp.ErrInvalid, rp.ErrReplay)
				} else {
					checkErr(t, err, rp.ErrInvalid, rp.ErrStale)
				}
				if t.Failed() {
					t.Fatalf("replay at +%v", d)
				}
			}
		})
	}
}

// TestReplayNotConsumedByFailure: a presentation rejected for its status
// does not use up the nonce (the relying party may retry once the status
// is known), and a rejected forgery cannot burn a legitimate nonce.
func TestReplayNotConsumedByFailure(t *testing.T) {
	p := newPlatform(t, newClock())
	v := newVerifier(t, p)
	want := rp.Expect{Audience: testAud, Nonce: "n-1"}
	h := p.issue(t, 1, nil)
	p.setStatus(1, statuslist.Suspended)
	forged := p.issue(t, 2, func(c *credential.Claims) { c.Issuer = "https://elsewhere.example" })
	for _, tc := range []struct {
		pres string
		want []error
	}{
		{h.present(t, want.Audience, want.Nonce, p.clock.Now()), []error{rp.ErrInvalid, rp.ErrSuspended}},
		{forged.present(t, want.Audience, want.Nonce, p.clock.Now()), []error{rp.ErrInvalid, rp.ErrIssuer}},
	} {
		_, err := v.VerifyPresentation(context.Background(), tc.pres, want)
		checkErr(t, err, tc.want...)
	}
	p.setStatus(1, statuslist.Valid)
	p.clock.Advance(listTTL)
	if _, err := v.VerifyPresentation(context.Background(), h.present(t, want.Audience, want.Nonce, p.clock.Now()), want); err != nil {
		t.Fatal(err)
	}
}

// TestHTTPRequests counts the Verifier's requests: New fetches the keys,
// the first verification the status list, and then verifications are
// offline until the list's ttl passes (one fetch) or the key refresh
// interval passes (one fetch).
func TestHTTPRequests(t *testing.T) {
	c := newClock()
	p := newPlatform(t, c)
	v := newVerifier(t, p, rp.WithKeyRefresh(2*time.Hour))
	h := p.issue(t, 1, nil)
	n := 0
	verify := func() {
		t.Helper()
		n++
		want := rp.Expect{Audience: testAud, Nonce: fmt.Sprintf("n-%d", n)}
		if _, err := v.VerifyPresentation(context.Background(), h.present(t, want.Audience, want.Nonce, c.Now()), want); err != nil {
			t.Fatal(err)
		}
	}
	wantHits := func(step string, jwks, list int64) {
		t.Helper()
		if gj, gl := p.hits(); gj != jwks || gl != list {
			t.Fatalf("%s: %d JWKS and %d status list requests, want %d and %d", step, gj, gl, jwks, list)
		}
	}
	wantHits("New", 1, 0)
	verify()
	wantHits("first verification", 1, 1)
	first := c.Now()
	for range 100 {
		c.Advance(listTTL / 200)
		verify()
	}
	wantHits("100 cached verifications", 1, 1)
	c.Set(first.Add(listTTL - time.Second))
	verify()
	wantHits("a second before the ttl", 1, 1)
	c.Set(first.Add(listTTL))
	verify()
	wantHits("ttl passed", 1, 2)
	for range 100 {
		verify()
	}
	wantHits("100 more", 1, 2)
	c.Set(t0.Add(2*time.Hour + time.Second))
	verify()
	wantHits("key refresh interval passed", 2, 3)
	verify()
	wantHits("after the refresh", 2, 3)
}

// TestListCachedNoLongerThanToken: a status list token that expires before
// its ttl is not used past its exp.
func TestListCachedNoLongerThanToken(t *testing.T) {
	c := newClock()
	p := newPlatform(t, c)
	p.set(func(p *platform) { p.ttl, p.validity = time.Hour, 2*time.Minute })
	v := newVerifier(t, p)
	h := p.issue(t, 1, nil)
	for i, tc := range []struct {
		at       time.Duration
		wantList int64
	}{{0, 1}, {2*time.Minute - time.Second, 1}, {2 * time.Minute, 2}, {3 * time.Minute, 2}} {
		c.Set(t0.Add(tc.at))
		want := rp.Expect{Audience: testAud, Nonce: fmt.Sprintf("n-%d", i)}
		if _, err := v.VerifyPresentation(context.Background(), h.present(t, want.Audience, want.Nonce, c.Now()), want); err != nil {
			t.Fatalf("+%v: %v", tc.at, err)
		}
		if _, list := p.hits(); list != tc.wantList {
			t.Errorf("+%v: %d status list requests, want %d", tc.at, list, tc.wantList)
		}
	}
}

// TestListFreshFromSigning: a list token served late (signed most of a ttl
// ago, say by a shared cache) is fresh only until its ttl from signing,
// not for a whole ttl after it arrived.
func TestListFreshFromSigning(t *testing.T) {
	c := newClock()
	p := newPlatform(t, c)
	p.set(func(p *platform) { p.listAge = listTTL - time.Minute })
	v := newVerifier(t, p)
	h := p.issue(t, 1, nil)
	for i, tc := range []struct {
		at       time.Duration
		wantList int64
	}{{0, 1}, {time.Minute - time.Second, 1}, {time.Minute, 2}} {
		c.Set(t0.Add(tc.at))
		want := rp.Expect{Audience: testAud, Nonce: fmt.Sprintf("n-%d", i)}
		if _, err := v.VerifyPresentation(context.Background(), h.present(t, want.Audience, want.Nonce, c.Now()), want); err != nil {
			t.Fatalf("+%v: %v", tc.at, err)
		}
		if _, list := p.hits(); list != tc.wantList {
			t.Errorf("+%v: %d status list requests, want %d", tc.at, list, tc.wantList)
		}
	}
}

// TestListWithoutTTL: a token without ttl is not cached (fetched for every
// verification): the Verifier has no basis for caching it.
func TestListWithoutTTL(t *testing.T) {
	p := newPlatform(t, newClock())
	p.set(func(p *platform) { p.ttl = 0 })
	v := newVerifier(t, p)
	h := p.issue(t, 1, nil)
	for i := range 3 {
		want := rp.Expect{Audience: testAud, Nonce: fmt.Sprintf("n-%d", i)}
		if _, err := v.VerifyPresentation(context.Background(), h.present(t, want.Audience, want.Nonce, p.clock.Now()), want); err != nil {
			t.Fatal(err)
		}
	}
	if _, list := p.hits(); list != 3 {
		t.Errorf("%d status list requests, want 3", list)
	}
}

// TestKeyRotation: the platform publishes a new key and signs with it. A
// presentation under the unseen kid makes the Verifier fetch the keys once
// and verify; key fetches that verifications trigger happen at most once a
// minute, so forged kids cannot make it fetch on every request.
func TestKeyRotation(t *testing.T) {
	rotate := func(t *testing.T, p *platform, credentials, lists bool) {
		k := genKey(t, "platform-2026-2")
		p.set(func(p *platform) {
			p.published = append(p.published, k)
			if credentials {
				p.issuerKey = k
			}
			if lists {
				p.listKey = k
			}
		})
	}
	verify := func(t *testing.T, v *rp.Verifier, p *platform, nonce string, wantErr ...error) {
		t.Helper()
		want := rp.Expect{Audience: testAud, Nonce: nonce}
		_, err := v.VerifyPresentation(context.Background(), p.issue(t, 1, nil).present(t, want.Audience, want.Nonce, p.clock.Now()), want)
		checkErr(t, err, wantErr...)
	}
	wantJWKS := func(t *testing.T, p *platform, n int64) {
		t.Helper()
		if got, _ := p.hits(); got != n {
			t.Errorf("%d JWKS requests, want %d", got, n)
		}
	}

	t.Run("credential signed by a new key", func(t *testing.T) {
		p := newPlatform(t, newClock())
		v := newVerifier(t, p)
		verify(t, v, p, "n-1")
		rotate(t, p, true, true)
		p.clock.Advance(2 * time.Minute)
		verify(t, v, p, "n-2")
		wantJWKS(t, p, 2)
		verify(t, v, p, "n-3")
		wantJWKS(t, p, 2)
	})
	t.Run("status list signed by a new key, credential by the old one", func(t *testing.T) {
		p := newPlatform(t, newClock())
		v := newVerifier(t, p)
		rotate(t, p, false, true)
		p.clock.Advance(2 * time.Minute)
		verify(t, v, p, "n-1")
		wantJWKS(t, p, 2)
	})
	t.Run("rotation within a minute of the last fetch", func(t *testing.T) {
		p := newPlatform(t, newClock())
		v := newVerifier(t, p)
		rotate(t, p, true, true)
		p.clock.Advance(30 * time.Second)
		verify(t, v, p, "n-1", rp.ErrInvalid, credential.ErrUnknownKey)
		wantJWKS(t, p, 1)
		p.clock.Advance(30 * time.Second)
		verify(t, v, p, "n-2")
		wantJWKS(t, p, 2)
	})
	t.Run("forged kids: at most one fetch a minute", func(t *testing.T) {
		p := newPlatform(t, newClock())
		v := newVerifier(t, p)
		p.set(func(p *platform) { p.issuerKey = genKey(t, "rogue-1") })
		for i := range 100 {
			p.clock.Advance(3 * time.Second) // 5 minutes in all
			verify(t, v, p, fmt.Sprint("n-", i), rp.ErrInvalid, credential.ErrUnknownKey)
		}
		wantJWKS(t, p, 1+5)
	})
	t.Run("key fetch fails: keep the cached keys, retry once a minute", func(t *testing.T) {
		p := newPlatform(t, newClock())
		v := newVerifier(t, p, rp.WithKeyRefresh(10*time.Minute))
		p.set(func(p *platform) { p.jwksFail = true })
		p.clock.Advance(11 * time.Minute)
		for i := range 20 {
			p.clock.Advance(5 * time.Second) // 100 s in all
			verify(t, v, p, fmt.Sprint("n-", i))
		}
		wantJWKS(t, p, 1+2)
		p.set(func(p *platform) { p.jwksFail = false })
		p.clock.Advance(time.Minute)
		verify(t, v, p, "n-last")
		wantJWKS(t, p, 4)
	})
	t.Run("concurrent verifications under an unseen kid share one fetch", func(t *testing.T) {
		p := newPlatform(t, newClock())
		v := newVerifier(t, p)
		rotate(t, p, true, true)
		p.clock.Advance(2 * time.Minute)
		hs := make([]string, 20)
		for i := range hs {
			hs[i] = p.issue(t, int64(i), nil).present(t, testAud, fmt.Sprint("n-", i), p.clock.Now())
		}
		var wg sync.WaitGroup
		for i, pres := range hs {
			wg.Go(func() {
				if _, err := v.VerifyPresentation(context.Background(), pres, rp.Expect{Audience: testAud, Nonce: fmt.Sprint("n-", i)}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		wantJWKS(t, p, 2)
	})
}

func TestNew(t *testing.T) {
	tests := []struct {
		name  string
		serve http.HandlerFunc
	}{
		{"keys unavailable", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) }},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>") }},
		{"a private key in the JWKS", func(w http.ResponseWriter, r *http.Request) {
			k := genKey(t, "k1")
			writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.priv, KeyID: "k1", Algorithm: "ES256"}}})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := httptest.NewServer(tc.serve)
			defer s.Close()
			v, err := rp.New(context.Background(), s.URL, rp.WithHTTPClient(s.Client()))
			if err == nil || v != nil {
				t.Fatalf("New = %v, %v; want an error", v, err)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		s := httptest.NewServer(http.NotFoundHandler())
		url := s.URL
		s.Close()
		if _, err := rp.New(context.Background(), url); err == nil {
			t.Fatal("New succeeded")
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		p := newPlatform(t, newClock())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := rp.New(ctx, p.URL, rp.WithHTTPClient(p.srv.Client())); !errors.Is(err, context.Canceled) {
			t.Fatalf("New = %v, want context.Canceled", err)
		}
	})
}

// TestConcurrent verifies 50 distinct presentations at once (run with
// -race) on a cold status list cache: all verify, with one list fetch.
// Then 50 goroutines verify one presentation: exactly one succeeds.
func TestConcurrent(t *testing.T) {
	const n = 50
	p := newPlatform(t, newClock())
	v := newVerifier(t, p)
	pres := make([]string, n)
	for i := range pres {
		pres[i] = p.issue(t, int64(i), nil).present(t, testAud, fmt.Sprint("n-", i), p.clock.Now())
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range pres {
		wg.Go(func() {
			<-start
			got, err := v.VerifyPresentation(context.Background(), pres[i], rp.Expect{Audience: testAud, Nonce: fmt.Sprint("n-", i)})
			if err != nil {
				t.Errorf("presentation %d: %v", i, err)
				return
			}
			if want := fmt.Sprintf("cred-%04d", i); got.CredentialID != want {
				t.Errorf("presentation %d verified as %s", i, got.CredentialID)
			}
		})
	}
	close(start)
	wg.Wait()
	if jwks, list := p.hits(); jwks != 1 || list != 1 {
		t.Errorf("%d JWKS and %d status list requests, want 1 and 1", jwks, list)
	}

	same := p.issue(t, 99, nil).present(t, testAud, "n-same", p.clock.Now())
	var ok, replays atomic.Int64
	start = make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			_, err := v.VerifyPresentation(context.Background(), same, rp.Expect{Audience: testAud, Nonce: "n-same"})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, rp.ErrReplay):
				replays.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 || replays.Load() != n-1 {
		t.Errorf("%d successes and %d replays, want 1 and %d", ok.Load(), replays.Load(), n-1)
	}
}
