package rp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/strictjson"
)

// Errors of the session API client for sessions that ended without a
// result, and for a session that has not ended yet.
var (
	// ErrDeclined: the holder declined the verification.
	ErrDeclined = errors.New("the holder declined the verification")
	// ErrCancelled: the relying party cancelled the session.
	ErrCancelled = errors.New("verification session cancelled")
	// ErrSessionExpired: nobody answered before the session expired;
	// create a new one.
	ErrSessionExpired = errors.New("verification session expired")
	// ErrSessionFailed: the session ended without a result for another
	// reason (SessionStatus.Error names it, such as "guardian-unknown").
	ErrSessionFailed = errors.New("verification failed")
	// ErrPending: the session has not ended yet.
	ErrPending = errors.New("verification session not finished")
)

// State is the state of a verification session.
type State string

// Session states. Pending, claimed (a wallet opened the code) and
// awaiting_guardian are live; the others are final.
const (
	StatePending          State = "pending"
	StateClaimed          State = "claimed"
	StateAwaitingGuardian State = "awaiting_guardian"
	StateApproved         State = "approved"
	StateDeclined         State = "declined"
	StateCancelled        State = "cancelled"
	StateExpired          State = "expired"
	StateFailed           State = "failed"
)

// Final reports whether the session has ended: any state but pending,
// claimed and awaiting_guardian (a state this package does not know is
// taken as an end without a result).
func (s State) Final() bool {
	switch s {
	case StatePending, StateClaimed, StateAwaitingGuardian:
		return false
	}
	return true
}

// DefaultPollInterval is Wait's interval when none is given.
const DefaultPollInterval = 2 * time.Second

// Bounds of the client.
const (
	// maxAPIResponse bounds an API answer (and a QR code PNG, a few kB).
	maxAPIResponse = 1 << 20
	// assertionLifetime is the validity of a client assertion.
	assertionLifetime = time.Minute
	// maxTransient is how many transient poll failures in a row Wait
	// tolerates.
	maxTransient = 3
	// maxDetail bounds the detail of an APIError.
	maxDetail = 300
)

// APIError is an error answer of the session API: an RFC 9457 problem
// document, or for other error answers (a proxy's, say) the status alone.
// Get it with errors.As.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Type is the problem type URI, such as
	// https://netid.dev/problems/client-unauthenticated; empty if the
	// answer was not a problem document.
	Type string
	// Title summarises the problem type; Detail explains this occurrence
	// (never personal data or secrets, by the platform's contract).
	Title  string
	Detail string
}

// problemTypeBase is the prefix of netid's problem type URIs.
const problemTypeBase = "https://netid.dev/problems/"

// Slug is the last part of a netid problem type ("client-unauthenticated"),
// or the whole type for another one.
func (e *APIError) Slug() string { return strings.TrimPrefix(e.Type, problemTypeBase) }

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the netid API answered %d", e.Status)
	if e.Type != "" {
		b.WriteString(" " + e.Slug())
	}
	switch {
	case e.Detail != "":
		b.WriteString(": " + e.Detail)
	case e.Title != "":
		b.WriteString(": " + e.Title)
	}
	return b.String()
}

// temporary reports whether the failure may pass by itself.
func (e *APIError) temporary() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests
}

// ClientAuth is how a Client authenticates to the session API: the
// method the relying party is registered for. Make one with ClientSecret
// or PrivateKeyJWT.
type ClientAuth interface {
	authorization(c *Client) (string, error)
	check() error
}

// ClientSecret authenticates with the client secret issued at
// registration (client_secret_basic).
func ClientSecret(secret string) ClientAuth { return clientSecret(secret) }

type clientSecret string

func (s clientSecret) check() error {
	if s == "" {
		return errors.New("rp: empty client secret")
	}
	return nil
}

func (s clientSecret) authorization(c *Client) (string, error) {
	// RFC 6749 §2.3.1: each part form-urlencoded before Basic encoding.
	cred := url.QueryEscape(c.clientID) + ":" + url.QueryEscape(string(s))
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(cred)), nil
}

