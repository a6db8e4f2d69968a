package liveness

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/netid-project/netid/internal/jws"
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
	if err := s.checkKey(); err != nil {
		return "", err
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
	out, err := jws.Sign(s.Key, TokenType, s.KeyID, payload)
	if err != nil {
		return "", fmt.Errorf("liveness: attest: sign: %w", err)
	}
	return out, nil
}

// checkKey checks that Key is a P-256 key (ES256) or an SM2 key (SM2).
func (s Signer) checkKey() error {
	if s.Key == nil {
		return errors.New("liveness: attest: signer has no key")
	}
	if _, ok := jws.AlgorithmFor(s.Key.Public()); !ok {
		return errors.New("liveness: attest: key is neither a P-256 nor an SM2 key")
	}
	return nil
}

// JWKS returns the signer's public key as a JWK set, ready to be saved as
// <Issuer>.json in the platform's trust list. It is empty if Key is nil.
func (s Signer) JWKS() jose.JSONWebKeySet {
	if s.Key == nil {
		return jose.JSONWebKeySet{}
	}
	alg, _ := jws.AlgorithmFor(s.Key.Public())
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key:       s.Key.Public(),
		KeyID:     s.KeyID,
		Algorithm: string(alg),
		Use:       "sig",
	}}}
}
