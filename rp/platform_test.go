package rp_test

import (
	"cmp"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/sm2"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/internal/jws"
)

// tb is the part of testing.TB the fake platform uses, so that examples
// (which have no *testing.T) can run it too.
type tb interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// Test constants: the relying party's audience, and the instant tests start.
const (
	testAud = "https://shop.example.cn"
	listTTL = 5 * time.Minute
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// clock is a settable clock shared by the fake platform and the Verifier.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// signingKey is a P-256 key with its kid, or an SM2 key (sm set, priv
// nil) on a platform of the SM suite.
type signingKey struct {
	priv *ecdsa.PrivateKey
	sm   *sm2.PrivateKey
	kid  string
}

// signer is the key's private key.
func (k signingKey) signer() crypto.Signer {
	if k.sm != nil {
		return k.sm
	}
	return k.priv
}

func (k signingKey) jwk() jose.JSONWebKey {
	if k.sm != nil {
		return jose.JSONWebKey{Key: &k.sm.PublicKey, KeyID: k.kid, Algorithm: string(jws.SM2), Use: "sig"}
	}
	return jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: "ES256", Use: "sig"}
}

// genSMKey is genKey for an SM2 key.
func genSMKey(t tb, kid string) signingKey {
	t.Helper()
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{sm: k, kid: kid}
}

func genKey(t tb, kid string) signingKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{priv: k, kid: kid}
}

// platform is a fake netid platform: an httptest server that serves the
// issuer keys at /.well-known/jwks.json and status list 1 at /status/1,
// signed when requested, and counts the requests to each.
type platform struct {
	t     tb
	srv   *httptest.Server
	URL   string
	clock *clock

	mu        sync.Mutex
	published []signingKey // in the JWKS
	issuerKey signingKey   // signs credentials
	listKey   signingKey   // signs the status list
	list      *statuslist.List
	listURI   string // the token's sub; the list URI unless a test changes it
	ttl       time.Duration
	validity  time.Duration
	// listAge makes the served list token older than now (a copy served
	// late by a cache).
	listAge  time.Duration
	jwksFail bool
	// jwksAlg, when set, is the alg the JWKS states for every key.
	jwksAlg  string
	listFail bool
	listBody string // served instead of a signed token when set

	jwksHits, listHits atomic.Int64
}

func newPlatform(t tb, c *clock) *platform {
	t.Helper()
	p := &platform{t: t, clock: c, ttl: listTTL, validity: time.Hour}
	k := genKey(t, "platform-2026-1")
	p.published, p.issuerKey, p.listKey = []signingKey{k}, k, k
	l, err := statuslist.New(2, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p.list = l
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", p.serveJWKS)
	mux.HandleFunc("GET /status/1", p.serveList)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	p.URL = p.srv.URL
	p.listURI = p.URL + "/status/1"
	return p
}

func (p *platform) serveJWKS(w http.ResponseWriter, r *http.Request) {
	p.jwksHits.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.jwksFail {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var set jws.JWKS // writes SM2 keys too, which go-jose does not
	for _, k := range p.published {
		jwk := k.jwk()
		jwk.Algorithm = cmp.Or(p.jwksAlg, jwk.Algorithm)
		set.Keys = append(set.Keys, jwk)
	}
	writeJSON(w, set)
}

func (p *platform) serveList(w http.ResponseWriter, r *http.Request) {
	p.listHits.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.listFail:
		http.Error(w, "down", http.StatusInternalServerError)
		return
	case p.listBody != "":
		fmt.Fprint(w, p.listBody)
		return
	}
	tok, err := statuslist.Sign(p.list, p.listURI, p.listKey.signer(), p.listKey.kid, p.clock.Now().Add(-p.listAge), p.ttl, p.validity)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/statuslist+jwt")
	fmt.Fprint(w, tok)
}

// set changes the platform's state under its lock.
func (p *platform) set(f func(p *platform)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// setStatus sets credential idx's entry in status list 1.
func (p *platform) setStatus(idx int64, st byte) {
	p.set(func(p *platform) {
		if err := p.list.Set(idx, st); err != nil {
			p.t.Fatal(err)
		}
	})
}

// hits returns the JWKS and status list request counts.
func (p *platform) hits() (jwks, list int64) { return p.jwksHits.Load(), p.listHits.Load() }

// holder is a wallet: a device key and a credential issued to it.
type holder struct {
	key    *ecdsa.PrivateKey
	sdjwt  string
	claims credential.Claims
}

// claims returns the claims of a valid credential with status index idx,
// issued an hour ago; callers may edit them before issue.
func (p *platform) claims(t tb, idx int64, device *ecdsa.PrivateKey) credential.Claims {
	t.Helper()
	now := p.clock.Now()
	return credential.Claims{
		ID:        fmt.Sprintf("cred-%04d", idx),
		Issuer:    p.URL,
		VCT:       credential.VCTWangzheng,
		Wanghao:   fmt.Sprintf("WH7K2M9Q%04d", idx),
		IssuedAt:  now.Add(-time.Hour),
		ExpiresAt: now.Add(365 * 24 * time.Hour),
		Holder:    &jose.JSONWebKey{Key: &device.PublicKey},
		Status:    credential.Status{URI: p.URL + "/status/1", Index: idx},
		Disclosable: map[string]any{
			"age_over_18": true,
			"age_over_60": false,
			"name_digest": "q3V0aW5nLXRoZS1uYW1lLWRpZ2VzdA",
		},
	}
}

// issue issues a credential with status index idx to a new device key;
// edit, if not nil, changes the claims first.
func (p *platform) issue(t tb, idx int64, edit func(*credential.Claims)) *holder {
	t.Helper()
	p.mu.Lock()
	k := p.issuerKey
	p.mu.Unlock()
	// The holder's device key is of the issuer key's suite.
	device, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if k.sm != nil {
		var sk *sm2.PrivateKey
		sk, err = sm2.GenerateKey(rand.Reader)
		if sk != nil {
			device = &sk.PrivateKey
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	c := p.claims(t, idx, device)
	if edit != nil {
		edit(&c)
	}
	s, err := credential.Issuer{Key: k.signer(), KeyID: k.kid}.Issue(c)
	if err != nil {
		t.Fatal(err)
	}
	return &holder{key: device, sdjwt: s, claims: c}
}

// present presents h's credential disclosing only age_over_18, signed at
// the clock's current time.
func (h *holder) present(t tb, aud, nonce string, at time.Time, disclose ...string) string {
	t.Helper()
	if disclose == nil {
		disclose = []string{"age_over_18"}
	}
	s, err := credential.Present(h.sdjwt, disclose, h.key, aud, nonce, at)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
