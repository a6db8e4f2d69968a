package oidc

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/netid-project/netid/internal/relyingparty"
)

// OAuth 2.0 and OpenID Connect error codes (RFC 6749 §4.1.2.1 and §5.2,
// RFC 6750 §3.1, OpenID Connect Core §3.1.2.6).
const (
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeInvalidGrant            = "invalid_grant"
	CodeUnauthorizedClient      = "unauthorized_client"
	CodeUnsupportedGrantType    = "unsupported_grant_type"
	CodeUnsupportedResponseType = "unsupported_response_type"
	CodeInvalidScope            = "invalid_scope"
	CodeAccessDenied            = "access_denied"
	CodeServerError             = "server_error"
	CodeLoginRequired           = "login_required"
	CodeRequestNotSupported     = "request_not_supported"
	CodeRequestURINotSupported  = "request_uri_not_supported"
	CodeInvalidToken            = "invalid_token"
	// CodeTemporarilyUnavailable (RFC 6749 §4.1.2.1) answers a request
	// over the relying party's rate limit, with status 429 and
	// Retry-After, at the token and userinfo endpoints too.
	CodeTemporarilyUnavailable = "temporarily_unavailable"
)

// Sentinel errors, wrapped by *Error for errors.Is.
var (
	// ErrInvalidRequest: a malformed or unsupported request.
	ErrInvalidRequest = errors.New("oidc: invalid request")
	// ErrUnknownClient: no such (enabled) relying party.
	ErrUnknownClient = errors.New("oidc: unknown client")
	// ErrInvalidClient: client authentication failed at the token
	// endpoint (it wraps the authenticator's error too).
	ErrInvalidClient = errors.New("oidc: client authentication failed")
	// ErrRedirectURI: the redirect_uri is missing or not registered
	// exactly; the provider then shows an error page and never redirects.
	ErrRedirectURI = errors.New("oidc: redirect_uri not registered")
	// ErrPKCE: PKCE missing for a public client, a method other than
	// S256, or a code_verifier that does not match.
	ErrPKCE = errors.New("oidc: PKCE check failed")
	// ErrInvalidGrant: the authorization code is unknown, expired,
	// revoked, of another client or another redirect_uri.
	ErrInvalidGrant = errors.New("oidc: invalid grant")
	// ErrCodeReplayed: the authorization code was already exchanged; every
	// token of its session is revoked.
	ErrCodeReplayed = errors.New("oidc: authorization code replayed")
	// ErrInvalidToken: the access token is unknown, expired or revoked.
	ErrInvalidToken = errors.New("oidc: invalid access token")
	// ErrBrowser: the authorization page was opened without the cookie of
	// the browser that started the authorization.
	ErrBrowser = errors.New("oidc: authorization started in another browser")
	// ErrCompleted: the authorization already sent its code.
	ErrCompleted = errors.New("oidc: authorization already completed")
	// ErrRateLimited: the relying party, or the address of failed
	// authentications, is over its rate limit.
	ErrRateLimited = errors.New("oidc: too many requests")
)

// Error is a protocol error: the OAuth error code, a description free of
// personal data, and the sentinel it wraps.
type Error struct {
	Code        string
	Description string
	Status      int
	// RetryAfter, if positive, is sent as Retry-After (whole seconds,
	// rounded up).
	RetryAfter time.Duration
	cause      error
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.cause }

func oauthErr(code string, cause error, desc string) *Error {
	status := http.StatusBadRequest
	switch code {
	case CodeInvalidClient, CodeInvalidToken:
		status = http.StatusUnauthorized
	case CodeServerError:
		status = http.StatusInternalServerError
	case CodeTemporarilyUnavailable:
		status = http.StatusTooManyRequests
	}
	return &Error{Code: code, Description: desc, Status: status, cause: cause}
}

// rateLimited is the protocol error of a request over a rate limit.
func rateLimited(retryAfter time.Duration) *Error {
	e := oauthErr(CodeTemporarilyUnavailable, ErrRateLimited, "too many requests; retry later")
	e.RetryAfter = retryAfter
	return e
}

// asOAuth maps any error to a protocol error: unknown errors become
// server_error with a generic description (the cause is logged, never
// sent).
func (p *Provider) asOAuth(r *http.Request, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if limited, ok := errors.AsType[*relyingparty.RateLimitError](err); ok {
		return rateLimited(limited.RetryAfter)
	}
	p.log().ErrorContext(r.Context(), "oidc: internal error", "path", r.URL.Path, "err", err)
	return oauthErr(CodeServerError, err, "the server could not complete the request")
}

// writeError writes a JSON error response (token and userinfo endpoints).
func (p *Provider) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := p.asOAuth(r, err)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64(math.Ceil(e.RetryAfter.Seconds())), 10))
	}
	switch {
	case e.Status == http.StatusUnauthorized && e.Code == CodeInvalidToken:
		h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	case e.Status == http.StatusUnauthorized:
		if _, _, basic := r.BasicAuth(); basic {
			h.Set("WWW-Authenticate", `Basic realm="netid"`)
		}
	case e.Code == CodeTemporarilyUnavailable && r.URL.Path == PathUserinfo:
		// A resource server's answer (RFC 6750 §3) names the condition in
		// the challenge, as userinfo clients read it there.
		h.Set("WWW-Authenticate", `Bearer error="temporarily_unavailable", error_description="too many requests; retry later"`)
	}
	writeJSON(w, e.Status, map[string]string{"error": e.Code, "error_description": e.Description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
