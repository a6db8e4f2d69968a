package holder

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/holder/proof"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/storage"
)

// ProofType is the JWS typ of a holder proof (proof.Type).
const ProofType = proof.Type

// Header is the HTTP header that carries a holder proof (proof.Header).
const Header = proof.Header

// Errors a caller tells apart.
var (
	// ErrUnauthenticated: the proof is missing, malformed, forged or stale.
	ErrUnauthenticated = errors.New("holder proof invalid")
	// ErrReplay: the proof was already used.
	ErrReplay = errors.New("holder proof already used")
	// ErrInactive: the credential is suspended, revoked or expired.
	ErrInactive = errors.New("network credential is not active")
)

type claims = proof.Claims

// Sign makes a holder proof for one request (proof.Sign, which a wallet
// calls without linking this package).
func Sign(key crypto.Signer, credentialID, method, url string, now time.Time, rnd io.Reader) (string, error) {
	return proof.Sign(key, credentialID, method, url, now, rnd)
}

// Store is what verification reads (storage.Storage satisfies it).
type Store interface {
	// GetCredentialHolder reads the credential a proof names and its
	// person in one read.
	GetCredentialHolder(ctx context.Context, id string) (storage.Credential, storage.Person, error)
	UseNonce(ctx context.Context, key string, expiresAt time.Time) error
}

// Holder is an authenticated holder.
type Holder struct {
	Credential storage.Credential
	Person     storage.Person
}

// Verifier checks holder proofs.
type Verifier struct {
	Store Store
	// MaxAge bounds how old (and how far in the future) a proof's iat may
	// be; default one minute.
	MaxAge time.Duration
	Now    func() time.Time
}

// Verify authenticates a request by its holder proof; method and url are
// the request's method and absolute URL including its query, as sent
// (proof.Claims).
func (v Verifier) Verify(ctx context.Context, proof, method, url string) (Holder, error) {
	h, p, err := v.VerifyDeferred(ctx, proof, method, url)
	if err != nil {
		return Holder{}, err
	}
	if err := p.Use(ctx, v.Store); err != nil {
		return Holder{}, err
	}
	return h, nil
}

// Proof is a verified holder proof's one-time value, not yet recorded.
type Proof struct {
	key     string
	expires time.Time
}

// NonceStore records one-time values (storage.Storage, or one of its
// transactions).
type NonceStore interface {
	UseNonce(ctx context.Context, key string, expiresAt time.Time) error
}

// Use records the proof as used in st; ErrReplay if it already was. A
// request authenticated by VerifyDeferred uses its proof in the
// transaction of the change it makes, so that the proof's record and the
// change commit together, and on its own if that transaction fails: either
// way the proof cannot serve again.
func (p Proof) Use(ctx context.Context, st NonceStore) error {
	if p.key == "" {
		return fmt.Errorf("%w: no proof to record", ErrUnauthenticated)
	}
	if err := st.UseNonce(ctx, p.key, p.expires); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return ErrReplay
		}
		return fmt.Errorf("holder: recording proof: %w", err)
	}
	return nil
}

// Nonce is the proof's one-time value, for a change that records it in
// its own statement (storage.SessionClaim.Nonce, storage.SessionEnd.Nonce)
// instead of through Use; the store's ErrAlreadyExists for it means
// ErrReplay.
func (p Proof) Nonce() storage.Nonce {
	return storage.Nonce{Key: p.key, ExpiresAt: p.expires}
}

// VerifyDeferred is Verify without recording the proof's one-time value:
// the caller must Use the Proof before the request changes anything or
// answers with anything but an error (see Proof.Use).
func (v Verifier) VerifyDeferred(ctx context.Context, proof, method, url string) (Holder, Proof, error) {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	maxAge := v.MaxAge
	if maxAge == 0 {
		maxAge = time.Minute
	}
	if proof == "" {
		return Holder{}, Proof{}, fmt.Errorf("%w: missing %s header", ErrUnauthenticated, Header)
	}
	// The kid names the credential whose bound device key must have signed.
	var c storage.Credential
	var p storage.Person
	keys := jws.KeyFunc(func(t *jws.Token) ([]jose.JSONWebKey, error) {
		var err error
		c, p, err = v.Store.GetCredentialHolder(ctx, t.Header.KeyID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("%w: unknown credential", ErrUnauthenticated)
		}
		if err != nil {
			return nil, fmt.Errorf("holder: loading credential: %w", err)
		}
		key, err := jws.ParsePublicJWK(c.DeviceKey)
		if err != nil {
			return nil, fmt.Errorf("holder: stored device key: %w", err)
		}
		return []jose.JSONWebKey{*key}, nil
	})
	// Compact serialization only (as for a DPoP proof), typ ProofType.
	var cl claims
	_, err := jws.VerifyClaims(proof, jws.Expect{Typ: ProofType, Keys: keys}, &cl)
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return Holder{}, Proof{}, err
	case errors.Is(err, jws.ErrType):
		return Holder{}, Proof{}, fmt.Errorf("%w: typ must be %s", ErrUnauthenticated, ProofType)
	case errors.Is(err, jws.ErrSignature), errors.Is(err, jws.ErrUnknownKey):
		return Holder{}, Proof{}, fmt.Errorf("%w: signature does not verify", ErrUnauthenticated)
	case errors.Is(err, jws.ErrMalformed), errors.Is(err, jws.ErrAlgorithm):
		return Holder{}, Proof{}, fmt.Errorf("%w: malformed", ErrUnauthenticated)
	case err != nil:
		return Holder{}, Proof{}, err
	}
	if cl.Method != method || cl.URL != url {
		return Holder{}, Proof{}, fmt.Errorf("%w: proof is for another request", ErrUnauthenticated)
	}
	iat := time.Unix(cl.Iat, 0)
	if iat.Before(now.Add(-maxAge)) || iat.After(now.Add(maxAge)) {
		return Holder{}, Proof{}, fmt.Errorf("%w: issued-at time is not fresh", ErrUnauthenticated)
	}
	if cl.JTI == "" {
		return Holder{}, Proof{}, fmt.Errorf("%w: missing jti", ErrUnauthenticated)
	}
	if c.Status != storage.CredentialActive || !now.Before(c.ExpiresAt) {
		return Holder{}, Proof{}, ErrInactive
	}
	if p.State != storage.PersonActive {
		return Holder{}, Proof{}, ErrInactive
	}
	return Holder{Credential: c, Person: p}, Proof{key: "holder-proof:" + c.ID + ":" + cl.JTI, expires: iat.Add(2 * maxAge)}, nil
}