// PrivateKeyJWT authenticates with a client assertion (private_key_jwt)
// signed by key, whose public half is in the relying party's registered
// key set under kid: an ECDSA P-256 key (ES256), or an SM2 key (SM2,
// docs/sm-profile.md; a *sm2.PrivateKey of github.com/emmansun/gmsm or
// an *ecdsa.PrivateKey on its curve), the kind a platform of the SM
// crypto suite takes. key may be opaque (an HSM's crypto.Signer). Every
// request carries a new assertion, valid for one minute, with a random
// jti.
func PrivateKeyJWT(key crypto.Signer, kid string) ClientAuth {
	return &privateKeyJWT{key: key, kid: kid}
}

type privateKeyJWT struct {
	key crypto.Signer
	kid string
}

func (p *privateKeyJWT) check() error {
	if p.key == nil {
		return errors.New("rp: private_key_jwt needs a key")
	}
	if _, ok := jws.AlgorithmFor(p.key.Public()); !ok {
		return errors.New("rp: private_key_jwt needs an ECDSA P-256 or an SM2 key")
	}
	if p.kid == "" {
		return errors.New("rp: private_key_jwt needs the key's kid")
	}
	return nil
}

func (p *privateKeyJWT) authorization(c *Client) (string, error) {
	jti := make([]byte, 16)
	if _, err := io.ReadFull(c.rand, jti); err != nil {
		return "", fmt.Errorf("rp: client assertion jti: %w", err)
	}
	now := c.now()
	payload, err := json.Marshal(map[string]any{
		"iss": c.clientID, "sub": c.clientID, "aud": c.issuer,
		"iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix(),
		"jti": base64.RawURLEncoding.EncodeToString(jti),
	})
	if err != nil {
		return "", err
	}
	// ES256 for a P-256 key, SM2 for an SM2 key.
	s, err := jws.Sign(p.key, "JWT", p.kid, payload)
	if err != nil {
		return "", fmt.Errorf("rp: signing the client assertion: %w", err)
	}
	return "Bearer " + s, nil
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithVerifier sets the Verifier that checks results (Wait, Result); it
// must be for the same platform. Without it the Client makes its own on
// first use, fetching the platform's keys then.
func WithVerifier(v *Verifier) ClientOption { return func(c *Client) { c.verifier = v } }

// WithClientHTTP sets the HTTP client for API calls (and for the keys, if
// the Client makes its own Verifier). Redirects are not followed by the
// default client.
func WithClientHTTP(hc *http.Client) ClientOption { return func(c *Client) { c.hc = hc } }

// WithClientClock sets the clock of client assertions and results (tests).
func WithClientClock(now func() time.Time) ClientOption { return func(c *Client) { c.now = now } }

// WithClientRandom sets the randomness of client assertions' jti (tests).
func WithClientRandom(r io.Reader) ClientOption { return func(c *Client) { c.rand = r } }

// Client calls the platform's session API as one relying party: create a
// verification session, show its QR code or link to the person, poll it
// (or Wait) and get the verified Result. It is safe for concurrent use.
type Client struct {
	issuer   string
	clientID string
	auth     ClientAuth
	hc       *http.Client
	now      func() time.Time
	rand     io.Reader

	mu       sync.Mutex
	verifier *Verifier
}

// NewClient returns a Client of the session API of the platform at
// issuerURL (its base URL, the issuer of its results) for the relying
// party clientID. It makes no request.
func NewClient(issuerURL, clientID string, auth ClientAuth, opts ...ClientOption) (*Client, error) {
	issuer := strings.TrimSuffix(issuerURL, "/")
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("rp: the platform URL must be an absolute http(s) URL without query or fragment")
	}
	if clientID == "" {
		return nil, errors.New("rp: empty client ID")
	}
	if auth == nil {
		return nil, errors.New("rp: no client authentication")
	}
	if err := auth.check(); err != nil {
		return nil, err
	}
	c := &Client{
		issuer: issuer, clientID: clientID, auth: auth, now: time.Now, rand: rand.Reader,
		hc: &http.Client{
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	for _, o := range opts {
		o(c)
	}
	if c.verifier != nil && c.verifier.issuer != c.issuer {
		return nil, errors.New("rp: the Verifier is for another platform than the Client")
	}
	return c, nil
}

// ClientID is the relying party's client ID.
func (c *Client) ClientID() string { return c.clientID }

// Verifier returns the Client's Verifier, making it (and fetching the
// platform's keys) on first use. A callback handler uses it to verify a
// delivered result, with ResultExpect{ClientID: c.ClientID(), SessionID: …}.
func (c *Client) Verifier(ctx context.Context) (*Verifier, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.verifier != nil {
		return c.verifier, nil
	}
	v, err := New(ctx, c.issuer, WithHTTPClient(c.hc), WithClock(c.now))
	if err != nil {
		return nil, err
	}
	c.verifier = v
	return v, nil
}

// SessionRequest is what the relying party asks in a verification.
type SessionRequest struct {
	// Level is the least assurance level; empty means possession.
	Level Level
	// Claims are asked for beyond "verified" and the pairwise "sub",
	// which every result carries: e.g. "age_over_18". Only claims the
	// relying party is registered for; plaintext fields also need its
	// legal basis and the holder's separate consent.
	Claims []string
	// Purpose is shown to the holder (1 to 200 characters). Required.
	Purpose string
	// Callback, if set, receives the outcome when the session ends: an
	// https URL on one of the relying party's verified domains.
	Callback string
	// Nonce, if set, is echoed in the result.
	Nonce string
	// Subject, if set, is the pairwise subject of the only holder who may
	// answer (re-verifying a known account).
	Subject string
}

// Session is a new verification session: show the person the QR code
// (or, on their phone, the link) so that their wallet answers it.
type Session struct {
	ID    string
	State State
	// Code is the session code, carried by the link and the QR code.
	Code string
	// Link is the netid:// wallet link; HTTPSLink its https form, for
	// browsers without the wallet installed.
	Link      string
	HTTPSLink string
	// QRURL is where the platform renders a QR code of Link as a PNG,
	// on demand: use it as an <img> src (it needs no client
	// authentication; the code in it makes it unguessable, so treat it
	// like the link), or fetch the image with Client.QRPNG. The image is
	// cached until the session expires.
	QRURL     string
	ExpiresAt time.Time
}

// SessionStatus is a session as polled.
type SessionStatus struct {
	ID    string
	State State
	// Level is the level asked for; LevelReached the level the holder
	// reached (once answered).
	Level        Level
	LevelReached Level
	// Provided names the claims provided (values are in the result).
	Provided []string
	// Result is the signed result JWT of an approved session: verify it
	// with Client.Result or Verifier.VerifyResult before use.
	Result string
	// Error names why a failed session failed (such as "guardian-unknown").
	Error     string
	ExpiresAt time.Time
}

// Final reports whether the session has ended.
func (s *SessionStatus) Final() bool { return s.State.Final() }

// wireSession is the API's JSON form of a created or polled session.
type wireSession struct {
	ID           string    `json:"id"`
	State        string    `json:"state"`
	Code         string    `json:"code"`
	Link         string    `json:"link"`
	HTTPSLink    string    `json:"https_link"`
	QRURL        string    `json:"qr_url"`
	Level        string    `json:"level"`
	LevelReached string    `json:"level_reached"`
	Provided     []string  `json:"provided"`
	Result       string    `json:"result"`
	Error        string    `json:"error"`
	ExpiresAt    time.Time `json:"expires_at"`
}

func (w wireSession) status() *SessionStatus {
	return &SessionStatus{
		ID: w.ID, State: State(w.State), Level: Level(w.Level), LevelReached: Level(w.LevelReached),
		Provided: w.Provided, Result: w.Result, Error: w.Error, ExpiresAt: w.ExpiresAt,
	}
}

// CreateSession starts a verification session.
func (c *Client) CreateSession(ctx context.Context, req SessionRequest) (*Session, error) {
	body := map[string]any{"purpose": req.Purpose}
	for k, v := range map[string]string{"level": string(req.Level), "callback_url": req.Callback, "nonce": req.Nonce, "subject": req.Subject} {
		if v != "" {
			body[k] = v
		}
	}
	if len(req.Claims) > 0 {
		body["claims"] = req.Claims
	}
	var w wireSession
	if err := c.do(ctx, http.MethodPost, "/v1/verifications", body, http.StatusCreated, &w); err != nil {
		return nil, fmt.Errorf("rp: creating a verification session: %w", err)
	}
	if w.ID == "" || w.Code == "" || w.Link == "" {
		return nil, errors.New("rp: creating a verification session: the answer lacks the session ID, code or link")
	}
	return &Session{ID: w.ID, State: State(w.State), Code: w.Code, Link: w.Link, HTTPSLink: w.HTTPSLink, QRURL: w.QRURL, ExpiresAt: w.ExpiresAt}, nil
}

// QRPNG fetches the PNG image of a session's QR code from s.QRURL, for a
// relying party that shows it from its own server rather than linking the
// platform's URL. An unknown, ended or expired session gives an *APIError
// (session-not-found, session-closed, session-expired).
func (c *Client) QRPNG(ctx context.Context, s *Session) ([]byte, error) {
	if s == nil || !strings.HasPrefix(s.QRURL, c.issuer+"/") {
		return nil, errors.New("rp: the session has no QR code URL on the platform")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.QRURL, nil)
	if err != nil {
		return nil, fmt.Errorf("rp: the session's QR code: %w", err)
	}
	req.Header.Set("Accept", "image/png, application/problem+json")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // not the URL: it carries the session code
		}
		return nil, fmt.Errorf("rp: the session's QR code: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIResponse+1))
	if err != nil {
		return nil, fmt.Errorf("rp: reading the session's QR code: %w", err)
	}
	if len(b) > maxAPIResponse {
		return nil, fmt.Errorf("rp: the session's QR code is larger than %d bytes", maxAPIResponse)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("rp: the session's QR code: %w", apiError(resp, b))
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, errors.New("rp: the session's QR code is not a PNG image")
	}
	return b, nil
}

// Session polls a session once.
func (c *Client) Session(ctx context.Context, id string) (*SessionStatus, error) {
	return c.sessionCall(ctx, http.MethodGet, id, "polling")
}

// Cancel ends a live session; the holder's wallet can no longer answer
// it. Cancelling a session that has ended is an *APIError (409
// session-closed).
func (c *Client) Cancel(ctx context.Context, id string) (*SessionStatus, error) {
	return c.sessionCall(ctx, http.MethodDelete, id, "cancelling")
}

func (c *Client) sessionCall(ctx context.Context, method, id, what string) (*SessionStatus, error) {
	if id == "" {
		return nil, fmt.Errorf("rp: %s a verification session: empty session ID", what)
	}
	var w wireSession
	if err := c.do(ctx, method, "/v1/verifications/"+url.PathEscape(id), nil, http.StatusOK, &w); err != nil {
		return nil, fmt.Errorf("rp: %s a verification session: %w", what, err)
	}
	if w.ID != id {
		return nil, fmt.Errorf("rp: %s a verification session: the answer is about another session", what)
	}
	return w.status(), nil
}

// Result returns the verified result of a polled session: for an
// approved session its result JWT verified with VerifyResult (this
// session's ID, the level asked for as the minimum), else ErrPending,
// ErrDeclined, ErrCancelled, ErrSessionExpired or ErrSessionFailed.
func (c *Client) Result(ctx context.Context, st *SessionStatus) (*Result, error) {
	switch st.State {
	case StateApproved:
	case StatePending, StateClaimed, StateAwaitingGuardian:
		return nil, fmt.Errorf("rp: session %s: %w", st.ID, ErrPending)
	case StateDeclined:
		return nil, fmt.Errorf("rp: session %s: %w", st.ID, ErrDeclined)
	case StateCancelled:
		return nil, fmt.Errorf("rp: session %s: %w", st.ID, ErrCancelled)
	case StateExpired:
		return nil, fmt.Errorf("rp: session %s: %w", st.ID, ErrSessionExpired)
	default:
		reason := clip(st.Error, 64)
		if reason == "" {
			reason = "state " + clip(string(st.State), 64)
		}
		return nil, fmt.Errorf("rp: session %s: %w (%s)", st.ID, ErrSessionFailed, reason)
	}
	v, err := c.Verifier(ctx)
	if err != nil {
		return nil, err
	}
	want := ResultExpect{ClientID: c.clientID, SessionID: st.ID}
	if st.Level.Rank() > 0 {
		want.MinLevel = st.Level
	}
	return v.VerifyResult(ctx, st.Result, want)
}

// Wait polls the session every interval (DefaultPollInterval if zero or
// less) until it ends or ctx is done, and returns the verified Result of
// an approved session. A session that ended otherwise is ErrDeclined,
// ErrCancelled, ErrSessionExpired or ErrSessionFailed; a result that does
// not verify wraps ErrInvalid. Up to three failed polls in a row that may
// pass (network errors, 5xx, 429) are retried; other API errors are
// returned at once as an *APIError.
func (c *Client) Wait(ctx context.Context, id string, interval time.Duration) (*Result, error) {
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	t := time.NewTimer(0)
	defer t.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("rp: waiting for session %s: %w", id, ctx.Err())
		case <-t.C:
		}
		st, err := c.Session(ctx, id)
		switch {
		case err == nil:
			failures = 0
			if st.Final() {
				return c.Result(ctx, st)
			}
		case ctx.Err() != nil:
			return nil, fmt.Errorf("rp: waiting for session %s: %w", id, ctx.Err())
		case temporary(err):
			if failures++; failures >= maxTransient {
				return nil, err
			}
		default:
			return nil, err
		}
		t.Reset(interval)
	}
}

