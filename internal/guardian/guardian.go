package guardian

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// Relationships a Claim may assert.
const (
	Parent   = "parent"
	Guardian = "guardian"
)

// TokenType is the JWS "typ" header of an attestation.
const TokenType = "guardian-relationship+jwt"

// clockSkew is the tolerance for the issuer's clock when checking iat and
// exp.
const clockSkew = time.Minute

// maxEvidence bounds the evidence Verify parses.
const maxEvidence = 8 << 10

// Claim is what an attestation asserts: the guardian (by 网号) is the
// parent or legal guardian of the child identified by ChildRef, an opaque
// reference the platform computes from the child's document (a blind
// index, never the plaintext number).
type Claim struct {
	Guardian     string
	ChildRef     string
	Relationship string // Parent or Guardian
}

// Verifier checks guardian relationship evidence.
type Verifier interface {
	// Verify returns nil if evidence, at now, proves want. An empty
	// want.Relationship accepts either relationship; want.Guardian and
	// want.ChildRef must be set. Errors wrap ErrInvalid, ErrUntrusted,
	// ErrExpired or ErrMismatch (or are ctx's error), and never contain the
	// guardian or the child reference.
	Verify(ctx context.Context, evidence string, want Claim, now time.Time) error
}

var (
	// ErrUntrusted: the attestation's issuer is not in the trust list, or
	// names a key the issuer is not trusted with.
	ErrUntrusted = errors.New("guardian: attestation issuer or key not trusted")
	// ErrInvalid: the evidence is not a well-formed ES256 attestation of
	// the right type with a valid signature and the required claims.
	ErrInvalid = errors.New("guardian: invalid relationship attestation")
	// ErrMismatch: the attestation is valid but asserts another
	// relationship, guardian or child than the one wanted.
	ErrMismatch = errors.New("guardian: attestation does not match the application")
	// ErrExpired: the attestation has expired, or is older than MaxAge.
	ErrExpired = errors.New("guardian: relationship attestation expired")
	// ErrInvalidClaim: a claim to attest lacks a guardian or a child
	// reference, names a relationship other than parent or guardian, or
	// holds a reference that is too long or not printable ASCII.
	ErrInvalidClaim = errors.New("guardian: invalid relationship claim")
)

// maxRefLen bounds Claim.Guardian and Claim.ChildRef: a 网号 and a
// base64url SHA-256 digest (with a short prefix) are far shorter.
const maxRefLen = 128

