package oidc_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/deeplink"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/oidc"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/verification"
)

// clock is the injected time, moved by tests (never slept on).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// holderPassword is every test holder's credential password.
const holderPassword = "correct horse"

type fakePasswords struct{}

func (fakePasswords) Verify(_ context.Context, _ string, pw string) error {
	if pw != holderPassword {
		return errors.New("wrong password")
	}
	return nil
}

type noLiveness struct{}

func (noLiveness) Verify(string, liveness.Expect, time.Time) (liveness.Result, error) {
	return liveness.Result{}, errors.New("no liveness in these tests")
}

// env is a platform assembled for the provider: SQLite on a temp file,
// the key set, the record log, the verification service, the registry,
// the client authenticator, and the provider on an httptest server.
type env struct {
	t        testing.TB
	store    storage.Storage
	clock    *clock
	sealer   *keys.Sealer
	indexer  *keys.Indexer
	keys     *keys.KeySet
	verify   *verification.Service
	registry *relyingparty.Registry
	provider *oidc.Provider
	srv      *httptest.Server
	issuer   string
	// limits is the per-client limit of token and userinfo, off until a
	// test sets one.
	limits *switchLimiter
}

// switchLimiter is a limiter a test can turn on while the server runs.
type switchLimiter struct {
	mu sync.Mutex
	l  *httpx.RateLimiter // nil: no limit
}

func (s *switchLimiter) set(l *httpx.RateLimiter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.l = l
}

func (s *switchLimiter) Allow(key string) (bool, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.l == nil {
		return true, 0
	}
	return s.l.Allow(key)
}

func (s *switchLimiter) Peek(key string) (bool, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.l == nil {
		return true, 0
	}
	return s.l.Peek(key)
}

func newEnv(t testing.TB) *env {
	t.Helper()
	store, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "netid.db"))
	if err != nil {
		t.Fatal(err)
	}
	return newEnvOn(t, store)
}

// newEnvOn is newEnv on the given storage (closed at the end of t).
func newEnvOn(t testing.TB, store storage.Storage) *env {
	t.Helper()
	return newEnvSuite(t, store, suite.ES256)
}

// newEnvSuite is newEnvOn for a platform of the crypto suite st.
func newEnvSuite(t testing.TB, store storage.Storage, st suite.Suite) *env {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() { store.Close() })
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	master := make([]byte, 32)
	if _, err := rand.Read(master); err != nil {
		t.Fatal(err)
	}
	sealer, err := keys.NewSealerFor(st, keys.SealingKEK(st, master), nil)
	if err != nil {
		t.Fatal(err)
	}
	indexer := keys.NewIndexerFor(st, keys.IndexKey(st, master))
	keySet := keys.NewKeySetFor(st, store, sealer, rand.Reader)
	if err := keySet.Load(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &env{t: t, store: store, clock: clk, sealer: sealer, indexer: indexer, keys: keySet, srv: srv, issuer: srv.URL, limits: &switchLimiter{}}
	throttle := &relyingparty.Throttle{PerClient: e.limits}
	e.verify = &verification.Service{
		Store: store, Passwords: fakePasswords{}, Liveness: noLiveness{}, Keys: keySet, Sealer: sealer, MAC: indexer,
		Records: &audit.Log{Store: store, Keys: keySet, Now: clk.Now}, Issuer: e.issuer, Now: clk.Now,
	}
	if err := e.verify.Check(); err != nil {
		t.Fatal(err)
	}
	e.registry = &relyingparty.Registry{Store: store, Now: clk.Now, MAC: indexer.MAC, Suite: st}
	e.provider = &oidc.Provider{
		Issuer:       e.issuer,
		Verification: e.verify,
		Store:        store,
		Clients:      &relyingparty.Authenticator{Store: store, Audience: e.issuer, Now: clk.Now, MAC: indexer.MAC, Throttle: throttle},
		Keys:         keySet,
		MAC:          indexer,
		Now:          clk.Now,
		Throttle:     throttle,
	}
	if err := e.provider.Check(); err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("GET "+oidc.PathJWKS, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(jws.JWKS(keySet.JWKS(clk.Now()))) // SM2 keys too
	})
	mux.HandleFunc("GET "+oidc.PathJWKSRS256, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(jws.KeysOf(keySet.JWKS(clk.Now()), "RS256"))
	})
	e.provider.Mount(mux)
	return e
}

