package relyingparty

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// Store is what this package needs of the storage (storage.Storage has
// it): the relying parties and, for client assertions, one-time values.
type Store interface {
	CreateRelyingParty(ctx context.Context, rp storage.RelyingParty) error
	GetRelyingParty(ctx context.Context, id string) (storage.RelyingParty, error)
	ListRelyingParties(ctx context.Context) ([]storage.RelyingParty, error)
	UpdateRelyingParty(ctx context.Context, id string, fn func(storage.RelyingParty) (storage.RelyingParty, error)) (storage.RelyingParty, error)
	UseNonce(ctx context.Context, key string, expiresAt time.Time) error
}

var _ Store = storage.Storage(nil)

// Sentinel errors of the Registry.
var (
	// ErrExists: a relying party with this ID is already registered. It
	// also wraps storage.ErrAlreadyExists.
	ErrExists = errors.New("relyingparty: relying party already registered")
	// ErrNotFound: no relying party has this ID. It also wraps
	// storage.ErrNotFound.
	ErrNotFound = errors.New("relyingparty: relying party not found")
)

// Registry registers relying parties and changes their registration.
type Registry struct {
	Store Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of client secrets; nil means crypto/rand.Reader.
	Rand io.Reader
	// MAC computes the keyed hashes client secrets are stored under
	// (keys.Indexer.MAC); registering or rotating a client secret needs it.
	MAC MACFunc
	// Suite is the deployment's crypto suite; the zero Suite is ES256. A
	// private_key_jwt client's keys must be its keys (SM2 on sm, P-256 on
	// es256), and a relying party's ID tokens are signed with the suite's
	// algorithm (ES256 or SM2) unless it registers RS256; the other suite's
	// algorithm is refused, as the platform keeps no key for it.
	Suite suite.Suite
}

// idTokenAlg sets r's ID token algorithm to the suite's when empty, and
// reports one the platform keeps no key for.
func (g *Registry) idTokenAlg(r *Registration, v *validator) {
	st := cmp.Or(g.Suite, suite.ES256)
	own := string(st.SignatureAlgorithm())
	switch r.IDTokenAlg {
	case "":
		r.IDTokenAlg = own
	case own, IDTokenAlgRS256:
	default:
		if slices.Contains(IDTokenAlgs(), r.IDTokenAlg) {
			v.add("id_token_signed_response_alg", fmt.Sprintf("must be %s or %s on this platform (crypto suite %s)", own, IDTokenAlgRS256, st))
		}
	}
}

func (g *Registry) now() time.Time {
	if g.Now != nil {
		return g.Now().UTC()
	}
	return time.Now().UTC()
}

func (g *Registry) rand() io.Reader {
	if g.Rand != nil {
		return g.Rand
	}
	return rand.Reader
}

// secretHash is the stored form of a new client secret.
func (g *Registry) secretHash(id, secret string) (string, error) {
	if g.MAC == nil {
		return "", errors.New("relyingparty: the registry has no secret key configured")
	}
	return SecretHash(g.MAC, id, secret), nil
}