// validRef reports whether s can name a guardian or a child: 1 to
// maxRefLen printable ASCII characters without spaces.
func validRef(s string) bool {
	if s == "" || len(s) > maxRefLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// claims is the JWT claims set of an attestation.
type claims struct {
	jwt.Claims
	Guardian     string `json:"guardian"`
	ChildRef     string `json:"child_ref"`
	Relationship string `json:"relationship"`
}

func validRelationship(r string) bool { return r == Parent || r == Guardian }

// JWSVerifier verifies attestations from the authorities in Trusted.
type JWSVerifier struct {
	// Trusted maps each trusted issuer ("iss") to its public keys.
	Trusted map[string]jose.JSONWebKeySet
	// MaxAge, if positive, rejects attestations issued longer ago than
	// this, whatever their expiry.
	MaxAge time.Duration
	// Suite is the deployment's crypto suite: only trusted keys of it
	// (SM2 on sm, P-256 on es256) verify. Default suite.ES256.
	Suite suite.Suite
}

var _ Verifier = (*JWSVerifier)(nil)

// Verify implements Verifier. It checks, in order: the token parses as a
// compact JWS with alg ES256 and typ TokenType; its issuer is in Trusted;
// the signature verifies under the issuer's key named by "kid" (or, without
// "kid", any of the issuer's keys); iss, iat, exp, guardian, child_ref and
// relationship are present and well formed; iat is not in the future; exp
// and MaxAge have not passed at now; and the claims equal want.
func (v *JWSVerifier) Verify(ctx context.Context, evidence string, want Claim, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if want.Guardian == "" || want.ChildRef == "" {
		return fmt.Errorf("%w: nothing to match (empty guardian or child reference wanted)", ErrMismatch)
	}
	if len(evidence) > maxEvidence {
		return fmt.Errorf("%w: too long", ErrInvalid)
	}
	var issuer string
	keys := jws.KeyFunc(func(t *jws.Token) ([]jose.JSONWebKey, error) {
		var unverified claims
		if err := t.UnverifiedClaims(&unverified); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		set, ok := v.Trusted[unverified.Issuer]
		if !ok || unverified.Issuer == "" {
			return nil, ErrUntrusted
		}
		issuer = unverified.Issuer
		candidates := set.Keys
		if t.Header.KeyID != "" {
			candidates = set.Key(t.Header.KeyID)
		}
		// Only keys of the deployment's suite verify.
		var keys []jose.JSONWebKey
		for _, k := range candidates {
			if _, ok := v.Suite.Or(suite.ES256).PublicKey(&k); ok {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("%w: unknown key ID", ErrUntrusted)
		}
		return keys, nil
	})
	var c claims
	_, err := jws.VerifyClaims(evidence, jws.Expect{Typ: TokenType, Keys: keys}, &c)
	switch {
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrUntrusted):
		return err
	case errors.Is(err, jws.ErrUnknownKey), errors.Is(err, jws.ErrSignature):
		return fmt.Errorf("%w: signature does not verify", ErrInvalid)
	case err != nil:
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}

	switch {
	case c.Issuer != issuer: // cannot happen: same payload
		return fmt.Errorf("%w: issuer changed", ErrInvalid)
	case c.IssuedAt == nil || c.Expiry == nil:
		return fmt.Errorf("%w: iat and exp are required", ErrInvalid)
	case c.Guardian == "" || c.ChildRef == "" || !validRelationship(c.Relationship):
		return fmt.Errorf("%w: guardian, child_ref and relationship (parent or guardian) are required", ErrInvalid)
	}
	iat, exp := c.IssuedAt.Time(), c.Expiry.Time()
	switch {
	case iat.After(now.Add(clockSkew)):
		return fmt.Errorf("%w: issued in the future", ErrInvalid)
	case !exp.After(iat):
		return fmt.Errorf("%w: expires before it is issued", ErrInvalid)
	case !now.Before(exp.Add(clockSkew)):
		return ErrExpired
	case v.MaxAge > 0 && now.Sub(iat) > v.MaxAge+clockSkew:
		return fmt.Errorf("%w: older than the accepted age", ErrExpired)
	}

	switch {
	case c.Guardian != want.Guardian:
		return fmt.Errorf("%w: other guardian", ErrMismatch)
	case c.ChildRef != want.ChildRef:
		return fmt.Errorf("%w: other child", ErrMismatch)
	case want.Relationship != "" && c.Relationship != want.Relationship:
		return fmt.Errorf("%w: other relationship", ErrMismatch)
	}
	return nil
}

// LoadTrust reads a trust list from dir: each file <issuer>.json is the JWK
// set of that issuer. Issuers that are URLs are written path-escaped
// (https%3A%2F%2Fauthority.example.json). Other files and subdirectories
// are ignored. A missing dir is an empty trust list. Every key must be a
// public ECDSA P-256 key for signing.
func LoadTrust(dir string) (map[string]jose.JSONWebKeySet, error) {
	trusted := make(map[string]jose.JSONWebKeySet)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return trusted, nil
	}
	if err != nil {
		return nil, fmt.Errorf("guardian: reading trust list: %w", err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !e.Type().IsRegular() || name == "" {
			continue
		}
		issuer, err := unescapeIssuer(name)
		if err != nil {
			return nil, fmt.Errorf("guardian: trust list file %s: %w", e.Name(), err)
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("guardian: reading trust list: %w", err)
		}
		var parsed jws.JWKS
		if err := json.Unmarshal(b, &parsed); err != nil {
			return nil, fmt.Errorf("guardian: trust list file %s: %w", e.Name(), err)
		}
		set := jose.JSONWebKeySet(parsed)
		if err := checkKeys(set); err != nil {
			return nil, fmt.Errorf("guardian: trust list file %s: %w", e.Name(), err)
		}
		trusted[issuer] = set
	}
	return trusted, nil
}

// unescapeIssuer turns a trust list file name (without ".json") into the
// issuer it names.
func unescapeIssuer(name string) (string, error) {
	issuer, err := url.PathUnescape(name)
	if err != nil || issuer == "" {
		return "", errors.New("file name is not a path-escaped issuer")
	}
	return issuer, nil
}

func checkKeys(set jose.JSONWebKeySet) error {
	if len(set.Keys) == 0 {
		return errors.New("no keys")
	}
	for i, k := range set.Keys {
		if _, sm2 := jws.SM2PublicKey(k.Key); !sm2 && (!k.Valid() || !k.IsPublic()) {
			return fmt.Errorf("key %d: not a valid public key", i)
		}
		_, isPublic := k.Key.(*ecdsa.PublicKey)
		if _, ok := jws.AlgorithmFor(k.Key); !ok || !isPublic {
			return fmt.Errorf("key %d: neither an ECDSA P-256 nor an SM2 public key", i)
		}
		if k.Use != "" && k.Use != "sig" {
			return fmt.Errorf("key %d: not a signing key", i)
		}
	}
	return nil
}

// Authority issues attestations. Key must be an ECDSA P-256 key; it may be
// an *ecdsa.PrivateKey or any crypto.Signer (an HSM or KMS key). An empty
// KeyID is replaced by the key's RFC 7638 thumbprint.
type Authority struct {
	Issuer string
	Key    crypto.Signer
	KeyID  string
}

// Attest signs an attestation of c, issued at now and valid for validity.
func (a Authority) Attest(c Claim, now time.Time, validity time.Duration) (string, error) {
	switch {
	case a.Issuer == "":
		return "", errors.New("guardian: authority has no issuer")
	case !validRef(c.Guardian):
		return "", fmt.Errorf("%w: the guardian must be 1 to %d printable ASCII characters", ErrInvalidClaim, maxRefLen)
	case !validRef(c.ChildRef):
		return "", fmt.Errorf("%w: the child reference must be 1 to %d printable ASCII characters", ErrInvalidClaim, maxRefLen)
	case !validRelationship(c.Relationship):
		return "", fmt.Errorf("%w: relationship must be parent or guardian", ErrInvalidClaim)
	case validity <= 0:
		return "", errors.New("guardian: validity must be positive")
	}
	jwk, err := a.publicJWK()
	if err != nil {
		return "", err
	}
	tok, err := jws.SignClaims(a.Key, TokenType, jwk.KeyID, claims{
		Claims: jwt.Claims{
			Issuer:   a.Issuer,
			IssuedAt: jwt.NewNumericDate(now),
			Expiry:   jwt.NewNumericDate(now.Add(validity)),
		},
		Guardian:     c.Guardian,
		ChildRef:     c.ChildRef,
		Relationship: c.Relationship,
	})
	if err != nil {
		return "", fmt.Errorf("guardian: signing attestation: %w", err)
	}
	return tok, nil
}

// JWKS returns the authority's public key as a JWK set, for a trust list.
// It returns an empty set if Key is not an ECDSA P-256 key.
func (a Authority) JWKS() jose.JSONWebKeySet {
	jwk, err := a.publicJWK()
	if err != nil {
		return jose.JSONWebKeySet{}
	}
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}}
}

// publicJWK returns the public half of Key as a signing JWK with its key ID.
func (a Authority) publicJWK() (jose.JSONWebKey, error) {
	if a.Key == nil {
		return jose.JSONWebKey{}, errors.New("guardian: authority has no key")
	}
	pub, ok := a.Key.Public().(*ecdsa.PublicKey)
	alg, known := jws.AlgorithmFor(a.Key.Public())
	if !ok || !known {
		return jose.JSONWebKey{}, errors.New("guardian: authority key is neither ECDSA P-256 nor SM2")
	}
	jwk := jose.JSONWebKey{Key: pub, KeyID: a.KeyID, Algorithm: string(alg), Use: "sig"}
	if jwk.KeyID == "" {
		// The thumbprint under the key's suite's hash.
		tp, err := suite.KeyID(pub)
		if err != nil {
			return jose.JSONWebKey{}, fmt.Errorf("guardian: key thumbprint: %w", err)
		}
		jwk.KeyID = tp
	}
	return jwk, nil
}
