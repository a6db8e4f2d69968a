package jws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/strictjson"
)

// JWK is one public JWK (RFC 7517) that may hold an SM2 key: written and
// read as the members of JWKS are (an SM2 key as the SM2 JWK of
// docs/sm-profile.md, any other by go-jose). It is the form of a holder's
// or a device's public key inside a JSON document, such as a credential's
// cnf.jwk. Its zero value holds no key.
type JWK jose.JSONWebKey

// MarshalJSON writes the public JWK; a private key is refused.
func (k JWK) MarshalJSON() ([]byte, error) {
	jk := jose.JSONWebKey(k)
	if pub, ok := sm2Public(jk.Key); ok {
		if _, public := jk.Key.(*ecdsa.PublicKey); !public {
			return nil, errors.New("jws: the JWK holds an SM2 private key")
		}
		return SM2JWK{Key: pub, KeyID: jk.KeyID, Algorithm: jk.Algorithm, Use: jk.Use}.MarshalJSON()
	}
	if jk.Key == nil || !jk.IsPublic() {
		return nil, errors.New("jws: the JWK holds no public key")
	}
	return jk.MarshalJSON()
}

// UnmarshalJSON reads a public JWK strictly (ParsePublicJWK).
func (k *JWK) UnmarshalJSON(b []byte) error {
	jk, err := ParsePublicJWK(b)
	if err != nil {
		return err
	}
	*k = JWK(*jk)
	return nil
}

// ParsePublicJWK reads one public JWK: strict JSON (no duplicate
// members), no private member, an SM2 key by ParseSM2JWK and any other by
// go-jose.
func ParsePublicJWK(b []byte) (*jose.JSONWebKey, error) {
	m, err := strictjson.DecodeObject(b)
	if err != nil {
		return nil, fmt.Errorf("jws: JWK: %w", err)
	}
	return PublicJWKFromObject(m)
}

// PublicJWKFromObject is ParsePublicJWK for a JWK already decoded into a
// JSON object (a member of a strictly decoded token).
func PublicJWKFromObject(m map[string]any) (*jose.JSONWebKey, error) {
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
		if _, ok := m[private]; ok {
			return nil, errors.New("jws: the JWK holds a private key")
		}
	}
	if m["crv"] == SM2Curve {
		k, err := sm2JWKFromObject(m)
		if err != nil {
			return nil, err
		}
		return &jose.JSONWebKey{Key: k.Key, KeyID: k.KeyID, Algorithm: k.Algorithm, Use: k.Use}, nil
	}
	if k, ok := p256JWKFromObject(m); ok {
		return k, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("jws: JWK: %w", err)
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(b); err != nil || !k.IsPublic() {
		return nil, errors.New("jws: not a public JWK")
	}
	return &k, nil
}

// p256JWKFromObject reads the common case of a P-256 public JWK directly:
// kty "EC", crv "P-256", x and y of 32 bytes each in unpadded base64url,
// a point of the curve, and no member but kid, alg and use (strings). It
// reports false for anything else, which PublicJWKFromObject leaves to
// go-jose, so this path accepts nothing go-jose would refuse and returns
// what go-jose would (FuzzP256JWKAsGoJose). Going through go-jose means
// writing the decoded object back to JSON and decoding it again by
// reflection: a holder's key is read at each of their steps, and a
// presentation's at each verification.
func p256JWKFromObject(m map[string]any) (*jose.JSONWebKey, bool) {
	if m["kty"] != "EC" || m["crv"] != "P-256" {
		return nil, false
	}
	k := &jose.JSONWebKey{}
	for name, v := range m {
		switch name {
		case "kty", "crv", "x", "y":
		case "kid", "alg", "use":
			s, ok := v.(string)
			if !ok {
				return nil, false
			}
			switch name {
			case "kid":
				k.KeyID = s
			case "alg":
				k.Algorithm = s
			default:
				k.Use = s
			}
		default:
			return nil, false
		}
	}
	var point [65]byte
	point[0] = 4
	for i, name := range []string{"x", "y"} {
		s, _ := m[name].(string)
		if len(s) != 43 {
			return nil, false
		}
		if n, err := B64.Decode(point[1+32*i:1+32*(i+1)], []byte(s)); err != nil || n != 32 {
			return nil, false
		}
	}
	// A point off the curve is refused (and the point at infinity has no
	// uncompressed form).
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point[:])
	if err != nil {
		return nil, false
	}
	k.Key = pub
	return k, true
}
