package liveness

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// TokenType is the JOSE "typ" header of a liveness attestation.
const TokenType = "liveness+jwt"

// DefaultMaxAge is how old an attestation may be when Verifier.MaxAge is
// zero.
const DefaultMaxAge = 5 * time.Minute

// MaxClockSkew is how far in the future an attestation's "iat" may lie
// (clocks of provider and platform differ slightly) before it is rejected.
const MaxClockSkew = 30 * time.Second

// maxAttestationLen bounds the attestation the Verifier will parse.
const maxAttestationLen = 16 << 10

// Errors returned by Verify. Each is wrapped; test with errors.Is.
var (
	// ErrUntrusted: the attestation's issuer is not in the trust list, or it
	// is not signed by one of that issuer's keys.
	ErrUntrusted = errors.New("liveness: attestation not signed by a trusted provider")
	// ErrInvalid: the attestation is malformed (not a compact ES256 JWS of
	// type liveness+jwt, missing or ill-typed claims, issued in the
	// future).
	ErrInvalid = errors.New("liveness: invalid attestation")
	// ErrMismatch: the attestation answers another challenge, another
	// application or another face image.
	ErrMismatch = errors.New("liveness: attestation does not match the request")
	// ErrNotLive: the provider found no live person.
	ErrNotLive = errors.New("liveness: no live person detected")
	// ErrBelowThreshold: the similarity between the live face and the
	// chip's face image is below the platform's threshold.
	ErrBelowThreshold = errors.New("liveness: face similarity below threshold")
	// ErrExpired: the attestation expired or is older than the verifier's
	// MaxAge.
	ErrExpired = errors.New("liveness: attestation expired")
)

// Request is what the wallet asks the provider to attest.
type Request struct {
	// Challenge is the platform's fresh face challenge for the application.
	Challenge string
	// ApplicationID is the application (申领) being proofed.
	ApplicationID string
	// FaceImageHash is the SHA-256 of the face image read from the chip.
	FaceImageHash [32]byte
	// Capture is the live capture, opaque to this package; it may be empty
	// with the development provider.
	Capture []byte
}

// Provider produces attestations (wallet side). Attest returns a compact JWS
// as described in the package documentation.
type Provider interface {
	Attest(ctx context.Context, r Request) (string, error)
}

// Expect is what the platform expects an attestation to be bound to.
type Expect struct {
	Challenge     string
	ApplicationID string
	FaceImageHash [32]byte
}

// Result is the outcome of a successful verification.
type Result struct {
	// Provider is the trusted provider that signed the attestation.
	Provider string
	// Score is the similarity it reported, in [0, 1].
	Score float64
}

// claims are the attestation's JWT claims.
type claims struct {
	Issuer      string           `json:"iss"`
	IssuedAt    *jwt.NumericDate `json:"iat"`
	Expiry      *jwt.NumericDate `json:"exp"`
	Challenge   string           `json:"challenge"`
	Application string           `json:"application"`
	FaceHash    string           `json:"face_hash"`
	Score       *float64         `json:"score"`
	Live        *bool            `json:"live"`
}

// FaceHash returns the SHA-256 of a face image, as Request.FaceImageHash and
// Expect.FaceImageHash expect it.
func FaceHash(image []byte) [32]byte { return sha256.Sum256(image) }

func encodeFaceHash(h [32]byte) string { return base64.RawURLEncoding.EncodeToString(h[:]) }

// Verifier checks attestations. The zero value trusts nobody.
type Verifier struct {
	// Trusted maps a provider name, which must equal the attestation's
	// "iss", to that provider's public keys.
	Trusted map[string]jose.JSONWebKeySet
	// Threshold is the lowest acceptable similarity score, in (0, 1].
	Threshold float64
	// MaxAge is how long after its "iat" an attestation is accepted;
	// zero means DefaultMaxAge.
	MaxAge time.Duration
	// Suite is the deployment's crypto suite: only trusted keys of it
	// (SM2 on sm, P-256 on es256) verify. Default suite.ES256.
	Suite suite.Suite
}

