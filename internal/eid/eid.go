package eid

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/guardianconsent"
	"github.com/netid-project/netid/internal/strictjson"
)

// Payload prefixes, format version 1.
const (
	// PrefixOnline starts an online payload (a device-key-signed JWS).
	PrefixOnline = "NETIDEID1."
	// PrefixOffline starts an offline payload (an SD-JWT presentation).
	PrefixOffline = "NETIDEID1SD."
)

// Window is the longest life of a payload: exp − iat of an online payload,
// the largest age of an offline payload's key-binding JWT.
const Window = 60 * time.Second

// Skew is the clock difference tolerated between the wallet and the
// verifier: a payload is accepted from Skew before its iat.
const Skew = 5 * time.Second

// AudienceOffline is the aud of an offline payload's key-binding JWT.
const AudienceOffline = guardianconsent.AudienceOfflineInPerson

// Typ is the typ header of an online payload's JWS.
const Typ = "netid-eid+jwt"

// Size bounds, checked before anything is decoded.
const (
	// MaxOnlineSize is the longest online payload ParseOnline accepts, in
	// bytes (prefix included); a well-formed one is about 400.
	MaxOnlineSize = 2048
	// MaxOfflineSize is the longest offline payload, in bytes (prefix
	// included): the byte-mode capacity of the largest QR code (version 40)
	// at error correction level L.
	MaxOfflineSize = 2953
	// maxIssuer and maxCredentialID bound the iss and cid claims.
	maxIssuer       = 512
	maxCredentialID = 128
	// jtiLen is the number of random bytes in a jti or offline nonce.
	jtiLen = 16
	// maxUnix is 9999-12-31T23:59:59Z.
	maxUnix = 253402300799
)

// Errors a verifier tells apart. Details never contain the payload's
// contents.
var (
	// ErrMalformed: the text is not a well-formed payload of this format.
	ErrMalformed = errors.New("eid: malformed payload")
	// ErrWindow: exp − iat is not in (0, Window]; it also wraps
	// ErrMalformed.
	ErrWindow = errors.New("eid: validity window out of range")
	// ErrSignature: the signature does not verify with the device key
	// (online) or the presentation does not verify (offline).
	ErrSignature = errors.New("eid: bad signature")
	// ErrExpired: the payload's window has passed.
	ErrExpired = errors.New("eid: payload expired")
	// ErrNotYetValid: the payload is dated more than Skew in the future.
	ErrNotYetValid = errors.New("eid: payload not yet valid")
)

// Claims are the claims of an online payload.
type Claims struct {
	// Issuer is the platform's issuer URL (iss).
	Issuer string `json:"iss"`
	// CredentialID is the 网证's credential ID (cid), also the JWS kid.
	CredentialID string `json:"cid"`
	// IssuedAt (iat) and ExpiresAt (exp), whole seconds.
	IssuedAt  time.Time `json:"iat"`
	ExpiresAt time.Time `json:"exp"`
	// ID is the payload's unique identifier (jti): 16 random bytes,
	// base64url without padding.
	ID string `json:"jti"`
}

// MarshalJSON encodes c with iat and exp as Unix seconds.
func (c Claims) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Issuer       string `json:"iss"`
		CredentialID string `json:"cid"`
		IssuedAt     int64  `json:"iat"`
		ExpiresAt    int64  `json:"exp"`
		ID           string `json:"jti"`
	}{c.Issuer, c.CredentialID, c.IssuedAt.Unix(), c.ExpiresAt.Unix(), c.ID})
}

// check validates the claims' contents (not the times against a clock).
func (c Claims) check() error {
	if err := checkIssuer(c.Issuer); err != nil {
		return err
	}
	if err := checkCredentialID(c.CredentialID); err != nil {
		return err
	}
	if err := checkRandomID("jti", c.ID); err != nil {
		return err
	}
	iat, exp := c.IssuedAt.Unix(), c.ExpiresAt.Unix()
	if iat <= 0 || iat > maxUnix || exp <= 0 || exp > maxUnix {
		return fmt.Errorf("%w: iat or exp out of range", ErrMalformed)
	}
	if d := exp - iat; d <= 0 || d > int64(Window/time.Second) {
		return fmt.Errorf("%w: %w: exp - iat is %d s", ErrMalformed, ErrWindow, d)
	}
	return nil
}

func checkIssuer(s string) error {
	switch {
	case len(s) > maxIssuer:
		return fmt.Errorf("%w: iss longer than %d bytes", ErrMalformed, maxIssuer)
	case !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://"):
		return fmt.Errorf("%w: iss is not an http(s) URL", ErrMalformed)
	case !printable(s):
		return fmt.Errorf("%w: iss has characters outside printable ASCII", ErrMalformed)
	}
	return nil
}

func checkCredentialID(s string) error {
	if s == "" || len(s) > maxCredentialID || !printable(s) {
		return fmt.Errorf("%w: cid must be 1 to %d printable ASCII characters", ErrMalformed, maxCredentialID)
	}
	return nil
}

// checkRandomID checks that s is the canonical base64url of jtiLen bytes.
func checkRandomID(what, s string) error {
	if b, err := decodeB64(s); err != nil || len(b) != jtiLen {
		return fmt.Errorf("%w: %s is not %d bytes of base64url", ErrMalformed, what, jtiLen)
	}
	return nil
}

// printable reports whether s is printable ASCII without spaces.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// newRandomID reads jtiLen bytes from random and encodes them.
func newRandomID(random io.Reader) (string, error) {
	b := make([]byte, jtiLen)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("eid: reading randomness: %w", err)
	}
	return b64.EncodeToString(b), nil
}

var b64 = base64.RawURLEncoding.Strict()

// decodeB64 decodes canonical unpadded base64url: exactly what
// EncodeToString produces, so each value has one encoding.
func decodeB64(s string) ([]byte, error) {
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if b64.EncodeToString(b) != s {
		return nil, errors.New("not canonical base64url")
	}
	return b, nil
}

// decodeFlat decodes one JSON object with the strict decoder (no
// duplicate keys, nothing after the object) whose members must all be
// strings or numbers, and only the allowed ones. Numbers are json.Number.
func decodeFlat(b []byte, allowed ...string) (map[string]any, error) {
	m, err := strictjson.DecodeObject(b)
	if err != nil {
		return nil, err
	}
	for name, v := range m {
		if !slices.Contains(allowed, name) {
			return nil, errors.New("unknown member")
		}
		switch v.(type) {
		case string, json.Number:
		default:
			return nil, errors.New("member is not a string or number")
		}
	}
	return m, nil
}

// str returns member name of m as a string.
func str(m map[string]any, name string) (string, error) {
	s, ok := m[name].(string)
	if !ok {
		return "", fmt.Errorf("%s missing or not a string", name)
	}
	return s, nil
}

// unixTime returns member name of m, an integer number of seconds in
// (0, maxUnix], as a time.
func unixTime(m map[string]any, name string) (time.Time, error) {
	n, ok := m[name].(json.Number)
	if !ok {
		return time.Time{}, fmt.Errorf("%s missing or not a number", name)
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || v <= 0 || v > maxUnix {
		return time.Time{}, fmt.Errorf("%s is not a positive integer date", name)
	}
	return time.Unix(v, 0).UTC(), nil
}
