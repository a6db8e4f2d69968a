package suite

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"

	"github.com/emmansun/gmsm/sm2"
	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
)

// Or is s, or d if s is the zero Suite: a component left without a suite
// takes its caller's default (ES256 in every component today).
func (s Suite) Or(d Suite) Suite {
	if s.Valid() {
		return s
	}
	return d
}

// PublicKey returns the public key of key if it is a key of
// SignatureAlgorithm: a P-256 key on es256, an SM2 key on sm. key is a
// public or private key, or a *jose.JSONWebKey or jws.JWK holding one.
// Holder, device and trust keys are checked with it where they enter: a
// key of the other suite is refused.
func (s Suite) PublicKey(key any) (*ecdsa.PublicKey, bool) {
	switch k := key.(type) {
	case *jose.JSONWebKey:
		if k == nil {
			return nil, false
		}
		key = k.Key
	case jws.JWK:
		key = k.Key
	case *jws.JWK:
		if k == nil {
			return nil, false
		}
		key = k.Key
	}
	if key == nil {
		return nil, false
	}
	pub, ok := s.p.signingKey(key)
	if !ok {
		return nil, false
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	return ec, ok
}

// ErrKey is returned for a key that is not of the suite's signature
// algorithm.
var ErrKey = errors.New("suite: not a key of the crypto suite")

// ParsePublicJWK reads a public JWK (JSON: jws.ParsePublicJWK) holding a
// key of SignatureAlgorithm; a key of the other suite is ErrKey.
func (s Suite) ParsePublicJWK(b []byte) (*jose.JSONWebKey, *ecdsa.PublicKey, error) {
	k, err := jws.ParsePublicJWK(b)
	if err != nil {
		return nil, nil, err
	}
	pub, err := s.CheckPublicKey(k)
	if err != nil {
		return nil, nil, err
	}
	return k, pub, nil
}

// CheckPublicKey is PublicKey with an error naming the algorithm wanted
// (wrapping ErrKey).
func (s Suite) CheckPublicKey(key any) (*ecdsa.PublicKey, error) {
	pub, ok := s.PublicKey(key)
	if !ok {
		return nil, fmt.Errorf("%w: want a %s key (crypto suite %s)", ErrKey, s.KeyName(), s.p.name)
	}
	return pub, nil
}

// KeyName names the suite's keys for messages: "P-256" or "SM2".
func (s Suite) KeyName() string {
	if s.p.sigAlg == jws.SM2 {
		return "SM2"
	}
	return "P-256"
}

// GenerateKey returns a new private key of SignatureAlgorithm in the form
// of a holder's or device's key, an *ecdsa.PrivateKey (an SM2 key's is the
// ecdsa.PrivateKey inside the *sm2.PrivateKey, which jws.Sign signs SM2
// with).
func (s Suite) GenerateKey(rand io.Reader) (*ecdsa.PrivateKey, error) {
	k, err := s.GenerateSigningKey(rand)
	if err != nil {
		return nil, err
	}
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		return k, nil
	case *sm2.PrivateKey:
		return &k.PrivateKey, nil
	}
	return nil, fmt.Errorf("suite %s: generated a %T", s.p.name, k)
}

// OfKey returns the suite whose SignatureAlgorithm key is a key of (a
// public or private key or a JWK holding one).
func OfKey(key any) (Suite, bool) {
	for _, st := range All() {
		if _, ok := st.PublicKey(key); ok {
			return st, true
		}
	}
	return Suite{}, false
}

// KeyID is the RFC 7638 thumbprint of key (a public or private key or a
// JWK holding one) under the hash of the suite the key belongs to,
// base64url: SHA-256 of a P-256 key's JWK, SM3 of an SM2 key's
// (docs/sm-profile.md §3). It names a holder's or device's key (a jkt)
// whatever the deployment's suite, as the key itself says which.
func KeyID(key any) (string, error) {
	st, ok := OfKey(key)
	if !ok {
		return "", ErrKey
	}
	pub, _ := st.PublicKey(key)
	return st.KeyID(pub)
}