// Register validates r and stores it as a new relying party. For
// client_secret_basic it returns the client secret in clear (r.Secret, or
// a generated one): this is the only time it is available, since only its
// keyed hash (SecretHash) is stored. Otherwise the secret is "". The always-provided
// claims (verified, sub) are added to AllowedClaims, which is stored in
// canonical order; the key set is stored with public parts only.
//
// Errors: a *ValidationError (ErrInvalid), ErrExists.
func (g *Registry) Register(ctx context.Context, r Registration) (storage.RelyingParty, string, error) {
	var v validator
	if ve, ok := errors.AsType[*ValidationError](r.validateFor(g.Suite.Or(suite.ES256))); ok {
		v.problems = append(v.problems, ve.Problems...)
	}
	checkInPerson(r, &v)
	g.idTokenAlg(&r, &v)
	if err := v.err(); err != nil {
		return storage.RelyingParty{}, "", err
	}
	if r.Sector == "" {
		r.Sector = r.ID
	}
	rp, err := toRelyingParty(r, g.Suite)
	if err != nil {
		return storage.RelyingParty{}, "", err
	}
	var secret string
	if r.AuthMethod == storage.AuthClientSecret {
		secret = r.Secret
		if secret == "" {
			if secret, err = g.newSecret(); err != nil {
				return storage.RelyingParty{}, "", err
			}
		}
		if rp.SecretHash, err = g.secretHash(rp.ID, secret); err != nil {
			return storage.RelyingParty{}, "", err
		}
	}
	now := g.now()
	rp.CreatedAt, rp.UpdatedAt = now, now
	if err := g.Store.CreateRelyingParty(ctx, rp); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return storage.RelyingParty{}, "", fmt.Errorf("%w: %w", ErrExists, err)
		}
		return storage.RelyingParty{}, "", fmt.Errorf("relyingparty: storing the relying party: %w", err)
	}
	return rp, secret, nil
}

// Get returns the relying party id. Errors: ErrNotFound.
func (g *Registry) Get(ctx context.Context, id string) (storage.RelyingParty, error) {
	rp, err := g.Store.GetRelyingParty(ctx, id)
	if err != nil {
		return storage.RelyingParty{}, notFound(err)
	}
	return rp, nil
}

// List returns every relying party ordered by ID.
func (g *Registry) List(ctx context.Context) ([]storage.RelyingParty, error) {
	rps, err := g.Store.ListRelyingParties(ctx)
	if err != nil {
		return nil, fmt.Errorf("relyingparty: listing relying parties: %w", err)
	}
	return rps, nil
}

// Update changes the registration of relying party id: fn receives its
// current registration (Secret empty) and edits it; the result is
// validated like a new one. ID and Sector cannot change (a new sector
// would change every person's pairwise identifier at this relying party),
// nor can Secret be set (use RotateSecret). Switching AuthMethod to
// client_secret_basic leaves the relying party without a secret, so it
// cannot authenticate until RotateSecret; switching away from it drops the
// secret hash.
//
// Errors: fn's error unchanged, a *ValidationError (ErrInvalid),
// ErrNotFound.
func (g *Registry) Update(ctx context.Context, id string, fn func(*Registration) error) (storage.RelyingParty, error) {
	rp, err := g.Store.UpdateRelyingParty(ctx, id, func(old storage.RelyingParty) (storage.RelyingParty, error) {
		r := toRegistration(old)
		if err := fn(&r); err != nil {
			return storage.RelyingParty{}, err
		}
		var v validator
		if r.ID != old.ID {
			v.add("id", "cannot change")
		}
		if r.Sector != old.Sector {
			v.add("sector", "cannot change (it would change every pairwise identifier)")
		}
		if r.Secret != "" {
			v.add("secret", "cannot be set here; rotate the secret instead")
		}
		if ve, ok := errors.AsType[*ValidationError](r.validateFor(g.Suite.Or(suite.ES256))); ok {
			v.problems = append(v.problems, ve.Problems...)
		}
		checkInPerson(r, &v)
		g.idTokenAlg(&r, &v)
		if err := v.err(); err != nil {
			return storage.RelyingParty{}, err
		}
		next, err := toRelyingParty(r, g.Suite)
		if err != nil {
			return storage.RelyingParty{}, err
		}
		if next.AuthMethod == storage.AuthClientSecret && old.AuthMethod == storage.AuthClientSecret {
			next.SecretHash = old.SecretHash
		}
		next.Disabled, next.CreatedAt, next.UpdatedAt = old.Disabled, old.CreatedAt, g.now()
		return next, nil
	})
	if err != nil {
		return storage.RelyingParty{}, notFound(err)
	}
	return rp, nil
}

