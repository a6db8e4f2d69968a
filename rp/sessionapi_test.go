package rp_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/netid-project/netid/internal/jws"
)

// sessionAPI is a fake of the platform's session API (POST, GET and
// DELETE /v1/verifications) on top of the fake platform: it serves the
// platform's JWKS, authenticates one relying party by client secret or
// client assertion, and signs results with the platform's issuer key, with
// its own URL as issuer. The real API is tested end to end in
// internal/platform (rpsdk_test.go); this fake lets examples and tests
// steer every answer.
type sessionAPI struct {
	p        *platform
	srv      *httptest.Server
	URL      string
	clientID string
	secret   string
	rpKey    *ecdsa.PublicKey // private_key_jwt, if set

	mu       sync.Mutex
	sessions map[string]*fakeSession
	// edit, if set, changes an answer's JSON before it is sent.
	edit func(m map[string]any)
	// fail, if set, answers every session API request with this status
	// and a plain-text body (a proxy's error page).
	fail int

	polls atomic.Int64
}

type fakeSession struct {
	id, code, level, nonce, state, result, errType string
	claims                                         []string
	expires                                        time.Time
}

func newSessionAPI(t tb, p *platform, clientID, secret string) *sessionAPI {
	t.Helper()
	a := &sessionAPI{p: p, clientID: clientID, secret: secret, sessions: map[string]*fakeSession{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", p.serveJWKS)
	mux.HandleFunc("POST /v1/verifications", a.create)
	mux.HandleFunc("GET /v1/verifications/{id}", a.get)
	mux.HandleFunc("DELETE /v1/verifications/{id}", a.cancel)
	mux.HandleFunc("GET /v1/verifications/{id}/qr", a.qr)
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	a.URL = a.srv.URL
	return a
}

func problem(w http.ResponseWriter, status int, slug, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"type": "https://netid.dev/problems/" + slug, "title": http.StatusText(status), "status": status, "detail": detail,
	})
}

// authenticate checks the relying party's credentials like the platform:
// Basic with the form-urlencoded ID and secret, or a Bearer client
// assertion.
func (a *sessionAPI) authenticate(w http.ResponseWriter, r *http.Request) bool {
	a.mu.Lock()
	fail := a.fail
	a.mu.Unlock()
	if fail != 0 {
		http.Error(w, "<html>bad gateway</html>", fail)
		return false
	}
	ok := false
	authz := r.Header.Get("Authorization")
	if user, pass, basic := r.BasicAuth(); basic && a.rpKey == nil {
		id, _ := url.QueryUnescape(user)
		secret, _ := url.QueryUnescape(pass)
		ok = id == a.clientID && hmac.Equal([]byte(secret), []byte(a.secret))
	} else if tok, found := strings.CutPrefix(authz, "Bearer "); found && a.rpKey != nil {
		ok = a.checkAssertion(tok)
	}
	if !ok {
		problem(w, http.StatusUnauthorized, "client-unauthenticated", "relyingparty: client not authenticated")
	}
	return ok
}

func (a *sessionAPI) checkAssertion(tok string) bool {
	// ES256 with a P-256 key, SM2 with an SM2 key, as the platform checks.
	var c jwt.Claims
	if _, err := jws.VerifyClaims(tok, jws.Expect{Typ: "JWT", Keys: jws.PublicKey(a.rpKey)}, &c); err != nil {
		return false
	}
	err := c.ValidateWithLeeway(jwt.Expected{Issuer: a.clientID, Subject: a.clientID, AnyAudience: jwt.Audience{a.URL}, Time: a.p.clock.Now()}, 30*time.Second)
	return err == nil && c.ID != "" && c.Expiry != nil
}

