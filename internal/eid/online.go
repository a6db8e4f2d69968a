package eid

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"
)

// sigLen is the length of an ES256 signature: r and s, 32 bytes each.
const sigLen = 64

// header is the JWS protected header of an online payload.
type header struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid"`
}

// SignOnline makes an online payload for the credential credentialID of the
// platform issuer, signed with the credential's device key: iat is now
// (whole seconds), exp is iat + Window, jti 16 bytes from random (nil:
// crypto/rand).
func SignOnline(key *ecdsa.PrivateKey, issuer, credentialID string, now time.Time, random io.Reader) (string, error) {
	if key == nil || key.Curve != elliptic.P256() {
		return "", fmt.Errorf("eid: the device key must be a P-256 key")
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
	h, err := json.Marshal(header{Alg: "ES256", Typ: Typ, Kid: credentialID})
	if err != nil {
		return "", fmt.Errorf("eid: encoding header: %w", err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("eid: encoding claims: %w", err)
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(random, key, digest[:])
	if err != nil {
		return "", fmt.Errorf("eid: signing: %w", err)
	}
	sig := make([]byte, sigLen)
	r.FillBytes(sig[:sigLen/2])
	s.FillBytes(sig[sigLen/2:])
	return PrefixOnline + input + "." + b64.EncodeToString(sig), nil
}

// Online is a parsed online payload whose signature and window are not yet
// checked.
type Online struct {
	// Claims are the payload's claims, unverified until Verify succeeds.
	Claims Claims

	signingInput string
	sig          []byte
}

// ParseOnline parses an online payload strictly: the prefix, a compact JWS
// of three canonical base64url parts, a protected header of exactly alg
// ES256, typ Typ and kid equal to cid, claims of exactly iss, cid, iat,
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
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	hb, err := decodeB64(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	pb, err := decodeB64(parts[1])
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	sig, err := decodeB64(parts[2])
	if err != nil || len(sig) != sigLen {
		return nil, fmt.Errorf("%w: signature is not %d bytes of base64url", ErrMalformed, sigLen)
	}
	h, err := decodeFlat(hb, "alg", "typ", "kid")
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	alg, err1 := str(h, "alg")
	typ, err2 := str(h, "typ")
	kid, err3 := str(h, "kid")
	switch {
	case err1 != nil || err2 != nil || err3 != nil:
		return nil, fmt.Errorf("%w: header lacks alg, typ or kid", ErrMalformed)
	case alg != "ES256":
		return nil, fmt.Errorf("%w: alg is not ES256", ErrMalformed)
	case typ != Typ:
		return nil, fmt.Errorf("%w: typ is not %s", ErrMalformed, Typ)
	}
	m, err := decodeFlat(pb, "iss", "cid", "iat", "exp", "jti")
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
	return &Online{Claims: c, signingInput: parts[0] + "." + parts[1], sig: sig}, nil
}

// Verify checks the payload's signature with the device key bound to the
// credential (ErrSignature) and that now is in [iat − Skew, exp]
// (ErrNotYetValid, ErrExpired). It does not check the credential's status
// or whether jti was seen before: the caller must.
func (o *Online) Verify(deviceKey *ecdsa.PublicKey, now time.Time) error {
	if deviceKey == nil || deviceKey.Curve != elliptic.P256() {
		return fmt.Errorf("%w: the device key is not a P-256 key", ErrSignature)
	}
	digest := sha256.Sum256([]byte(o.signingInput))
	r := new(big.Int).SetBytes(o.sig[:sigLen/2])
	s := new(big.Int).SetBytes(o.sig[sigLen/2:])
	if !ecdsa.Verify(deviceKey, digest[:], r, s) {
		return ErrSignature
	}
	if now.Before(o.Claims.IssuedAt.Add(-Skew)) {
		return fmt.Errorf("%w: dated more than %v ahead", ErrNotYetValid, Skew)
	}
	if now.After(o.Claims.ExpiresAt) {
		return ErrExpired
	}
	return nil
}
