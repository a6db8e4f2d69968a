package oidc

import (
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
)

// authRequest is an accepted authorization request, kept as the
// verification session's Data. It holds no personal data.
type authRequest struct {
	ClientID      string   `json:"client_id"`
	RedirectURI   string   `json:"redirect_uri"`
	State         string   `json:"state,omitempty"`
	Nonce         string   `json:"nonce,omitempty"`
	Scopes        []string `json:"scopes"`
	IDToken       []string `json:"id_token_claims,omitempty"`
	Userinfo      []string `json:"userinfo_claims,omitempty"`
	CodeChallenge string   `json:"code_challenge,omitempty"`
	// Browser is the MAC of the secret in the cookie of the browser that
	// started the authorization: only it may see the page and the code.
	Browser []byte `json:"browser"`
}

// Limits on request parameters.
const (
	maxState   = 1024
	maxNonce   = 256
	maxPurpose = 200
)

// cookieName is the authorization page's cookie (scoped to the page's
// path): the browser secret and the session code, "secret.code".
const cookieName = "netid_authz"

// params reads the authorization request's parameters: the query of a
// GET, the form body of a POST (Core §3.1.2.1).
func (p *Provider) params(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if r.Method != http.MethodPost {
		return r.URL.Query(), nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, p.maxBody())
	if err := r.ParseForm(); err != nil {
		return nil, fmt.Errorf("%w: unreadable form body", ErrInvalidRequest)
	}
	return r.PostForm, nil
}

// single returns a parameter that must appear at most once (RFC 6749
// §3.1).
func single(v url.Values, name string) (string, error) {
	switch vs := v[name]; len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", fmt.Errorf("%w: parameter %s repeated", ErrInvalidRequest, name)
}

// authorize is the authorization endpoint. Until the client and its
// redirect_uri are known good, errors are shown as a page; after, they go
// back to the relying party.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	v, err := p.params(w, r)
	if err != nil {
		p.errorPage(w, r, http.StatusBadRequest, err)
		return
	}
	clientID, err := single(v, "client_id")
	if err != nil {
		p.errorPage(w, r, http.StatusBadRequest, err)
		return
	}
	redirectURI, err := single(v, "redirect_uri")
	if err != nil {
		p.errorPage(w, r, http.StatusBadRequest, err)
		return
	}
	rp, err := p.client(r, clientID)
	if err != nil {
		p.errorPage(w, r, http.StatusBadRequest, err)
		return
	}
	if redirectURI == "" || !slices.Contains(rp.RedirectURIs, redirectURI) {
		p.errorPage(w, r, http.StatusBadRequest, fmt.Errorf("%w: the redirect_uri must be one the relying party registered, exactly", ErrRedirectURI))
		return
	}
	// RFC 6749 §4.1.2.1: the state goes back even with an error, if it
	// was readable.
	state, _ := single(v, "state")
	if len(state) > maxState {
		state = ""
	}
	ar, level, purpose, err := p.checkRequest(rp, v)
	if err != nil {
		p.redirectError(w, r, redirectURI, state, err)
		return
	}
	ar.ClientID, ar.RedirectURI, ar.State = rp.ID, redirectURI, state
	secret, err := p.random(32)
	if err != nil {
		p.redirectError(w, r, redirectURI, state, err)
		return
	}
	ar.Browser = p.MAC.MAC(macBrowser, []byte(secret))
	data, err := json.Marshal(ar)
	if err != nil {
		p.redirectError(w, r, redirectURI, state, fmt.Errorf("oidc: encoding the request: %w", err))
		return
	}
	created, err := p.Verification.CreateSession(r.Context(), rp, verification.Request{
		Level:   level,
		Claims:  requested{IDToken: ar.IDToken, Userinfo: ar.Userinfo}.all(),
		Purpose: purpose,
		Nonce:   ar.Nonce,
		Channel: verification.ChannelOIDC,
		Data:    data,
	})
	if err != nil {
		if errors.Is(err, verification.ErrInvalidRequest) || errors.Is(err, verification.ErrNotAllowed) {
			err = oauthErr(CodeInvalidRequest, ErrInvalidRequest, "the request cannot be served for this relying party")
		}
		p.redirectError(w, r, redirectURI, state, err)
		return
	}
	page := PathAuthorize + "/" + created.Session.ID
	http.SetCookie(w, &http.Cookie{
		Name:  cookieName,
		Value: secret + "." + created.Code,
		Path:  page,
		// Relative, so that the browser's clock does not matter.
		MaxAge:   max(1, int(created.Session.ExpiresAt.Sub(p.now())/time.Second)),
		HttpOnly: true,
		Secure:   strings.HasPrefix(p.Issuer, "https://"),
		SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.Issuer+page, http.StatusSeeOther)
}