var tinyPNG = func() []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// qr serves a session's QR code image (a stand-in PNG) to whoever has the
// session's code, like the platform: no client authentication.
func (a *sessionAPI) qr(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	s, ok := a.sessions[r.PathValue("id")]
	a.mu.Unlock()
	if !ok || r.URL.Query().Get("code") != s.code {
		problem(w, http.StatusNotFound, "session-not-found", "verification session not found")
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(tinyPNG)
}

func (a *sessionAPI) create(w http.ResponseWriter, r *http.Request) {
	if !a.authenticate(w, r) {
		return
	}
	var req struct {
		Level   string   `json:"level"`
		Claims  []string `json:"claims"`
		Purpose string   `json:"purpose"`
		Nonce   string   `json:"nonce"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Purpose == "" {
		problem(w, http.StatusBadRequest, "invalid-verification-request", "verification: a purpose of 1 to 200 characters is required")
		return
	}
	if req.Level == "" {
		req.Level = "possession"
	}
	s := &fakeSession{id: rand.Text(), code: rand.Text(), level: req.Level, claims: req.Claims, nonce: req.Nonce, state: "pending", expires: a.p.clock.Now().Add(5 * time.Minute)}
	a.mu.Lock()
	a.sessions[s.id] = s
	a.mu.Unlock()
	link := "netid://verify?c=" + s.code + "&p=" + url.QueryEscape(a.URL)
	a.reply(w, http.StatusCreated, map[string]any{
		"id": s.id, "state": s.state, "code": s.code, "link": link, "https_link": a.URL + "/wallet/verify?c=" + s.code,
		"qr_url": a.URL + "/v1/verifications/" + s.id + "/qr?code=" + s.code, "expires_at": s.expires,
	})
}

func (a *sessionAPI) reply(w http.ResponseWriter, status int, m map[string]any) {
	a.mu.Lock()
	edit := a.edit
	a.mu.Unlock()
	if edit != nil {
		edit(m)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(m)
}

func (a *sessionAPI) status(s *fakeSession) map[string]any {
	m := map[string]any{"id": s.id, "state": s.state, "level": s.level, "expires_at": s.expires}
	if s.state == "approved" {
		m["level_reached"], m["result"] = s.level, s.result
	}
	if s.errType != "" {
		m["error"] = s.errType
	}
	return m
}

func (a *sessionAPI) lookup(w http.ResponseWriter, r *http.Request) (*fakeSession, bool) {
	if !a.authenticate(w, r) {
		return nil, false
	}
	a.mu.Lock()
	s, ok := a.sessions[r.PathValue("id")]
	a.mu.Unlock()
	if !ok {
		problem(w, http.StatusNotFound, "session-not-found", "verification: session not found")
	}
	return s, ok
}

func (a *sessionAPI) get(w http.ResponseWriter, r *http.Request) {
	a.polls.Add(1)
	s, ok := a.lookup(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	m := a.status(s)
	a.mu.Unlock()
	a.reply(w, http.StatusOK, m)
}

func (a *sessionAPI) cancel(w http.ResponseWriter, r *http.Request) {
	s, ok := a.lookup(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	if s.state != "pending" && s.state != "claimed" {
		a.mu.Unlock()
		problem(w, http.StatusConflict, "session-closed", "verification: session already ended: it is "+s.state)
		return
	}
	s.state = "cancelled"
	m := a.status(s)
	a.mu.Unlock()
	a.reply(w, http.StatusOK, m)
}

// byLink finds the session a wallet link names.
func (a *sessionAPI) byLink(t tb, link string) *fakeSession {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	code := u.Query().Get("c")
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.sessions {
		if s.code == code {
			return s
		}
	}
	t.Fatal("no session for the link")
	return nil
}

// subject is the fake pairwise subject of a holder at the relying party.
func (a *sessionAPI) subject(holder string) string {
	m := hmac.New(sha256.New, []byte("fake-pairwise-key"))
	m.Write([]byte(a.clientID + "\x00" + holder))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// approve is the holder's wallet approving the session of a link: the
// platform signs the result with the claims asked for.
func (a *sessionAPI) approve(t tb, holder, link string) {
	t.Helper()
	s := a.byLink(t, link)
	claims := map[string]any{"verified": true, "sub": a.subject(holder)}
	for _, c := range s.claims {
		switch c {
		case "age_over_18", "age_over_14", "age_over_16":
			claims[c] = true
		case "age_over_60":
			claims[c] = false
		case "age_band":
			claims[c] = "18_59"
		}
	}
	a.p.mu.Lock()
	k := a.p.issuerKey
	a.p.mu.Unlock()
	tok := signResult(t, k, resultClaims(a.URL, a.clientID, s.id, s.level, s.nonce, a.p.clock.Now(), claims))
	a.mu.Lock()
	s.state, s.result = "approved", tok
	a.mu.Unlock()
}

// end ends the session of a link in state (declined, expired, failed).
func (a *sessionAPI) end(t tb, link, state, errType string) {
	t.Helper()
	s := a.byLink(t, link)
	a.mu.Lock()
	s.state, s.errType = state, errType
	a.mu.Unlock()
}

// set changes the fake API's behaviour under its lock.
func (a *sessionAPI) set(f func(a *sessionAPI)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f(a)
}

// resultClaims are the claims of a signed result as the platform makes
// them (internal/verification signResult).
func resultClaims(iss, aud, sessionID, level, nonce string, iat time.Time, provided map[string]any) map[string]any {
	acr := map[string]string{"possession": "urn:netid:acr:possession", "password": "urn:netid:acr:password", "face": "urn:netid:acr:face"}[level]
	c := map[string]any{
		"iss": iss, "aud": aud, "iat": iat.Unix(), "jti": sessionID, "acr": acr, "level": level, "purpose": "测试",
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	for k, v := range provided {
		c[k] = v
	}
	return c
}

// signResult signs result claims with the platform's key and the result
// typ.
func signResult(t tb, k signingKey, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return signPayload(t, k, payload, "netid-result+jwt")
}

func signPayload(t tb, k signingKey, payload []byte, typ string) string {
	t.Helper()
	if k.sm != nil {
		return signSM2(t, k, payload, typ)
	}
	opts := (&jose.SignerOptions{}).WithHeader(jose.HeaderKey("kid"), k.kid)
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// demoSecret is the client secret of the examples' relying party.
const demoSecret = "demo-client-secret-5Kq2"

// holderWallet is a holder's wallet in the examples: it approves a
// session given its link, as `netid wallet approve <link>` does.
type holderWallet struct {
	api *sessionAPI
	t   tb
}

// Approve approves the verification of a wallet link.
func (h holderWallet) Approve(link string) { h.api.approve(h.t, "holder-1", link) }

// startDemoSessionAPI starts a fake platform with the session API for the
// relying party "shop" (client secret demoSecret), on the real clock.
func startDemoSessionAPI() (platformURL string, w holderWallet, stop func()) {
	e := &exampleTB{}
	p := newPlatform(e, &clock{t: time.Now()})
	a := newSessionAPI(e, p, "shop", demoSecret)
	return a.URL, holderWallet{api: a, t: e}, func() {
		for i := len(e.cleanups) - 1; i >= 0; i-- {
			e.cleanups[i]()
		}
	}
}
