package eid

import (
	"crypto/ecdsa"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/jws"
)

// SignOnline makes an online payload for the credential credentialID of the
// platform issuer, signed with the credential's device key: iat is now
// (whole seconds), exp is iat + Window, jti 16 bytes from random (nil:
// crypto/rand). The key is a P-256 key (ES256) or an SM2 key (SM2), the
// credential's device key of the deployment's suite.
func SignOnline(key *ecdsa.PrivateKey, issuer, credentialID string, now time.Time, random io.Reader) (string, error) {
	if _, ok := jws.AlgorithmFor(key); key == nil || !ok {
		return "", fmt.Errorf("eid: the device key must be a P-256 or an SM2 key")
	}
	if random == nil {
		random = rand.Reader
	}
	jti, err := newRandomID(random)
	if err != nil {
		return "", err
	}
	iat := time.Unix(now.Unix(), 0).UTC()
	c := Claims{Issuer: issuer, CredentialID: credentialID, IssuedAt: iat, ExpiresAt: iat.Add(Window), ID: jti}
	if err := c.check(); err != nil {
		return "", err
	}
	tok, err := jws.SignClaims(key, Typ, credentialID, c)
	if err != nil {
		return "", fmt.Errorf("eid: signing: %w", err)
	}
	return PrefixOnline + tok, nil
}

// Online is a parsed online payload whose signature and window are not yet
// checked.
type Online struct {
	// Claims are the payload's claims, unverified until Verify succeeds.
	Claims Claims

	token *jws.Token
}

// ParseOnline parses an online payload strictly: the prefix, a compact JWS
// of three canonical base64url parts (internal/jws), a protected header of
// exactly alg (ES256 or SM2), typ Typ (compared by the RFC 7515 §4.1.9 rule) and kid
// equal to cid, claims of exactly iss, cid, iat,
// exp and jti (no duplicate keys, nothing after the JSON), exp − iat in
// (0, Window], and at most MaxOnlineSize bytes in all. Every error wraps
// ErrMalformed. The signature is not checked: look up the device key of
// Claims.CredentialID and call Verify.
func ParseOnline(payload string) (*Online, error) {
	if len(payload) > MaxOnlineSize {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxOnlineSize)
	}
	rest, ok := strings.CutPrefix(payload, PrefixOnline)
	if !ok {
		return nil, fmt.Errorf("%w: not an online eID payload", ErrMalformed)
	}
	tok, err := jws.Parse(rest, jws.Expect{Typ: Typ})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	for name := range tok.Header.Fields {
		if name != "alg" && name != "typ" && name != "kid" {
			return nil, fmt.Errorf("%w: header: unknown member", ErrMalformed)
		}
	}
	kid := tok.Header.KeyID
	if kid == "" {
		return nil, fmt.Errorf("%w: header lacks alg, typ or kid", ErrMalformed)
	}
	m, err := decodeFlat(tok.Payload, "iss", "cid", "iat", "exp", "jti")
	if err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrMalformed, err)
	}
	var c Claims
	var errs [5]error
	c.Issuer, errs[0] = str(m, "iss")
	c.CredentialID, errs[1] = str(m, "cid")
	c.IssuedAt, errs[2] = unixTime(m, "iat")
	c.ExpiresAt, errs[3] = unixTime(m, "exp")
	c.ID, errs[4] = str(m, "jti")
	for _, e := range errs {
		if e != nil {
			return nil, fmt.Errorf("%w: claims: %w", ErrMalformed, e)
		}
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if kid != c.CredentialID {
		return nil, fmt.Errorf("%w: kid differs from cid", ErrMalformed)
	}
	return &Online{Claims: c, token: tok}, nil
}

// Verify checks the payload's signature with the device key bound to the
// credential (ErrSignature; the algorithm is the key's: ES256 for a P-256
// key, SM2 for an SM2 key) and that now is in [iat − Skew, exp]
// (ErrNotYetValid, ErrExpired). It does not check the credential's status
// or whether jti was seen before: the caller must.
func (o *Online) Verify(deviceKey *ecdsa.PublicKey, now time.Time) error {
	if _, ok := jws.AlgorithmFor(deviceKey); deviceKey == nil || !ok {
		return fmt.Errorf("%w: the device key is neither a P-256 nor an SM2 key", ErrSignature)
	}
	if _, err := o.token.Verify(jws.PublicKey(deviceKey)); err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	if now.Before(o.Claims.IssuedAt.Add(-Skew)) {
		return fmt.Errorf("%w: dated more than %v ahead", ErrNotYetValid, Skew)
	}
	if now.After(o.Claims.ExpiresAt) {
		return ErrExpired
	}
	return nil
}