// client returns the enabled relying party clientID.
func (p *Provider) client(r *http.Request, clientID string) (storage.RelyingParty, error) {
	if clientID == "" {
		return storage.RelyingParty{}, fmt.Errorf("%w: client_id is required", ErrUnknownClient)
	}
	rp, err := p.Store.GetRelyingParty(r.Context(), clientID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && rp.Disabled) {
		return storage.RelyingParty{}, fmt.Errorf("%w: no such client", ErrUnknownClient)
	}
	if err != nil {
		return storage.RelyingParty{}, fmt.Errorf("oidc: loading the client: %w", err)
	}
	return rp, nil
}

// checkRequest validates the parameters after client and redirect_uri and
// maps them to a verification request.
func (p *Provider) checkRequest(rp storage.RelyingParty, v url.Values) (authRequest, verification.Level, string, error) {
	var ar authRequest
	for name, vs := range v {
		if len(vs) > 1 {
			return ar, "", "", oauthErr(CodeInvalidRequest, ErrInvalidRequest, "parameter "+truncate(name, 40)+" repeated")
		}
	}
	if _, ok := v["request"]; ok {
		return ar, "", "", oauthErr(CodeRequestNotSupported, ErrInvalidRequest, "request objects are not supported")
	}
	if _, ok := v["request_uri"]; ok {
		return ar, "", "", oauthErr(CodeRequestURINotSupported, ErrInvalidRequest, "request_uri is not supported")
	}
	if rt := v.Get("response_type"); rt != "code" {
		return ar, "", "", oauthErr(CodeUnsupportedResponseType, ErrInvalidRequest, "only response_type=code is supported")
	}
	if rm := v.Get("response_mode"); rm != "" && rm != "query" {
		return ar, "", "", oauthErr(CodeInvalidRequest, ErrInvalidRequest, "only response_mode=query is supported")
	}
	scopes := strings.Fields(v.Get("scope"))
	if !slices.Contains(scopes, ScopeOpenID) {
		return ar, "", "", oauthErr(CodeInvalidScope, ErrInvalidRequest, "the openid scope is required")
	}
	if slices.Contains(strings.Fields(v.Get("prompt")), "none") {
		return ar, "", "", oauthErr(CodeLoginRequired, ErrInvalidRequest, "every sign-in needs the holder's approval in their wallet")
	}
	ar.Nonce = v.Get("nonce")
	if len(ar.Nonce) > maxNonce {
		return ar, "", "", oauthErr(CodeInvalidRequest, ErrInvalidRequest, fmt.Sprintf("nonce longer than %d bytes", maxNonce))
	}
	if len(v.Get("state")) > maxState {
		return ar, "", "", oauthErr(CodeInvalidRequest, ErrInvalidRequest, fmt.Sprintf("state longer than %d bytes", maxState))
	}
	challenge, err := checkChallenge(rp, v.Get("code_challenge"), v.Get("code_challenge_method"))
	if err != nil {
		return ar, "", "", err
	}
	ar.CodeChallenge = challenge
	claims, err := ParseClaimsRequest(v.Get("claims"))
	if err != nil {
		return ar, "", "", oauthErr(CodeInvalidRequest, err, "the claims parameter is malformed")
	}
	q := mapRequest(rp, scopes, claims)
	ar.Scopes, ar.IDToken, ar.Userinfo = q.Scopes, q.IDToken, q.Userinfo
	purpose := strings.TrimSpace(v.Get("purpose"))
	if purpose == "" {
		purpose = "Sign in to " + truncate(rp.Name, maxPurpose-len("Sign in to "))
	}
	if !utf8.ValidString(purpose) || utf8.RuneCountInString(purpose) > maxPurpose {
		return ar, "", "", oauthErr(CodeInvalidRequest, ErrInvalidRequest, fmt.Sprintf("purpose must be valid UTF-8 of at most %d characters", maxPurpose))
	}
	return ar, minimumLevel(v.Get("acr_values"), claims), purpose, nil
}

