package rp_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/netid-project/netid/rp"
)

const testSecret = "s3cret-value-never-in-errors"

// clientEnv is a fake session API and a Client of it, on a test clock.
type clientEnv struct {
	p   *platform
	api *sessionAPI
	c   *rp.Client
}

func newClientEnv(t *testing.T, auth rp.ClientAuth, setup func(a *sessionAPI)) *clientEnv {
	t.Helper()
	p := newPlatform(t, newClock())
	a := newSessionAPI(t, p, testClient, testSecret)
	if setup != nil {
		setup(a)
	}
	if auth == nil {
		auth = rp.ClientSecret(testSecret)
	}
	c, err := rp.NewClient(a.URL, testClient, auth, rp.WithClientClock(p.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	return &clientEnv{p: p, api: a, c: c}
}

// fast is the poll interval of tests: Wait's timing is not under test.
const fast = time.Millisecond

func TestClientApproved(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	smKey, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		auth  rp.ClientAuth
		setup func(a *sessionAPI)
	}{
		{"client secret", nil, nil},
		{"private key JWT", rp.PrivateKeyJWT(key, "rp-key-1"), func(a *sessionAPI) { a.rpKey = &key.PublicKey }},
		{"private key JWT, SM2", rp.PrivateKeyJWT(smKey, "rp-key-1"), func(a *sessionAPI) { a.rpKey = &smKey.PublicKey }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newClientEnv(t, tt.auth, tt.setup)
			ctx := context.Background()
			s, err := e.c.CreateSession(ctx, rp.SessionRequest{Level: rp.LevelPassword, Claims: []string{"age_over_18"}, Purpose: "购买需年满18岁的商品", Nonce: "n-7"})
			if err != nil {
				t.Fatal(err)
			}
			if s.ID == "" || s.Code == "" || !strings.HasPrefix(s.Link, "netid://verify?") || s.State != rp.StatePending || s.ExpiresAt.IsZero() {
				t.Fatalf("session: %+v", s)
			}
			img, err := e.c.QRPNG(ctx, s)
			if err != nil || !bytes.HasPrefix(img, []byte("\x89PNG")) {
				t.Fatalf("QR PNG: %v", err)
			}
			st, err := e.c.Session(ctx, s.ID)
			if err != nil || st.State != rp.StatePending || st.Final() || st.Result != "" {
				t.Fatalf("polled before the answer: %+v, %v", st, err)
			}
			if _, err := e.c.Result(ctx, st); !errors.Is(err, rp.ErrPending) {
				t.Fatalf("result of a pending session: %v", err)
			}
			e.api.approve(t, "holder-1", s.Link)
			r, err := e.c.Wait(ctx, s.ID, fast)
			if err != nil {
				t.Fatal(err)
			}
			if r.SessionID != s.ID || r.Level != rp.LevelPassword || r.Subject != e.api.subject("holder-1") || r.Nonce != "n-7" ||
				r.Claims["age_over_18"] != true || r.Claims["verified"] != true || len(r.Claims) != 3 {
				t.Fatalf("result: %+v", r)
			}
		})
	}
}

func TestClientSessionEndedWithoutResult(t *testing.T) {
	for _, tt := range []struct {
		state, errType string
		want           error
	}{
		{"declined", "", rp.ErrDeclined},
		{"expired", "", rp.ErrSessionExpired},
		{"failed", "guardian-unknown", rp.ErrSessionFailed},
		{"someday-new", "", rp.ErrSessionFailed},
	} {
		t.Run(tt.state, func(t *testing.T) {
			e := newClientEnv(t, nil, nil)
			ctx := context.Background()
			s, err := e.c.CreateSession(ctx, rp.SessionRequest{Purpose: "登录"})
			if err != nil {
				t.Fatal(err)
			}
			e.api.end(t, s.Link, tt.state, tt.errType)
			r, err := e.c.Wait(ctx, s.ID, fast)
			checkResultErr(t, err, tt.want)
			if r != nil {
				t.Fatal("a result")
			}
			if tt.errType != "" && !strings.Contains(err.Error(), tt.errType) {
				t.Fatalf("error %q does not say why", err)
			}
		})
	}
}