// temporary reports whether a poll failure may pass by itself: an API
// error that says so, or no answer at all (a transport error).
func temporary(err error) bool {
	if e, ok := errors.AsType[*APIError](err); ok {
		return e.temporary()
	}
	_, transport := errors.AsType[*url.Error](err)
	return transport
}

// do makes one authenticated API call with a JSON body (if in is not nil)
// and decodes a want answer into out. Other answers are *APIError.
func (c *Client) do(ctx context.Context, method, path string, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.issuer+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	authz, err := c.auth.authorization(c)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", authz)
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIResponse+1))
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if len(b) > maxAPIResponse {
		return fmt.Errorf("the answer is larger than %d bytes", maxAPIResponse)
	}
	if resp.StatusCode != want {
		return apiError(resp, b)
	}
	if err := strictjson.Unmarshal(b, out, strictjson.IgnoreUnknownFields); err != nil {
		return errors.New("the answer is not the expected JSON")
	}
	return nil
}

// apiError reads an error answer: a problem document's members, or the
// status alone. The body is never copied into the error beyond the
// problem's title and detail.
func apiError(resp *http.Response, body []byte) *APIError {
	e := &APIError{Status: resp.StatusCode}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/problem+json" {
		var p struct {
			Type   string `json:"type"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		if json.Unmarshal(body, &p) == nil {
			e.Type, e.Title, e.Detail = clip(p.Type, maxDetail), clip(p.Title, maxDetail), clip(p.Detail, maxDetail)
		}
	}
	if e.Title == "" {
		e.Title = http.StatusText(resp.StatusCode)
	}
	return e
}

// clip bounds text from the network before it goes into an error: at
// most n runes, control characters removed.
func clip(s string, n int) string {
	var b strings.Builder
	i := 0
	for _, r := range s {
		if unicode.IsControl(r) {
			continue
		}
		if i == n {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		i++
	}
	return b.String()
}