// RotateSecret replaces the client secret of a client_secret_basic relying
// party with a new random one and returns it in clear, once. The old
// secret stops working at once.
//
// Errors: a *ValidationError (ErrInvalid) for another auth method,
// ErrNotFound.
func (g *Registry) RotateSecret(ctx context.Context, id string) (string, error) {
	secret, err := g.newSecret()
	if err != nil {
		return "", err
	}
	hash, err := g.secretHash(id, secret)
	if err != nil {
		return "", err
	}
	_, err = g.Store.UpdateRelyingParty(ctx, id, func(rp storage.RelyingParty) (storage.RelyingParty, error) {
		if rp.AuthMethod != storage.AuthClientSecret {
			return rp, &ValidationError{Problems: []string{"auth_method: only a client_secret_basic relying party has a secret"}}
		}
		rp.SecretHash, rp.UpdatedAt = hash, g.now()
		return rp, nil
	})
	if err != nil {
		return "", notFound(err)
	}
	return secret, nil
}

// Disable stops relying party id from authenticating (and so from
// starting verifications); its registration and records are kept.
// Disabling a disabled relying party is not an error. Errors: ErrNotFound.
func (g *Registry) Disable(ctx context.Context, id string) error {
	return g.setDisabled(ctx, id, true)
}

// Enable undoes Disable. Errors: ErrNotFound.
func (g *Registry) Enable(ctx context.Context, id string) error {
	return g.setDisabled(ctx, id, false)
}

func (g *Registry) setDisabled(ctx context.Context, id string, disabled bool) error {
	_, err := g.Store.UpdateRelyingParty(ctx, id, func(rp storage.RelyingParty) (storage.RelyingParty, error) {
		if rp.Disabled != disabled {
			rp.Disabled, rp.UpdatedAt = disabled, g.now()
		}
		return rp, nil
	})
	return notFound(err)
}

// notFound wraps a storage not-found error with ErrNotFound and returns
// other errors unchanged.
func notFound(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// newSecret draws a client secret: SecretBytes random bytes, base64url.
func (g *Registry) newSecret() (string, error) {
	b := make([]byte, SecretBytes)
	if _, err := io.ReadFull(g.rand(), b); err != nil {
		return "", fmt.Errorf("relyingparty: drawing a client secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// toRelyingParty converts a validated registration (without its secret).
func toRelyingParty(r Registration, st suite.Suite) (storage.RelyingParty, error) {
	rp := storage.RelyingParty{
		ID:            r.ID,
		Name:          r.Name,
		Sector:        r.Sector,
		Category:      r.Category,
		LegalBasis:    r.LegalBasis,
		Domains:       slices.Clone(r.Domains),
		RedirectURIs:  slices.Clone(r.RedirectURIs),
		AllowedClaims: canonicalClaims(r.AllowedClaims),
		AuthMethod:    r.AuthMethod,
		IDTokenAlg:    cmp.Or(r.IDTokenAlg, DefaultIDTokenAlg),
		AltURL:        r.AltURL,
		AltText:       r.AltText,
	}
	if r.AuthMethod == storage.AuthPrivateKeyJWT {
		set, err := ParseJWKSFor(r.JWKS, st)
		if err != nil {
			return storage.RelyingParty{}, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if rp.JWKS, err = normalJWKS(set); err != nil {
			return storage.RelyingParty{}, err
		}
	}
	return rp, nil
}

// toRegistration is the editable registration of a stored relying party.
func toRegistration(rp storage.RelyingParty) Registration {
	return Registration{
		ID:            rp.ID,
		Name:          rp.Name,
		Sector:        rp.Sector,
		Category:      rp.Category,
		LegalBasis:    rp.LegalBasis,
		Domains:       slices.Clone(rp.Domains),
		RedirectURIs:  slices.Clone(rp.RedirectURIs),
		AllowedClaims: slices.Clone(rp.AllowedClaims),
		AuthMethod:    rp.AuthMethod,
		IDTokenAlg:    rp.IDTokenAlg,
		JWKS:          slices.Clone(rp.JWKS),
		AltURL:        rp.AltURL,
		AltText:       rp.AltText,
	}
}