// client is a registered relying party as its own code knows it.
type client struct {
	rp     storage.RelyingParty
	secret string
	cb     string
}

// register registers a relying party; auth is client_secret_basic or
// none.
func (e *env) register(id, sector, auth string, claims ...string) client {
	e.t.Helper()
	return e.registerWith(id, auth, func(r *relyingparty.Registration) { r.Sector, r.AllowedClaims = sector, claims })
}

// registerWith registers a relying party, its registration edited by edit.
func (e *env) registerWith(id, auth string, edit func(*relyingparty.Registration)) client {
	e.t.Helper()
	domain := id + ".example"
	cb := "https://" + domain + "/callback"
	r := relyingparty.Registration{
		ID: id, Name: "Service " + id, Category: storage.CategoryInternetService,
		Domains: []string{domain}, RedirectURIs: []string{cb}, AuthMethod: auth,
	}
	edit(&r)
	rp, secret, err := e.registry.Register(context.Background(), r)
	if err != nil {
		e.t.Fatal(err)
	}
	return client{rp: rp, secret: secret, cb: cb}
}

// person is a verified holder of the platform.
func (e *env) person(n int, birth document.Date) verification.Holder {
	e.t.Helper()
	ctx := context.Background()
	p, _, err := e.store.GetOrCreatePerson(ctx, storage.Person{
		ID: fmt.Sprintf("person-%d", n), Index: fmt.Sprintf("index-%d", n), Wanghao: fmt.Sprintf("%018d", 100000+n),
		State: storage.PersonActive, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now(),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	pr := person.Proofed{Identity: document.Identity{Name: "张三", Birth: birth, Type: document.ResidentIDCard, Number: "110101199001011234"}}
	b, err := json.Marshal(pr)
	if err != nil {
		e.t.Fatal(err)
	}
	if p.Identity, err = e.sealer.Seal(b, person.AAD(p.ID, "identity")); err != nil {
		e.t.Fatal(err)
	}
	cred := storage.Credential{ID: fmt.Sprintf("cred-%d", n), PersonID: p.ID, Status: storage.CredentialActive,
		StatusList: "1", StatusIndex: int64(n), IssuedAt: e.clock.Now(), ExpiresAt: e.clock.Now().AddDate(1, 0, 0), UpdatedAt: e.clock.Now()}
	if err := e.store.IssueCredential(ctx, cred); err != nil && !errors.Is(err, storage.ErrAlreadyExists) {
		e.t.Fatal(err)
	}
	return verification.Holder{CredentialID: cred.ID, Person: p}
}

func adult(e *env, n int) verification.Holder {
	return e.person(n, document.Date{Year: 1990, Month: 1, Day: 1})
}

// rpSide is a relying party's OIDC client: coreos/go-oidc and x/oauth2,
// unmodified.
type rpSide struct {
	provider *gooidc.Provider
	config   oauth2.Config
	verifier *gooidc.IDTokenVerifier
}

func (e *env) rpSide(c client, scopes ...string) rpSide {
	e.t.Helper()
	p, err := gooidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := oauth2.Config{ClientID: c.rp.ID, ClientSecret: c.secret, RedirectURL: c.cb, Endpoint: p.Endpoint(), Scopes: append([]string{gooidc.ScopeOpenID}, scopes...)}
	if c.secret != "" {
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	}
	v := p.Verifier(&gooidc.Config{ClientID: c.rp.ID, Now: e.clock.Now})
	return rpSide{provider: p, config: cfg, verifier: v}
}

// browser is the holder's browser: cookies, redirects not followed.
type browser struct {
	t    testing.TB
	http *http.Client
}

func newBrowser(t testing.TB) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get fetches u and returns the response with its body read.
func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.http.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(body)
}

// linkRE finds the page's netid:// link in the href that carries it.
var linkRE = regexp.MustCompile(`href="(netid://[^"]+)"`)

// start opens the authorization URL and returns the page's URL and its
// netid:// link.
func (e *env) start(b *browser, authURL string) (page string, link deeplink.Link) {
	e.t.Helper()
	resp, _ := b.get(authURL)
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("authorize: status %d, want 303", resp.StatusCode)
	}
	page = resp.Header.Get("Location")
	if u, _ := url.Parse(page); u.Query().Get("error") != "" {
		e.t.Fatalf("authorize redirected with an error: %s", page)
	}
	resp, body := b.get(page)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("page: status %d: %s", resp.StatusCode, body)
	}
	m := linkRE.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no netid:// link on the page")
	}
	link, err := deeplink.Parse(html.UnescapeString(m[1]))
	if err != nil {
		e.t.Fatal(err)
	}
	return page, link
}

