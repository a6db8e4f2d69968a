package liveness

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DefaultValidity is how long a Signer's attestations are valid when
// Signer.Validity is zero.
const DefaultValidity = 2 * time.Minute

// Signer is a liveness provider's signing side: the development liveness
// provider, tests, or the core of a real provider's service. It attests
// every request as live with the configured Score; a real provider would
// set both from its analysis of Request.Capture.
type Signer struct {
	// Issuer is the provider's name, the "iss" of its attestations and
	// its name in the platform's trust list.
	Issuer string
	// Key is an ECDSA P-256 private key (or any crypto.Signer holding
	// one, such as an HSM handle).
	Key crypto.Signer
	// KeyID is the "kid" of Key in JWKS.
	KeyID string
	// Score is the similarity reported, in [0, 1].
	Score float64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Validity is the attestation's lifetime; zero means DefaultValidity.
	Validity time.Duration
}

var _ Provider = Signer{}

// Attest signs an attestation for r.
func (s Signer) Attest(ctx context.Context, r Request) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("liveness: attest: %w", err)
	}
	if r.Challenge == "" || r.ApplicationID == "" {
		return "", errors.New("liveness: attest: challenge and application are required")
	}
	if s.Issuer == "" || s.KeyID == "" {
		return "", errors.New("liveness: attest: signer needs an issuer and a key ID")
	}
	if math.IsNaN(s.Score) || s.Score < 0 || s.Score > 1 {
		return "", errors.New("liveness: attest: score must be in [0, 1]")
	}
	key, err := s.signingKey()
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{}).WithType(TokenType).WithHeader(jose.HeaderKey("kid"), s.KeyID))
	if err != nil {
		return "", fmt.Errorf("liveness: attest: %w", err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	validity := s.Validity
	if validity <= 0 {
		validity = DefaultValidity
	}
	iat := now()
	score, live := s.Score, true
	payload, err := json.Marshal(claims{
		Issuer:      s.Issuer,
		IssuedAt:    jwt.NewNumericDate(iat),
		Expiry:      jwt.NewNumericDate(iat.Add(validity)),
		Challenge:   r.Challenge,
		Application: r.ApplicationID,
		FaceHash:    encodeFaceHash(r.FaceImageHash),
		Score:       &score,
		Live:        &live,
	})
	if err != nil {
		return "", fmt.Errorf("liveness: attest: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("liveness: attest: sign: %w", err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("liveness: attest: %w", err)
	}
	return out, nil
}

// signingKey returns Key in the form go-jose signs with, after checking it
// is a P-256 key.
func (s Signer) signingKey() (any, error) {
	if s.Key == nil {
		return nil, errors.New("liveness: attest: signer has no key")
	}
	pub, ok := s.Key.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, errors.New("liveness: attest: key is not an ECDSA P-256 key")
	}
	if k, ok := s.Key.(*ecdsa.PrivateKey); ok {
		return k, nil
	}
	return cryptosigner.Opaque(s.Key), nil
}

// JWKS returns the signer's public key as a JWK set, ready to be saved as
// <Issuer>.json in the platform's trust list. It is empty if Key is nil.
func (s Signer) JWKS() jose.JSONWebKeySet {
	if s.Key == nil {
		return jose.JSONWebKeySet{}
	}
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key:       s.Key.Public(),
		KeyID:     s.KeyID,
		Algorithm: string(jose.ES256),
		Use:       "sig",
	}}}
}