func TestClientCancel(t *testing.T) {
	e := newClientEnv(t, nil, nil)
	ctx := context.Background()
	s, err := e.c.CreateSession(ctx, rp.SessionRequest{Purpose: "登录"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.c.Cancel(ctx, s.ID)
	if err != nil || st.State != rp.StateCancelled || !st.Final() {
		t.Fatalf("cancel: %+v, %v", st, err)
	}
	_, err = e.c.Wait(ctx, s.ID, fast)
	checkResultErr(t, err, rp.ErrCancelled)
	_, err = e.c.Cancel(ctx, s.ID)
	var apiErr *rp.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict || apiErr.Slug() != "session-closed" {
		t.Fatalf("cancelling twice: %v", err)
	}
}

func TestClientAPIErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("wrong secret", func(t *testing.T) {
		e := newClientEnv(t, rp.ClientSecret("wrong-secret-value"), nil)
		_, err := e.c.CreateSession(ctx, rp.SessionRequest{Purpose: "登录"})
		var apiErr *rp.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || apiErr.Slug() != "client-unauthenticated" ||
			apiErr.Type != "https://netid.dev/problems/client-unauthenticated" || apiErr.Detail == "" {
			t.Fatalf("wrong secret: %#v", err)
		}
		if strings.Contains(err.Error(), "wrong-secret-value") {
			t.Fatalf("the secret is in the error: %v", err)
		}
	})
	t.Run("unknown session", func(t *testing.T) {
		e := newClientEnv(t, nil, nil)
		_, err := e.c.Wait(ctx, "no-such-session", fast)
		var apiErr *rp.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound || apiErr.Slug() != "session-not-found" {
			t.Fatalf("unknown session: %v", err)
		}
		if n := e.api.polls.Load(); n != 1 {
			t.Fatalf("%d polls of an unknown session, want 1", n)
		}
	})
	t.Run("missing purpose", func(t *testing.T) {
		e := newClientEnv(t, nil, nil)
		_, err := e.c.CreateSession(ctx, rp.SessionRequest{})
		var apiErr *rp.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
			t.Fatalf("no purpose: %v", err)
		}
	})
	t.Run("proxy error page", func(t *testing.T) {
		e := newClientEnv(t, nil, nil)
		e.api.set(func(a *sessionAPI) { a.fail = http.StatusBadGateway })
		_, err := e.c.Wait(ctx, "sess", fast)
		var apiErr *rp.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadGateway || apiErr.Type != "" || apiErr.Title != "Bad Gateway" {
			t.Fatalf("proxy error: %#v", err)
		}
		if strings.Contains(err.Error(), "html") {
			t.Fatalf("the body is in the error: %v", err)
		}
		if n := e.api.polls.Load(); n != 3 {
			t.Fatalf("%d polls through 502s, want 3 (transient failures retried)", n)
		}
	})
	t.Run("platform unreachable", func(t *testing.T) {
		e := newClientEnv(t, nil, nil)
		e.api.srv.Close()
		_, err := e.c.Wait(ctx, "sess", fast)
		if _, ok := errors.AsType[*url.Error](err); !ok {
			t.Fatalf("unreachable: %v", err)
		}
		if _, ok := errors.AsType[*rp.APIError](err); ok {
			t.Fatalf("unreachable reported as an API answer: %v", err)
		}
	})
	t.Run("malformed answer", func(t *testing.T) {
		e := newClientEnv(t, nil, nil)
		e.api.set(func(a *sessionAPI) { a.edit = func(m map[string]any) { delete(m, "code") } })
		if _, err := e.c.CreateSession(ctx, rp.SessionRequest{Purpose: "登录"}); err == nil {
			t.Fatal("a session without a code")
		}
	})
	t.Run("answer about another session", func(t *testing.T) {
		e := newClientEnv(t, nil, nil)
		s, err := e.c.CreateSession(ctx, rp.SessionRequest{Purpose: "登录"})
		if err != nil {
			t.Fatal(err)
		}
		e.api.set(func(a *sessionAPI) { a.edit = func(m map[string]any) { m["id"] = "other" } })
		if _, err := e.c.Session(ctx, s.ID); err == nil {
			t.Fatal("accepted an answer about another session")
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		e := newClientEnv(t, nil, nil)
		s, err := e.c.CreateSession(ctx, rp.SessionRequest{Purpose: "登录"})
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := e.c.Wait(cctx, s.ID, fast); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled context: %v", err)
		}
	})
}

