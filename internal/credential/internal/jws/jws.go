// Package jws signs and verifies the compact JWSs of the credential
// packages under one fixed profile: ES256 only (an algorithm allow-list, so
// "none", HS256 and friends can never be accepted), a strictly decoded
// protected header with a mandatory typ, no critical extensions, and
// canonical (strict) base64url in every segment. Cryptography is go-jose's;
// this package only adds the profile checks go-jose leaves to the caller.
package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"

	"github.com/netid-project/netid/internal/credential/internal/strictjson"
)

// Alg is the only JWS algorithm this profile signs with or accepts.
const Alg = jose.ES256

// Sentinel errors; callers map them to their own package's sentinels.
var (
	// ErrMalformed: not a compact JWS, bad base64url, bad header JSON,
	// wrong typ, missing kid, or a critical extension.
	ErrMalformed = errors.New("jws: malformed")
	// ErrAlgorithm: alg is not ES256.
	ErrAlgorithm = errors.New("jws: algorithm not allowed")
	// ErrUnknownKey: no usable P-256 key with the header's kid.
	ErrUnknownKey = errors.New("jws: unknown key")
	// ErrSignature: the signature does not verify.
	ErrSignature = errors.New("jws: invalid signature")
	// ErrKey: a signing or verification key is not a P-256 ECDSA key.
	ErrKey = errors.New("jws: key is not P-256 ECDSA")
)

// B64 is strict unpadded base64url: non-canonical trailing bits are
// rejected, so every byte string has exactly one encoding.
var B64 = base64.RawURLEncoding.Strict()

// Header is the decoded protected header.
type Header struct {
	Alg   string
	Typ   string
	KeyID string
	// Fields is the whole header, strictly decoded.
	Fields map[string]any
}

// Sign returns a compact JWS over payload with protected header
// {"alg":"ES256","typ":typ,"kid":kid}; kid is omitted when empty.
func Sign(key crypto.Signer, typ, kid string, payload []byte) (string, error) {
	if key == nil {
		return "", fmt.Errorf("%w: nil signer", ErrKey)
	}
	if _, ok := p256(key.Public()); !ok {
		return "", ErrKey
	}
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: Alg, Key: cryptosigner.Opaque(key)}, opts)
	if err != nil {
		return "", fmt.Errorf("jws: new signer: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("jws: sign: %w", err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("jws: serialize: %w", err)
	}
	return out, nil
}

// ParseHeader checks the compact structure of s and decodes its protected
// header. It checks alg is ES256 and typ matches wantTyp (RFC 7515 §4.1.9:
// case-insensitive, "application/" prefix optional). It verifies nothing.
func ParseHeader(s, wantTyp string) (Header, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Header{}, fmt.Errorf("%w: want 3 dot-separated parts, got %d", ErrMalformed, len(parts))
	}
	var raw []byte
	for i, p := range parts {
		if p == "" {
			return Header{}, fmt.Errorf("%w: empty part %d", ErrMalformed, i)
		}
		b, err := B64.DecodeString(p)
		if err != nil {
			return Header{}, fmt.Errorf("%w: part %d: bad base64url", ErrMalformed, i)
		}
		if i == 0 {
			raw = b
		}
	}
	fields, err := strictjson.DecodeObject(raw)
	if err != nil {
		return Header{}, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	h := Header{Fields: fields}
	var ok bool
	if h.Alg, ok = fields["alg"].(string); !ok {
		return Header{}, fmt.Errorf("%w: header alg missing or not a string", ErrMalformed)
	}
	if h.Alg != string(Alg) {
		return Header{}, fmt.Errorf("%w: %q", ErrAlgorithm, h.Alg)
	}
	if h.Typ, ok = fields["typ"].(string); !ok {
		return Header{}, fmt.Errorf("%w: header typ missing or not a string", ErrMalformed)
	}
	if !TypIs(h.Typ, wantTyp) {
		return Header{}, fmt.Errorf("%w: typ %q, want %q", ErrMalformed, h.Typ, wantTyp)
	}
	if v, present := fields["kid"]; present {
		if h.KeyID, ok = v.(string); !ok {
			return Header{}, fmt.Errorf("%w: header kid not a string", ErrMalformed)
		}
	}
	if _, present := fields["crit"]; present {
		return Header{}, fmt.Errorf("%w: critical header extensions not supported", ErrMalformed)
	}
	return h, nil
}

// TypIs reports whether typ names the media type want (RFC 7515 §4.1.9).
func TypIs(typ, want string) bool {
	if len(typ) > len("application/") && strings.EqualFold(typ[:len("application/")], "application/") {
		typ = typ[len("application/"):]
	}
	return strings.EqualFold(typ, want)
}

// VerifyKID verifies s with the key in keys whose kid is the header's kid,
// returning the header and payload. A key is usable if it is a P-256 ECDSA
// key whose "use" (if set) is "sig" and "alg" (if set) is ES256.
func VerifyKID(s, wantTyp string, keys jose.JSONWebKeySet) (Header, []byte, error) {
	h, err := ParseHeader(s, wantTyp)
	if err != nil {
		return Header{}, nil, err
	}
	if h.KeyID == "" {
		return Header{}, nil, fmt.Errorf("%w: header has no kid", ErrUnknownKey)
	}
	var candidates []*ecdsa.PublicKey
	for _, k := range keys.Key(h.KeyID) {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != string(Alg) {
			continue
		}
		if pub, ok := p256(k.Key); ok {
			candidates = append(candidates, pub)
		}
	}
	if len(candidates) == 0 {
		return Header{}, nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, h.KeyID)
	}
	obj, err := parse(s)
	if err != nil {
		return Header{}, nil, err
	}
	for _, pub := range candidates {
		if payload, err := obj.Verify(pub); err == nil {
			return h, payload, nil
		}
	}
	return Header{}, nil, ErrSignature
}

// VerifyKey verifies s with the P-256 public key pub.
func VerifyKey(s, wantTyp string, pub *ecdsa.PublicKey) (Header, []byte, error) {
	h, err := ParseHeader(s, wantTyp)
	if err != nil {
		return Header{}, nil, err
	}
	if pub == nil || pub.Curve != elliptic.P256() {
		return Header{}, nil, ErrKey
	}
	obj, err := parse(s)
	if err != nil {
		return Header{}, nil, err
	}
	payload, err := obj.Verify(pub)
	if err != nil {
		return Header{}, nil, ErrSignature
	}
	return h, payload, nil
}

func parse(s string) (*jose.JSONWebSignature, error) {
	obj, err := jose.ParseSignedCompact(s, []jose.SignatureAlgorithm{Alg})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return obj, nil
}

// P256 returns the P-256 public key of a JWK holding a P-256 ECDSA public or
// private key.
func P256(k *jose.JSONWebKey) (*ecdsa.PublicKey, bool) {
	if k == nil {
		return nil, false
	}
	return p256(k.Key)
}

func p256(key any) (*ecdsa.PublicKey, bool) {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		if k != nil && k.Curve == elliptic.P256() {
			return k, true
		}
	case *ecdsa.PrivateKey:
		if k != nil && k.Curve == elliptic.P256() {
			return &k.PublicKey, true
		}
	}
	return nil, false
}