// checkChallenge enforces PKCE (RFC 7636): S256 only (plain and unknown
// methods are refused), required for public clients.
func checkChallenge(rp storage.RelyingParty, challenge, method string) (string, error) {
	if challenge == "" {
		if method != "" {
			return "", oauthErr(CodeInvalidRequest, ErrPKCE, "code_challenge_method without code_challenge")
		}
		if rp.AuthMethod == storage.AuthNone {
			return "", oauthErr(CodeInvalidRequest, ErrPKCE, "a public client must use PKCE with S256")
		}
		return "", nil
	}
	if method != "S256" {
		return "", oauthErr(CodeInvalidRequest, ErrPKCE, "code_challenge_method must be S256")
	}
	if len(challenge) != 43 || !base64url(challenge) {
		return "", oauthErr(CodeInvalidRequest, ErrPKCE, "code_challenge must be a base64url SHA-256 digest")
	}
	return challenge, nil
}

func base64url(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// truncate shortens s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// redirectBack sends the authorization response to the relying party,
// with iss (RFC 9207) and state.
func (p *Provider) redirectBack(w http.ResponseWriter, r *http.Request, redirectURI, state string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		p.errorPage(w, r, http.StatusInternalServerError, fmt.Errorf("oidc: registered redirect_uri does not parse: %w", err))
		return
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	if state != "" {
		q.Set("state", state)
	}
	q.Set("iss", p.Issuer)
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// redirectError sends an error authorization response.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state string, err error) {
	e := p.asOAuth(r, err)
	p.redirectBack(w, r, redirectURI, state, url.Values{"error": {e.Code}, "error_description": {e.Description}})
}

// pageSession loads the authorization behind the page and checks that
// this browser started it. It returns the session code from the cookie.
func (p *Provider) pageSession(r *http.Request) (storage.Session, authRequest, string, int, error) {
	var ar authRequest
	sess, err := p.Store.GetSession(r.Context(), r.PathValue("id"))
	if errors.Is(err, storage.ErrNotFound) || (err == nil && sess.Channel != verification.ChannelOIDC) {
		return sess, ar, "", http.StatusNotFound, fmt.Errorf("%w: no such authorization", ErrInvalidRequest)
	}
	if err != nil {
		return sess, ar, "", http.StatusInternalServerError, fmt.Errorf("oidc: loading the session: %w", err)
	}
	if err := json.Unmarshal(sess.Data, &ar); err != nil {
		return sess, ar, "", http.StatusInternalServerError, fmt.Errorf("oidc: decoding the request: %w", err)
	}
	c, err := r.Cookie(cookieName)
	if err != nil {
		return sess, ar, "", http.StatusForbidden, ErrBrowser
	}
	secret, code, _ := strings.Cut(c.Value, ".")
	if !hmac.Equal(p.MAC.MAC(macBrowser, []byte(secret)), ar.Browser) {
		return sess, ar, "", http.StatusForbidden, ErrBrowser
	}
	sess, err = p.Verification.Get(r.Context(), sess.RPID, sess.ID)
	if err != nil {
		return sess, ar, "", http.StatusInternalServerError, err
	}
	return sess, ar, code, http.StatusOK, nil
}

// live reports whether a session still waits for an answer.
func live(st storage.SessionState) bool {
	switch st {
	case storage.SessionPending, storage.SessionClaimed, storage.SessionAwaitingGuardian:
		return true
	}
	return false
}

// page is the authorization page: while the holder has not answered it
// shows the QR code and the link; once they have, it sends the browser
// back to the relying party with the code or the error.
func (p *Provider) page(w http.ResponseWriter, r *http.Request) {
	sess, ar, code, status, err := p.pageSession(r)
	if err != nil {
		p.errorPage(w, r, status, err)
		return
	}
	if live(sess.State) {
		p.renderWaiting(w, r, sess, ar, code)
		return
	}
	p.finish(w, r, sess, ar)
}

// finish answers the relying party for an ended session.
func (p *Provider) finish(w http.ResponseWriter, r *http.Request, sess storage.Session, ar authRequest) {
	clear := &http.Cookie{Name: cookieName, Path: PathAuthorize + "/" + sess.ID, MaxAge: -1, HttpOnly: true,
		Secure: strings.HasPrefix(p.Issuer, "https://"), SameSite: http.SameSiteLaxMode}
	var e *Error
	switch sess.State {
	case storage.SessionApproved:
		code, err := p.issueCode(r, sess)
		if errors.Is(err, ErrCompleted) {
			p.errorPage(w, r, http.StatusConflict, err)
			return
		}
		if err != nil {
			p.redirectError(w, r, ar.RedirectURI, ar.State, err)
			return
		}
		http.SetCookie(w, clear)
		p.redirectBack(w, r, ar.RedirectURI, ar.State, url.Values{"code": {code}})
		return
	case storage.SessionDeclined:
		e = oauthErr(CodeAccessDenied, nil, "the holder declined in their wallet")
	case storage.SessionCancelled:
		e = oauthErr(CodeAccessDenied, nil, "the sign-in was cancelled")
	case storage.SessionExpired:
		e = oauthErr(CodeAccessDenied, nil, "the holder did not answer before the sign-in expired")
	default:
		e = oauthErr(CodeAccessDenied, nil, "the verification did not succeed")
	}
	http.SetCookie(w, clear)
	p.redirectError(w, r, ar.RedirectURI, ar.State, e)
}

// issueCode creates the session's one authorization code. A session gets
// at most one: the grant's ID is derived from the session's.
func (p *Provider) issueCode(r *http.Request, sess storage.Session) (string, error) {
	code, err := p.random(32)
	if err != nil {
		return "", err
	}
	now := p.now()
	err = p.Store.CreateGrant(r.Context(), storage.Grant{
		ID: "code:" + sess.ID, Kind: storage.GrantCode, Hash: p.MAC.MAC(macCode, []byte(code)),
		SessionID: sess.ID, RPID: sess.RPID, CreatedAt: now, ExpiresAt: now.Add(p.codeTTL()),
	})
	if errors.Is(err, storage.ErrAlreadyExists) {
		return "", ErrCompleted
	}
	if err != nil {
		return "", fmt.Errorf("oidc: storing the code: %w", err)
	}
	return code, nil
}

// pageStatus tells the page's script whether the holder answered.
func (p *Provider) pageStatus(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	sess, _, _, status, err := p.pageSession(r)
	if err != nil {
		if status == http.StatusInternalServerError {
			p.log().ErrorContext(r.Context(), "oidc: authorization status", "err", err)
		}
		writeJSON(w, status, map[string]any{"error": http.StatusText(status)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"done": !live(sess.State)})
}

// cancel is the page's cancel button: the session ends cancelled and the
// relying party gets access_denied.
func (p *Provider) cancel(w http.ResponseWriter, r *http.Request) {
	sess, ar, _, status, err := p.pageSession(r)
	if err != nil {
		p.errorPage(w, r, status, err)
		return
	}
	if live(sess.State) {
		id := sess.ID
		if _, err := p.Verification.Cancel(r.Context(), sess.RPID, id); err != nil && !errors.Is(err, verification.ErrSessionClosed) {
			p.redirectError(w, r, ar.RedirectURI, ar.State, err)
			return
		}
		if sess, err = p.Store.GetSession(r.Context(), id); err != nil {
			p.redirectError(w, r, ar.RedirectURI, ar.State, err)
			return
		}
	}
	p.finish(w, r, sess, ar)
}
