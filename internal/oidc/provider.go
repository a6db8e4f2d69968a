package oidc

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
)

// Paths of the provider's endpoints, below the issuer URL. The JWKS is the
// platform's own (/.well-known/jwks.json, served by package server), as is
// PathJWKSRS256, the same set reduced to its RS256 keys: a client that
// reads key sets with go-jose's JSONWebKeySet, which refuses a whole set
// holding an SM2 key, reads that one on an sm platform (go-oidc skips the
// keys it cannot read and takes the full set).
const (
	PathDiscovery = "/.well-known/openid-configuration"
	PathJWKS      = "/.well-known/jwks.json"
	PathJWKSRS256 = "/.well-known/jwks-rs256.json"
	PathAuthorize = "/oidc/authorize"
	PathToken     = "/oidc/token"
	PathUserinfo  = "/oidc/userinfo"
	// PathAssets holds the authorization page's script and stylesheet.
	PathAssets = "/oidc/assets/"
)

// Store is what the provider reads and keeps (storage.Storage satisfies
// it): relying parties, the verification sessions behind authorizations,
// and grants (authorization codes and access tokens, stored by MAC).
type Store interface {
	GetRelyingParty(ctx context.Context, id string) (storage.RelyingParty, error)
	GetSession(ctx context.Context, id string) (storage.Session, error)
	CreateGrant(ctx context.Context, g storage.Grant) error
	GetGrantByHash(ctx context.Context, hash []byte) (storage.Grant, error)
	UpdateGrant(ctx context.Context, id string, fn func(storage.Grant) (storage.Grant, error)) (storage.Grant, error)
	RevokeGrants(ctx context.Context, sessionID string, at time.Time) error
	GetCredentialHolder(ctx context.Context, id string) (storage.Credential, storage.Person, error)
}

var _ Store = storage.Storage(nil)

// Verifier runs the verification sessions an authorization waits on
// (*verification.Service).
type Verifier interface {
	CreateSession(ctx context.Context, rp storage.RelyingParty, req verification.Request) (verification.Created, error)
	Get(ctx context.Context, rpID, id string) (storage.Session, error)
	Cancel(ctx context.Context, rpID, id string) (storage.Session, error)
	ResultJWT(sess storage.Session) (string, error)
}

var _ Verifier = (*verification.Service)(nil)

// ClientAuthenticator authenticates a relying party at the token endpoint
// (*relyingparty.Authenticator): client_secret_basic, private_key_jwt, or
// none for a public client when allowPublic is set. It must return an error
// for a client that does not authenticate with its registered method.
type ClientAuthenticator interface {
	Authenticate(r *http.Request, allowPublic bool) (storage.RelyingParty, error)
}

// KeySigner gives the platform's active signing key of an algorithm and
// its kid (keys.KeySet); nil for an algorithm it keeps no key for.
type KeySigner interface {
	SignerFor(alg jose.SignatureAlgorithm) (crypto.Signer, string)
}

// IDTokenAlgs are the algorithms ID tokens may be signed with: each
// relying party's registered one (storage.RelyingParty.IDTokenAlg). A
// platform offers those it keeps a signing key for (Provider.Keys): its
// crypto suite's, ES256 or SM2 (docs/sm-profile.md), which is also the
// default, and RS256, because OpenID Connect Core §15.1 requires every
// provider to offer it.
var IDTokenAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.SignatureAlgorithm(jws.SM2), jose.RS256}

// idTokenAlgs are the IDTokenAlgs the platform keeps a key for, the
// default first.
func (p *Provider) idTokenAlgs() []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, 0, len(IDTokenAlgs))
	for _, alg := range IDTokenAlgs {
		if k, _ := p.Keys.SignerFor(alg); k != nil {
			out = append(out, alg)
		}
	}
	return out
}

// Throttle limits the relying parties' calls to userinfo
// (*relyingparty.Throttle): Before refuses an address over its limit of
// failed attempts, Failed counts one, Client takes a request from the
// relying party's limit. Refusals are *relyingparty.RateLimitError.
type Throttle interface {
	Before(r *http.Request) error
	Failed(r *http.Request)
	Client(id string) error
}

var _ Throttle = (*relyingparty.Throttle)(nil)

// MACer computes MACs of bearer secrets (keys.Indexer).
type MACer interface {
	MAC(domain string, secret []byte) []byte
}

