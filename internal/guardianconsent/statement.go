package guardianconsent

import (
	"crypto"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/strictjson"
	"github.com/netid-project/netid/internal/suite"
)

// Typ is the JWS typ of a guardian consent statement.
const Typ = "netid-guardian-consent+jwt"

// ClaimInKeyBinding is the claim of a key-binding JWT that carries the
// statement.
const ClaimInKeyBinding = "guardian_consent"

// AudienceOfflineInPerson is the audience of the in-person checks made
// without the network (the offline eID code: eid.AudienceOffline, which
// is this value): a guardian consents to them as to one relying party.
const AudienceOfflineInPerson = "netid:eid"

// MaxTTL bounds a statement's validity: a guardian's withdrawal reaches
// offline verifiers within it.
const MaxTTL = 30 * 24 * time.Hour

// MaxLen bounds the size of a statement a verifier reads.
const MaxLen = 4096

// Errors. Every error of Verify wraps one of them; messages carry no
// identifiers.
var (
	// ErrMalformed: not a well-formed statement of this profile.
	ErrMalformed = errors.New("guardianconsent: malformed statement")
	// ErrSignature: not signed by a key of the platform.
	ErrSignature = errors.New("guardianconsent: statement signature invalid")
	// ErrMismatch: signed, but for another platform, audience or key.
	ErrMismatch = errors.New("guardianconsent: statement is for another audience or credential")
	// ErrExpired: outside its validity.
	ErrExpired = errors.New("guardianconsent: statement expired")
)

// Statement is a guardian consent statement's content.
type Statement struct {
	// Issuer is the platform.
	Issuer string
	// Audience is the audience the consent covers.
	Audience string
	// KeyThumbprint is the RFC 7638 SHA-256 thumbprint (base64url) of the
	// holder key of the credential it covers.
	KeyThumbprint    string
	IssuedAt, Expiry time.Time
}

type cnf struct {
	JKT string `json:"jkt"`
}

type claims struct {
	Issuer   string `json:"iss"`
	Audience string `json:"aud"`
	Cnf      cnf    `json:"cnf"`
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
}

// Thumbprint is the RFC 7638 thumbprint of k, base64url, under the hash
// of the suite k belongs to (SHA-256 for a P-256 key, SM3 for an SM2 key,
// docs/sm-profile.md §3; SHA-256 for any other key): the value of cnf.jkt (RFC 7800 §3.1 names the confirmation method; the
// thumbprint form is RFC 9449's).
func Thumbprint(k *jose.JSONWebKey) (string, error) {
	if k == nil {
		return "", fmt.Errorf("%w: no key", ErrMalformed)
	}
	if _, ok := suite.OfKey(k); ok {
		// A holder's key: SHA-256 of a P-256 key, SM3 of an SM2 key.
		tp, err := suite.KeyID(k)
		if err != nil {
			return "", fmt.Errorf("%w: thumbprint: %w", ErrMalformed, err)
		}
		return tp, nil
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("%w: thumbprint: %w", ErrMalformed, err)
	}
	return jws.B64.EncodeToString(tp), nil
}

func (s Statement) check() error {
	var errs []error
	if s.Issuer == "" || s.Audience == "" {
		errs = append(errs, errors.New("iss and aud are required"))
	}
	if b, err := jws.B64.DecodeString(s.KeyThumbprint); err != nil || len(b) != 32 {
		errs = append(errs, errors.New("cnf.jkt is not a base64url SHA-256 thumbprint"))
	}
	if s.IssuedAt.IsZero() || !s.Expiry.After(s.IssuedAt) {
		errs = append(errs, errors.New("exp must be after iat"))
	} else if s.Expiry.Sub(s.IssuedAt) > MaxTTL {
		errs = append(errs, fmt.Errorf("valid for more than %v", MaxTTL))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

// Sign signs s with the platform's key (kid in its JWK set).
func Sign(key crypto.Signer, kid string, s Statement) (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	tok, err := jws.SignClaims(key, Typ, kid, claims{
		Issuer: s.Issuer, Audience: s.Audience, Cnf: cnf{JKT: s.KeyThumbprint},
		IssuedAt: s.IssuedAt.Unix(), Expiry: s.Expiry.Unix(),
	})
	if err != nil {
		return "", fmt.Errorf("guardianconsent: signing: %w", err)
	}
	return tok, nil
}

func decode(payload []byte) (Statement, error) {
	var c claims
	if err := strictjson.Unmarshal(payload, &c); err != nil {
		return Statement{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	s := Statement{Issuer: c.Issuer, Audience: c.Audience, KeyThumbprint: c.Cnf.JKT,
		IssuedAt: time.Unix(c.IssuedAt, 0).UTC(), Expiry: time.Unix(c.Expiry, 0).UTC()}
	if c.IssuedAt <= 0 || c.Expiry <= 0 {
		return Statement{}, fmt.Errorf("%w: iat and exp are required", ErrMalformed)
	}
	if err := s.check(); err != nil {
		return Statement{}, err
	}
	return s, nil
}

// Parse reads a statement without checking its signature: for the holder's
// wallet, which keeps statements by audience and key and drops expired
// ones. A verifier uses Verify.
func Parse(token string) (Statement, error) {
	if len(token) > MaxLen {
		return Statement{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxLen)
	}
	t, err := jws.Parse(token, jws.Expect{Typ: Typ})
	if err != nil {
		return Statement{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return decode(t.Payload)
}

// Expect is what a verifier requires of a statement.
type Expect struct {
	// Keys are the platform's keys, by kid.
	Keys jose.JSONWebKeySet
	// Issuer, Audience and KeyThumbprint must equal the statement's.
	Issuer, Audience, KeyThumbprint string
	// Now is the verification time; Leeway tolerates clock skew.
	Now    time.Time
	Leeway time.Duration
}

// Verify checks token's signature by one of want.Keys, its form, that it
// names want's issuer, audience and key, and that want.Now is within its
// validity.
func Verify(token string, want Expect) (Statement, error) {
	if len(token) > MaxLen {
		return Statement{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxLen)
	}
	_, payload, err := jws.Verify(token, jws.Expect{Typ: Typ, Keys: jws.ByKeyID(want.Keys)})
	switch {
	case errors.Is(err, jws.ErrSignature), errors.Is(err, jws.ErrUnknownKey), errors.Is(err, jws.ErrAlgorithm):
		return Statement{}, fmt.Errorf("%w: %w", ErrSignature, err)
	case err != nil:
		return Statement{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	s, err := decode(payload)
	if err != nil {
		return Statement{}, err
	}
	if s.Issuer != want.Issuer || s.Audience != want.Audience || want.Audience == "" ||
		subtle.ConstantTimeCompare([]byte(s.KeyThumbprint), []byte(want.KeyThumbprint)) != 1 {
		return Statement{}, ErrMismatch
	}
	leeway := max(want.Leeway, 0)
	if want.Now.Add(leeway).Before(s.IssuedAt) || !want.Now.Before(s.Expiry.Add(leeway)) {
		return Statement{}, ErrExpired
	}
	return s, nil
}