// TestClientRejectsBadResults: Wait verifies the result the API hands
// over; a forged, tampered or misdirected one is refused.
func TestClientRejectsBadResults(t *testing.T) {
	forged := genKey(t, "platform-2026-1")
	for _, tt := range []struct {
		name string
		edit func(e *clientEnv, id string, m map[string]any)
		want []error
	}{
		{"tampered", func(e *clientEnv, id string, m map[string]any) {
			tok := m["result"].(string)
			m["result"] = tok[:len(tok)-4] + "AAAA"
		}, []error{rp.ErrInvalid}},
		{"forged", func(e *clientEnv, id string, m map[string]any) {
			m["result"] = signResult(t, forged, resultClaims(e.api.URL, testClient, id, "possession", "", e.p.clock.Now(), map[string]any{"verified": true, "sub": "x"}))
		}, []error{rp.ErrInvalid}},
		{"for another relying party", func(e *clientEnv, id string, m map[string]any) {
			m["result"] = signResult(t, e.p.issuerKey, resultClaims(e.api.URL, "other", id, "possession", "", e.p.clock.Now(), map[string]any{"verified": true, "sub": "x"}))
		}, []error{rp.ErrInvalid, rp.ErrAudience}},
		{"of another session", func(e *clientEnv, id string, m map[string]any) {
			m["result"] = signResult(t, e.p.issuerKey, resultClaims(e.api.URL, testClient, "other-session", "possession", "", e.p.clock.Now(), map[string]any{"verified": true, "sub": "x"}))
		}, []error{rp.ErrInvalid, rp.ErrSession}},
		{"below the level asked for", func(e *clientEnv, id string, m map[string]any) {
			m["level"] = "face"
		}, []error{rp.ErrInvalid, rp.ErrLevel}},
		{"approved without a result", func(e *clientEnv, id string, m map[string]any) {
			delete(m, "result")
		}, []error{rp.ErrInvalid}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newClientEnv(t, nil, nil)
			ctx := context.Background()
			s, err := e.c.CreateSession(ctx, rp.SessionRequest{Purpose: "登录"})
			if err != nil {
				t.Fatal(err)
			}
			e.api.approve(t, "holder-1", s.Link)
			e.api.set(func(a *sessionAPI) { a.edit = func(m map[string]any) { tt.edit(e, s.ID, m) } })
			r, err := e.c.Wait(ctx, s.ID, fast)
			checkResultErr(t, err, tt.want...)
			if r != nil {
				t.Fatal("a result")
			}
		})
	}
}

func TestNewClient(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	smKey, _ := sm2.GenerateKey(rand.Reader)
	p := newPlatform(t, newClock())
	otherV := newVerifier(t, p)
	for _, tt := range []struct {
		name, url, id string
		auth          rp.ClientAuth
		opts          []rp.ClientOption
		ok            bool
	}{
		{"secret", "https://netid.example/", "shop", rp.ClientSecret("s"), nil, true},
		{"private key", "https://netid.example", "shop", rp.PrivateKeyJWT(key, "k1"), nil, true},
		{"http loopback", "http://127.0.0.1:8080", "shop", rp.ClientSecret("s"), nil, true},
		{"no scheme", "netid.example", "shop", rp.ClientSecret("s"), nil, false},
		{"query", "https://netid.example/?a=b", "shop", rp.ClientSecret("s"), nil, false},
		{"user info", "https://u:p@netid.example", "shop", rp.ClientSecret("s"), nil, false},
		{"no client ID", "https://netid.example", "", rp.ClientSecret("s"), nil, false},
		{"no auth", "https://netid.example", "shop", nil, nil, false},
		{"empty secret", "https://netid.example", "shop", rp.ClientSecret(""), nil, false},
		{"no key", "https://netid.example", "shop", rp.PrivateKeyJWT(nil, "k1"), nil, false},
		{"P-384 key", "https://netid.example", "shop", rp.PrivateKeyJWT(p384, "k1"), nil, false},
		{"SM2 key", "https://netid.example", "shop", rp.PrivateKeyJWT(smKey, "k1"), nil, true},
		{"no kid", "https://netid.example", "shop", rp.PrivateKeyJWT(key, ""), nil, false},
		{"verifier of another platform", "https://netid.example", "shop", rp.ClientSecret("s"), []rp.ClientOption{rp.WithVerifier(otherV)}, false},
		{"verifier of this platform", p.URL, "shop", rp.ClientSecret("s"), []rp.ClientOption{rp.WithVerifier(otherV)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := rp.NewClient(tt.url, tt.id, tt.auth, tt.opts...)
			if (err == nil) != tt.ok {
				t.Fatalf("NewClient: %v, want ok %v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), "k1") {
				t.Fatalf("error names the key: %v", err)
			}
			if err == nil && c.ClientID() != tt.id {
				t.Fatalf("client ID %q", c.ClientID())
			}
		})
	}
}

func TestClientQRPNG(t *testing.T) {
	e := newClientEnv(t, nil, nil)
	ctx := context.Background()
	s, err := e.c.CreateSession(ctx, rp.SessionRequest{Purpose: "登录"})
	if err != nil {
		t.Fatal(err)
	}
	if img, err := e.c.QRPNG(ctx, s); err != nil || !bytes.Equal(img, tinyPNG) {
		t.Fatalf("QR PNG: %v", err)
	}
	var apiErr *rp.APIError
	wrong := *s
	wrong.QRURL = strings.Replace(s.QRURL, "code=", "code=x", 1)
	if _, err := e.c.QRPNG(ctx, &wrong); !errors.As(err, &apiErr) || apiErr.Slug() != "session-not-found" {
		t.Fatalf("QR PNG with a wrong code: %v", err)
	}
	for _, u := range []string{"", "https://elsewhere.example/v1/verifications/x/qr?code=y", "data:image/png;base64,AAAA"} {
		other := *s
		other.QRURL = u
		if _, err := e.c.QRPNG(ctx, &other); err == nil {
			t.Errorf("QR PNG from %q: no error", u)
		}
	}
	if _, err := e.c.QRPNG(ctx, nil); err == nil {
		t.Error("QR PNG of no session: no error")
	}
}
