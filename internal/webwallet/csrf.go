package webwallet

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// CSRFField is the name of the form field that carries the token.
const CSRFField = "csrf"

// ErrCSRF is returned by [CSRF.Check] when a form submission does not
// carry the token of the browser that received the form, or comes from
// another site.
var ErrCSRF = errors.New("webwallet: form submission without a valid CSRF token")

// csrfTokenBytes is the token's entropy.
const csrfTokenBytes = 32

// CSRF protects forms by double submission: the page that shows a form
// sets a random token in a cookie (HttpOnly, SameSite=Strict) and writes the
// same token into the form; a submission is accepted only when the two
// agree (compared in constant time). Another site can neither read the
// cookie nor make the browser send it, so it cannot forge the pair.
// Browsers that say where a request comes from (Sec-Fetch-Site) are
// refused a cross-site submission outright.
type CSRF struct {
	// Secure marks the cookie Secure and names it with the __Host- prefix
	// (bound to this host, path /), for a platform served over https.
	Secure bool
	// Random is the source of tokens; nil means crypto/rand.
	Random io.Reader
}

// CookieName is the name of the token's cookie.
func (c CSRF) CookieName() string {
	if c.Secure {
		return "__Host-netid_csrf"
	}
	return "netid_csrf"
}

// Token returns the token to put into the forms of the page being
// answered: the browser's current one, or a new one set in a cookie on w.
func (c CSRF) Token(w http.ResponseWriter, r *http.Request) (string, error) {
	if ck, err := r.Cookie(c.CookieName()); err == nil && wellFormed(ck.Value) {
		return ck.Value, nil
	}
	random := c.Random
	if random == nil {
		random = rand.Reader
	}
	b := make([]byte, csrfTokenBytes)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("webwallet: drawing a CSRF token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: c.CookieName(), Value: tok, Path: "/",
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteStrictMode,
	})
	return tok, nil
}

// Check accepts r, a form submission (its form already parsed or
// parseable), only if its CSRF field equals its cookie and it does not come
// from another site. The error wraps [ErrCSRF].
func (c CSRF) Check(r *http.Request) error {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return fmt.Errorf("%w: sent from %s", ErrCSRF, r.Header.Get("Sec-Fetch-Site"))
	}
	ck, err := r.Cookie(c.CookieName())
	if err != nil || !wellFormed(ck.Value) {
		return fmt.Errorf("%w: no token cookie", ErrCSRF)
	}
	form := r.PostFormValue(CSRFField)
	if subtle.ConstantTimeCompare([]byte(form), []byte(ck.Value)) != 1 {
		return fmt.Errorf("%w: the form's token does not match", ErrCSRF)
	}
	return nil
}

// wellFormed reports whether s looks like a token this type issued.
func wellFormed(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == csrfTokenBytes
}