// MAC domains of the provider's bearer secrets.
const (
	macCode    = "oidc-code"
	macAccess  = "oidc-access-token"
	macBrowser = "oidc-browser"
)

// Provider is the OpenID Connect provider: discovery, the authorization
// endpoint and page, the token endpoint and userinfo. Create it with its
// fields set, call Check, then Mount.
type Provider struct {
	// Issuer is the platform's public URL without a trailing slash: the
	// iss of ID tokens and the base of every endpoint.
	Issuer       string
	Verification Verifier
	Store        Store
	Clients      ClientAuthenticator
	Keys         KeySigner
	MAC          MACer
	Log          *slog.Logger
	// Throttle, if set, limits userinfo per relying party and failed
	// access tokens per address (the token endpoint is limited by
	// Clients).
	Throttle Throttle
	// CodeTTL bounds an authorization code's life (default 1 minute);
	// TokenTTL an access token's and an ID token's (default 10 minutes).
	CodeTTL  time.Duration
	TokenTTL time.Duration
	// MaxBody bounds request bodies (default 64 KiB).
	MaxBody int64
	// PollInterval is how often the authorization page checks for the
	// holder's answer (default 2 s).
	PollInterval time.Duration
	Now          func() time.Time
	Rand         io.Reader
}

// Check reports every missing dependency at once.
func (p *Provider) Check() error {
	var errs []error
	need := func(ok bool, name string) {
		if !ok {
			errs = append(errs, fmt.Errorf("oidc: %s is not set", name))
		}
	}
	need(p.Issuer != "", "Issuer")
	need(p.Verification != nil, "Verification")
	need(p.Store != nil, "Store")
	need(p.Clients != nil, "Clients")
	need(p.Keys != nil, "Keys")
	need(p.MAC != nil, "MAC")
	return errors.Join(errs...)
}

// Mount registers the provider's routes on mux. It does not register the
// JWKS (package server serves it at PathJWKS).
func (p *Provider) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET "+PathDiscovery, p.discovery)
	mux.HandleFunc("GET "+PathAuthorize, p.authorize)
	mux.HandleFunc("POST "+PathAuthorize, p.authorize)
	mux.HandleFunc("GET "+PathAuthorize+"/{id}", p.page)
	mux.HandleFunc("GET "+PathAuthorize+"/{id}/status", p.pageStatus)
	mux.HandleFunc("POST "+PathAuthorize+"/{id}/cancel", p.cancel)
	mux.HandleFunc("GET "+PathAssets+"{name}", p.asset)
	mux.HandleFunc("POST "+PathToken, p.token)
	mux.HandleFunc("GET "+PathUserinfo, p.userinfo)
	mux.HandleFunc("POST "+PathUserinfo, p.userinfo)
}

func (p *Provider) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

func (p *Provider) codeTTL() time.Duration {
	if p.CodeTTL > 0 {
		return p.CodeTTL
	}
	return time.Minute
}

func (p *Provider) tokenTTL() time.Duration {
	if p.TokenTTL > 0 {
		return p.TokenTTL
	}
	return 10 * time.Minute
}

func (p *Provider) maxBody() int64 {
	if p.MaxBody > 0 {
		return p.MaxBody
	}
	return 64 << 10
}

func (p *Provider) pollInterval() time.Duration {
	if p.PollInterval > 0 {
		return p.PollInterval
	}
	return 2 * time.Second
}

func (p *Provider) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.New(slog.DiscardHandler)
}

// random returns n random bytes, base64url.
func (p *Provider) random(n int) (string, error) {
	r := p.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("oidc: randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// holderUsable checks that the credential a session was approved with is
// still active and unexpired and its person not cancelled: a suspension,
// revocation or cancellation stops the code exchange and userinfo at once
// (and revokes the session's tokens), not when the tokens expire.
func (p *Provider) holderUsable(ctx context.Context, sess storage.Session, now time.Time) (bool, error) {
	c, person, err := p.Store.GetCredentialHolder(ctx, sess.CredentialID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("oidc: loading the credential: %w", err)
	}
	if c.Status == storage.CredentialActive && now.Before(c.ExpiresAt) && person.State == storage.PersonActive {
		return true, nil
	}
	if err := p.Store.RevokeGrants(ctx, sess.ID, now); err != nil {
		return false, fmt.Errorf("oidc: revoking the session's tokens: %w", err)
	}
	return false, nil
}