// answer is the holder's wallet opening the link and answering, what
// `netid wallet approve <link>` does through the wallet API.
func (e *env) answer(h verification.Holder, link deeplink.Link, a verification.Answer) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.verify.Open(ctx, h, link.Code); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.verify.Answer(ctx, h, link.Code, a); err != nil {
		e.t.Fatal(err)
	}
}

// callback loads the page after the answer and returns the redirect to
// the relying party's callback, parsed.
func (e *env) callback(b *browser, page string, c client) url.Values {
	e.t.Helper()
	resp, body := b.get(page)
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("page after the answer: status %d, want 303: %s", resp.StatusCode, body)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != c.cb {
		e.t.Fatalf("redirected to %q, want the callback %q", got, c.cb)
	}
	q := u.Query()
	if q.Get("iss") != e.issuer {
		e.t.Errorf("iss = %q, want %q (RFC 9207)", q.Get("iss"), e.issuer)
	}
	return q
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = oauth2.GenerateVerifier()
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// login runs the whole flow for holder h at relying party c and returns
// the tokens and the verified ID token.
type loginResult struct {
	token   *oauth2.Token
	raw     string
	idToken *gooidc.IDToken
	claims  map[string]any
}

func (e *env) login(c client, h verification.Holder, scopes []string, a verification.Answer, opts ...oauth2.AuthCodeOption) loginResult {
	e.t.Helper()
	ctx := context.Background()
	rp := e.rpSide(c, scopes...)
	tok, raw, nonce := e.exchange(rp, c, h, a, opts...)
	idt, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		e.t.Fatal(err)
	}
	if idt.Nonce != nonce {
		e.t.Errorf("nonce = %q, want %q", idt.Nonce, nonce)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		e.t.Fatal(err)
	}
	return loginResult{token: tok, raw: raw, idToken: idt, claims: claims}
}

// exchange runs the flow up to the token endpoint's answer for holder h
// at relying party c, and returns the tokens, the ID token not yet
// verified and the nonce it must carry.
func (e *env) exchange(rp rpSide, c client, h verification.Holder, a verification.Answer, opts ...oauth2.AuthCodeOption) (*oauth2.Token, string, string) {
	e.t.Helper()
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	state, nonce := "st-"+rand.Text(), "n-"+rand.Text()
	opts = append(opts, oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce))
	b := newBrowser(e.t)
	page, link := e.start(b, rp.config.AuthCodeURL(state, opts...))
	e.answer(h, link, a)
	q := e.callback(b, page, c)
	if q.Get("state") != state {
		e.t.Fatalf("state = %q, want %q", q.Get("state"), state)
	}
	if q.Get("error") != "" {
		e.t.Fatalf("authorization error %s: %s", q.Get("error"), q.Get("error_description"))
	}
	tok, err := rp.config.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		e.t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	return tok, raw, nonce
}

// userinfo calls the userinfo endpoint through coreos/go-oidc.
func (e *env) userinfo(c client, tok *oauth2.Token) (map[string]any, error) {
	rp := e.rpSide(c)
	ui, err := rp.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := ui.Claims(&m); err != nil {
		return nil, err
	}
	return m, nil
}

func relyingpartyRegistration(id, legalBasis string, claims ...string) relyingparty.Registration {
	domain := id + ".example"
	return relyingparty.Registration{
		ID: id, Name: "Service " + id, Category: storage.CategoryInternetService, LegalBasis: legalBasis,
		Domains: []string{domain}, RedirectURIs: []string{"https://" + domain + "/callback"}, AllowedClaims: claims, AuthMethod: storage.AuthClientSecret,
	}
}