// Verify checks attestation against the trust list, want, the threshold and
// now. It returns an error wrapping ErrInvalid, ErrUntrusted, ErrExpired,
// ErrMismatch, ErrNotLive or ErrBelowThreshold, checked in that order
// (signature before claims, binding before verdict).
func (v Verifier) Verify(attestation string, want Expect, now time.Time) (Result, error) {
	if !(v.Threshold > 0 && v.Threshold <= 1) {
		return Result{}, errors.New("liveness: verifier threshold must be in (0, 1]")
	}
	if want.Challenge == "" || want.ApplicationID == "" {
		return Result{}, errors.New("liveness: expected challenge and application must be set")
	}
	if len(attestation) > maxAttestationLen {
		return Result{}, fmt.Errorf("%w: too long", ErrInvalid)
	}
	// The unverified issuer only selects the key set; nothing else is read
	// before the signature is checked.
	var issuer string
	keys := jws.KeyFunc(func(t *jws.Token) ([]jose.JSONWebKey, error) {
		if t.Header.KeyID == "" {
			return nil, fmt.Errorf("%w: missing kid", ErrInvalid)
		}
		var unverified struct {
			Issuer string `json:"iss"`
		}
		if err := t.UnverifiedClaims(&unverified); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		set, ok := v.Trusted[unverified.Issuer]
		if !ok || unverified.Issuer == "" {
			return nil, fmt.Errorf("%w: unknown issuer", ErrUntrusted)
		}
		issuer = unverified.Issuer
		var usable []jose.JSONWebKey
		for _, k := range set.Key(t.Header.KeyID) {
			if _, ofSuite := v.Suite.Or(suite.ES256).PublicKey(&k); ofSuite && usableKey(k) {
				usable = append(usable, k)
			}
		}
		return usable, nil
	})
	var c claims
	_, err := jws.VerifyClaims(attestation, jws.Expect{Typ: TokenType, Keys: keys}, &c)
	switch {
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrUntrusted):
		return Result{}, err
	case errors.Is(err, jws.ErrUnknownKey), errors.Is(err, jws.ErrSignature):
		return Result{}, fmt.Errorf("%w: no trusted key verifies the signature", ErrUntrusted)
	case err != nil:
		return Result{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := c.wellFormed(); err != nil {
		return Result{}, err
	}
	if c.Issuer != issuer {
		// Unreachable unless the payload decodes differently twice.
		return Result{}, fmt.Errorf("%w: issuer changed", ErrInvalid)
	}

	iat, exp := c.IssuedAt.Time(), c.Expiry.Time()
	if iat.After(now.Add(MaxClockSkew)) {
		return Result{}, fmt.Errorf("%w: issued in the future", ErrInvalid)
	}
	maxAge := v.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if !now.Before(exp) || now.Sub(iat) > maxAge {
		return Result{}, ErrExpired
	}

	// Constant-time comparisons: the challenge is a secret bearer value
	// until used; the others cost nothing to treat alike.
	if subtle.ConstantTimeCompare([]byte(c.Challenge), []byte(want.Challenge)) != 1 {
		return Result{}, fmt.Errorf("%w: challenge", ErrMismatch)
	}
	if subtle.ConstantTimeCompare([]byte(c.Application), []byte(want.ApplicationID)) != 1 {
		return Result{}, fmt.Errorf("%w: application", ErrMismatch)
	}
	face, err := base64.RawURLEncoding.Strict().DecodeString(c.FaceHash)
	if err != nil || len(face) != sha256.Size {
		return Result{}, fmt.Errorf("%w: face_hash is not a base64url SHA-256", ErrInvalid)
	}
	if subtle.ConstantTimeCompare(face, want.FaceImageHash[:]) != 1 {
		return Result{}, fmt.Errorf("%w: face image", ErrMismatch)
	}

	if !*c.Live {
		return Result{}, ErrNotLive
	}
	if *c.Score < v.Threshold {
		return Result{}, ErrBelowThreshold
	}
	return Result{Provider: c.Issuer, Score: *c.Score}, nil
}

func (c claims) wellFormed() error {
	switch {
	case c.IssuedAt == nil:
		return fmt.Errorf("%w: missing iat", ErrInvalid)
	case c.Expiry == nil:
		return fmt.Errorf("%w: missing exp", ErrInvalid)
	case c.Challenge == "":
		return fmt.Errorf("%w: missing challenge", ErrInvalid)
	case c.Application == "":
		return fmt.Errorf("%w: missing application", ErrInvalid)
	case c.FaceHash == "":
		return fmt.Errorf("%w: missing face_hash", ErrInvalid)
	case c.Score == nil || math.IsNaN(*c.Score) || *c.Score < 0 || *c.Score > 1:
		return fmt.Errorf("%w: score missing or outside [0, 1]", ErrInvalid)
	case c.Live == nil:
		return fmt.Errorf("%w: missing live", ErrInvalid)
	}
	return nil
}

// PeekChallenge returns the challenge claimed by attestation WITHOUT
// checking its signature or anything else. It exists because the platform
// stores only a MAC of the challenge it issued: a handler peeks, checks the
// MAC of the peeked value against the stored one, and then passes the value
// to Verify as Expect.Challenge, which checks everything. Errors wrap
// ErrInvalid.
func PeekChallenge(attestation string) (string, error) {
	if len(attestation) > maxAttestationLen {
		return "", fmt.Errorf("%w: too long", ErrInvalid)
	}
	t, err := jws.Parse(attestation, jws.Expect{Typ: TokenType})
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var c struct {
		Challenge string `json:"challenge"`
	}
	if err := t.UnverifiedClaims(&c); err != nil || c.Challenge == "" {
		return "", fmt.Errorf("%w: no challenge claim", ErrInvalid)
	}
	return c.Challenge, nil
}
