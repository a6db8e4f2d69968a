package eid

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/guardianconsent"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/rp"
)

// DefaultDisclose is what an offline payload discloses when the holder
// chooses nothing.
var DefaultDisclose = []string{"age_over_18"}

// SignOffline makes an offline payload: a presentation of the credential
// sdjwt (the full SD-JWT) disclosing the claims named in disclose (nil:
// DefaultDisclose; empty and non-nil: none), with a key-binding JWT signed
// by key over aud AudienceOffline, a nonce of 16 bytes from random (nil:
// crypto/rand) and iat now. A payload longer than MaxOfflineSize (too many
// disclosures for one QR code) is ErrMalformed.
func SignOffline(sdjwt string, disclose []string, key *ecdsa.PrivateKey, now time.Time, random io.Reader) (string, error) {
	return SignOfflineWithConsent(sdjwt, disclose, key, "", now, random)
}

// SignOfflineWithConsent is SignOffline for a holder under 14: consent is
// the guardian consent statement for AudienceOffline and this credential's
// key (package guardianconsent), carried in the key-binding JWT; without
// it an offline verifier refuses the code.
func SignOfflineWithConsent(sdjwt string, disclose []string, key *ecdsa.PrivateKey, consent string, now time.Time, random io.Reader) (string, error) {
	if key == nil {
		return "", fmt.Errorf("eid: no device key")
	}
	if random == nil {
		random = rand.Reader
	}
	if disclose == nil {
		disclose = DefaultDisclose
	}
	nonce, err := newRandomID(random)
	if err != nil {
		return "", err
	}
	p, err := credential.PresentWithConsent(sdjwt, disclose, key, AudienceOffline, nonce, consent, time.Unix(now.Unix(), 0))
	if err != nil {
		return "", fmt.Errorf("eid: presenting: %w", err)
	}
	payload := PrefixOffline + p
	if len(payload) > MaxOfflineSize {
		return "", fmt.Errorf("%w: %d bytes, more than a QR code holds (%d): disclose fewer claims", ErrMalformed, len(payload), MaxOfflineSize)
	}
	return payload, nil
}

// ParseOffline extracts the presentation from an offline payload, and the
// nonce of its key-binding JWT, unverified. It checks the prefix, the size
// (MaxOfflineSize), the SD-JWT structure, and that the key-binding JWT's
// claims are exactly iat, aud (AudienceOffline), nonce (16 bytes of
// base64url) and sd_hash, and for a holder under 14 the guardian consent
// statement (a string; the presentation's verification checks it). Every
// error wraps ErrMalformed.
//
// The caller must then verify the presentation: [VerifyOffline] does, with
// the checks this format needs.
func ParseOffline(payload string) (presentation string, nonce string, err error) {
	o, err := parseOffline(payload)
	if err != nil {
		return "", "", err
	}
	return o.presentation, o.nonce, nil
}

type offline struct {
	presentation string
	nonce        string
	issuedAt     time.Time
}

func parseOffline(payload string) (offline, error) {
	if len(payload) > MaxOfflineSize {
		return offline{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxOfflineSize)
	}
	p, ok := strings.CutPrefix(payload, PrefixOffline)
	if !ok {
		return offline{}, fmt.Errorf("%w: not an offline eID payload", ErrMalformed)
	}
	sd, err := credential.Parse(p)
	if err != nil {
		return offline{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if sd.KeyBinding == "" {
		return offline{}, fmt.Errorf("%w: no key-binding JWT", ErrMalformed)
	}
	kb, err := jws.Parse(sd.KeyBinding, jws.Expect{Typ: credential.TypKB})
	if err != nil {
		return offline{}, fmt.Errorf("%w: key-binding JWT: %w", ErrMalformed, err)
	}
	m, err := decodeFlat(kb.Payload, "iat", "aud", "nonce", "sd_hash", guardianconsent.ClaimInKeyBinding)
	if err != nil {
		return offline{}, fmt.Errorf("%w: key-binding JWT: %w", ErrMalformed, err)
	}
	var o offline
	var errs [4]error
	o.issuedAt, errs[0] = unixTime(m, "iat")
	aud, err1 := str(m, "aud")
	errs[1] = err1
	o.nonce, errs[2] = str(m, "nonce")
	_, errs[3] = str(m, "sd_hash")
	if err := errors.Join(errs[:]...); err != nil {
		return offline{}, fmt.Errorf("%w: key-binding JWT: %w", ErrMalformed, err)
	}
	if aud != AudienceOffline {
		return offline{}, fmt.Errorf("%w: key-binding JWT aud is not %s", ErrMalformed, AudienceOffline)
	}
	if err := checkRandomID("nonce", o.nonce); err != nil {
		return offline{}, err
	}
	o.presentation = p
	return o, nil
}

// VerifyOffline verifies an offline payload with a relying-party verifier
// for the platform that issued the credential, whose clock must agree with
// now. It parses the payload (ParseOffline), checks that the key-binding
// JWT's iat is in [now − Window, now + Skew] (ErrExpired, ErrNotYetValid;
// rp's own freshness check allows a leeway beyond MaxAge, so the window is
// checked here first, and the signature over iat by rp afterwards), then
// calls v.VerifyPresentation with audience AudienceOffline, the payload's
// nonce and MaxAge Window. The rp.Verifier accepts a nonce once: a second
// scan of the same payload fails with rp.ErrReplay. Errors of rp are
// returned as they are (they wrap rp.ErrInvalid).
func VerifyOffline(ctx context.Context, v *rp.Verifier, payload string, now time.Time) (*rp.Presentation, error) {
	o, err := parseOffline(payload)
	if err != nil {
		return nil, err
	}
	if o.issuedAt.After(now.Add(Skew)) {
		return nil, fmt.Errorf("%w: dated more than %v ahead", ErrNotYetValid, Skew)
	}
	if now.Sub(o.issuedAt) > Window {
		return nil, fmt.Errorf("%w: older than %v", ErrExpired, Window)
	}
	return v.VerifyPresentation(ctx, o.presentation, rp.Expect{Audience: AudienceOffline, Nonce: o.nonce, MaxAge: Window})
}
