package jws

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/strictjson"
)

// JWKS is a JWK set (RFC 7517 §5) that may hold SM2 keys, which go-jose
// can neither write nor read: an SM2 member is written and read as the
// SM2 JWK of docs/sm-profile.md, every other member by go-jose. A set
// without SM2 keys encodes exactly as jose.JSONWebKeySet does. Convert
// with JWKS(set) and jose.JSONWebKeySet(s).
type JWKS jose.JSONWebKeySet

// MarshalJSON writes {"keys":[…]}.
func (s JWKS) MarshalJSON() ([]byte, error) {
	members := make([]json.RawMessage, len(s.Keys))
	for i, k := range s.Keys {
		var err error
		if pub, ok := sm2Public(k.Key); ok {
			if _, public := k.Key.(*ecdsa.PublicKey); !public {
				return nil, errors.New("jws: a JWK set member holds an SM2 private key")
			}
			members[i], err = SM2JWK{Key: pub, KeyID: k.KeyID, Algorithm: k.Algorithm, Use: k.Use}.MarshalJSON()
		} else {
			members[i], err = k.MarshalJSON()
		}
		if err != nil {
			return nil, fmt.Errorf("jws: JWK set member %d: %w", i, err)
		}
	}
	return json.Marshal(struct {
		Keys []json.RawMessage `json:"keys"`
	}{members})
}

// UnmarshalJSON reads {"keys":[…]} strictly (no duplicate member names);
// other members of the set are ignored (RFC 7517 §5). A member with crv
// "SM2" is read by ParseSM2JWK, any other by go-jose; a member neither
// reads is an error, as with jose.JSONWebKeySet.
func (s *JWKS) UnmarshalJSON(b []byte) error {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := strictjson.Unmarshal(b, &raw, strictjson.IgnoreUnknownFields); err != nil {
		return fmt.Errorf("jws: JWK set: %w", err)
	}
	keys := make([]jose.JSONWebKey, len(raw.Keys))
	for i, m := range raw.Keys {
		var probe struct {
			Crv string `json:"crv"`
		}
		if err := strictjson.Unmarshal(m, &probe, strictjson.IgnoreUnknownFields); err != nil {
			return fmt.Errorf("jws: JWK set member %d: %w", i, err)
		}
		if probe.Crv == SM2Curve {
			k, err := ParseSM2JWK(m)
			if err != nil {
				return fmt.Errorf("jws: JWK set member %d: %w", i, err)
			}
			keys[i] = jose.JSONWebKey{Key: k.Key, KeyID: k.KeyID, Algorithm: k.Algorithm, Use: k.Use}
			continue
		}
		if err := keys[i].UnmarshalJSON(m); err != nil {
			return fmt.Errorf("jws: JWK set member %d: %w", i, err)
		}
	}
	s.Keys = keys
	return nil
}

// KeysOf returns the members of set whose alg is alg, in order: a set
// reduced to what one kind of client reads (the RS256 keys alone, for a
// JOSE library that refuses a whole set holding an SM2 key).
func KeysOf(set jose.JSONWebKeySet, alg Algorithm) jose.JSONWebKeySet {
	out := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(set.Keys))}
	for _, k := range set.Keys {
		if k.Algorithm == string(alg) {
			out.Keys = append(out.Keys, k)
		}
	}
	return out
}
