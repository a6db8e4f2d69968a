package relyingparty

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// Sentinel errors of client authentication. Their messages name the
// reason but never a secret or an assertion.
var (
	// ErrUnauthenticated: the request carries no acceptable client
	// credentials (none, several methods at once, an unknown client, a
	// wrong secret, an invalid, expired or replayed assertion, a method
	// the relying party is not registered for).
	ErrUnauthenticated = errors.New("relyingparty: client not authenticated")
	// ErrDisabled: the credentials are good but the relying party is
	// disabled.
	ErrDisabled = errors.New("relyingparty: relying party disabled")
)

// ClientAssertionType is the client_assertion_type of a private_key_jwt
// client assertion (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Limits of client authentication.
const (
	// DefaultMaxAge is how far ahead a client assertion's exp may be when
	// Authenticator.MaxAge is zero.
	DefaultMaxAge = 5 * time.Minute
	// ClockSkew is the tolerance for the relying party's clock in exp,
	// nbf and iat.
	ClockSkew = 30 * time.Second
	// maxLegacyChecks bounds the argon2id checks of old client-secret
	// hashes running at once.
	maxLegacyChecks = 2
	// maxAssertionBytes bounds a client assertion before parsing.
	maxAssertionBytes = 8 << 10
	// maxSecretBytes bounds a presented secret before hashing.
	maxSecretBytes = 256
	// maxJTIBytes bounds an assertion's jti.
	maxJTIBytes = 256
)

// Authenticator authenticates relying parties calling the platform: the
// session API and the OIDC token endpoint. It is safe for concurrent use;
// use it by pointer and do not copy it after first use.
type Authenticator struct {
	// Store provides GetRelyingParty and UseNonce.
	Store Store
	// Audience is the platform's URL: a client assertion's aud must be it
	// or it followed by the request path.
	Audience string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxAge bounds how far ahead of now an assertion's exp may be; zero
	// means DefaultMaxAge.
	MaxAge time.Duration
	// MAC computes keyed hashes of client secrets (keys.Indexer.MAC, the
	// same key the Registry stores them under).
	MAC MACFunc
	// Throttle, if set, limits authenticated requests per relying party
	// and failed authentications per address.
	Throttle *Throttle
	// Suite is the deployment's crypto suite: client assertions verify
	// only with keys of it (SM2 on sm, P-256 on es256). Default
	// suite.ES256.
	Suite suite.Suite

	legacyOnce sync.Once
	legacy     chan struct{} // bounds concurrent argon2id checks of old hashes
	keySets    keySets       // the relying parties' key sets, parsed
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Authenticator) maxAge() time.Duration {
	if a.MaxAge > 0 {
		return a.MaxAge
	}
	return DefaultMaxAge
}

func unauthenticated(reason string) error {
	return fmt.Errorf("%w: %s", ErrUnauthenticated, reason)
}

// Authenticate returns the relying party that r authenticates as, by one
// of:
//
//   - client_secret_basic: "Authorization: Basic" with the client ID and
//     secret (each form-urlencoded first, RFC 6749 §2.3.1);
//   - private_key_jwt: the form fields client_assertion_type (=
//     ClientAssertionType) and client_assertion, or for JSON APIs
//     "Authorization: Bearer <client assertion>": an ES256 JWT signed by a
//     key of the relying party's key set, with iss = sub = client ID, a
//     single aud equal to Audience (or Audience followed by r.URL.Path),
//     exp at most MaxAge ahead, and a jti used only once;
//   - none, if allowNone: the form field client_id of a public client.
//
// The method used must be the one the relying party is registered for,
// exactly one method may be used, and a form client_id, if present, must
// name the authenticated client. Form fields are read only from a
// form-urlencoded body (r.ParseForm); other bodies are left unread.
//
// With a Throttle, a request from an address over its limit of failed
// authentications is refused before its credentials are checked, a failure
// counts against its address, and a success against its relying party.
//
// Errors: ErrUnauthenticated, ErrDisabled (after the credentials were
// verified), a *RateLimitError (ErrRateLimited), or a storage error
// wrapped.
func (a *Authenticator) Authenticate(r *http.Request, allowNone bool) (storage.RelyingParty, error) {
	if err := a.Throttle.Before(r); err != nil {
		return storage.RelyingParty{}, err
	}
	rp, err := a.authenticate(r, allowNone)
	switch {
	case errors.Is(err, ErrUnauthenticated):
		a.Throttle.Failed(r)
		return storage.RelyingParty{}, err
	case err != nil:
		return storage.RelyingParty{}, err
	}
	if err := a.Throttle.Client(a.Throttle.clientKey(rp, r)); err != nil {
		return storage.RelyingParty{}, err
	}
	return rp, nil
}

func (a *Authenticator) authenticate(r *http.Request, allowNone bool) (storage.RelyingParty, error) {
	ctx := r.Context()
	form, err := postForm(r)
	if err != nil {
		return storage.RelyingParty{}, err
	}
	for _, f := range []string{"client_id", "client_assertion", "client_assertion_type", "client_secret"} {
		if len(form[f]) > 1 {
			return storage.RelyingParty{}, unauthenticated("a form field is repeated")
		}
	}
	if form.Has("client_secret") {
		return storage.RelyingParty{}, unauthenticated("client_secret_post is not supported")
	}
	var basic, bearer bool
	var credentials string
	switch auth := r.Header.Values("Authorization"); len(auth) {
	case 0:
	case 1:
		scheme, rest, _ := strings.Cut(auth[0], " ")
		switch {
		case strings.EqualFold(scheme, "Basic"):
			basic = true
		case strings.EqualFold(scheme, "Bearer"):
			bearer, credentials = true, strings.TrimSpace(rest)
		default:
			return storage.RelyingParty{}, unauthenticated("unsupported authorization scheme")
		}
	default:
		return storage.RelyingParty{}, unauthenticated("more than one Authorization header")
	}
	formAssertion := form.Has("client_assertion") || form.Has("client_assertion_type")
	n := 0
	for _, used := range []bool{basic, bearer, formAssertion} {
		if used {
			n++
		}
	}
	if n > 1 {
		return storage.RelyingParty{}, unauthenticated("more than one client authentication method")
	}

	var rp storage.RelyingParty
	switch {
	case basic:
		rp, err = a.basic(ctx, r)
	case bearer:
		rp, err = a.assertion(ctx, r, credentials)
	case formAssertion:
		if form.Get("client_assertion_type") != ClientAssertionType {
			return storage.RelyingParty{}, unauthenticated("client_assertion_type must be " + ClientAssertionType)
		}
		rp, err = a.assertion(ctx, r, form.Get("client_assertion"))
	case allowNone && form.Get("client_id") != "":
		rp, err = a.lookup(ctx, form.Get("client_id"), storage.AuthNone)
	default:
		return storage.RelyingParty{}, unauthenticated("no client credentials")
	}
	if err != nil {
		return storage.RelyingParty{}, err
	}
	if id := form.Get("client_id"); id != "" && id != rp.ID {
		return storage.RelyingParty{}, unauthenticated("client_id does not match the credentials")
	}
	if rp.Disabled {
		return storage.RelyingParty{}, fmt.Errorf("%w: %s", ErrDisabled, rp.ID)
	}
	rp.SecretHash = ""
	return rp, nil
}

// postForm parses a form-urlencoded body; any other body is left unread.
func postForm(r *http.Request) (url.Values, error) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return nil, nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, unauthenticated("malformed form body")
	}
	return r.PostForm, nil
}

// lookup finds the client and checks that it is registered for method.
func (a *Authenticator) lookup(ctx context.Context, id, method string) (storage.RelyingParty, error) {
	if !idPattern.MatchString(id) {
		return storage.RelyingParty{}, unauthenticated("unknown client")
	}
	rp, err := a.Store.GetRelyingParty(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return storage.RelyingParty{}, unauthenticated("unknown client")
	case err != nil:
		return storage.RelyingParty{}, fmt.Errorf("relyingparty: looking up the client: %w", err)
	case rp.AuthMethod != method:
		return storage.RelyingParty{}, unauthenticated("the client is not registered for " + method)
	}
	return rp, nil
}

func (a *Authenticator) basic(ctx context.Context, r *http.Request) (storage.RelyingParty, error) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return storage.RelyingParty{}, unauthenticated("malformed Basic credentials")
	}
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(pass)
	if err1 != nil || err2 != nil || secret == "" || len(secret) > maxSecretBytes {
		return storage.RelyingParty{}, unauthenticated("malformed Basic credentials")
	}
	rp, err := a.lookup(ctx, id, storage.AuthClientSecret)
	if err != nil {
		return storage.RelyingParty{}, err
	}
	if rp.SecretHash == "" {
		return storage.RelyingParty{}, unauthenticated("the client has no secret (rotate it)")
	}
	switch {
	case strings.HasPrefix(rp.SecretHash, secretHashPrefix):
		if a.MAC == nil {
			return storage.RelyingParty{}, errors.New("relyingparty: the authenticator has no secret key configured")
		}
		want := SecretHash(a.MAC, rp.ID, secret)
		if subtle.ConstantTimeCompare([]byte(want), []byte(rp.SecretHash)) != 1 {
			return storage.RelyingParty{}, unauthenticated("wrong client secret")
		}
		return rp, nil
	case strings.HasPrefix(rp.SecretHash, "$argon2id$"):
		return a.legacySecret(ctx, rp, secret)
	}
	return storage.RelyingParty{}, unauthenticated("the stored secret hash is unusable (rotate the secret)")
}

// legacySecret checks a secret against an argon2id hash, the form client
// secrets were stored in before keyed hashes, and on success replaces the
// hash with the keyed hash, so each such client pays argon2id once. Until a
// client next authenticates its hash stays argon2id; at most
// maxLegacyChecks such checks run at once, so wrong secrets against those
// clients cannot occupy every core.
func (a *Authenticator) legacySecret(ctx context.Context, rp storage.RelyingParty, secret string) (storage.RelyingParty, error) {
	a.legacyOnce.Do(func() { a.legacy = make(chan struct{}, maxLegacyChecks) })
	select {
	case a.legacy <- struct{}{}:
	case <-ctx.Done():
		return storage.RelyingParty{}, fmt.Errorf("relyingparty: checking the client secret: %w", ctx.Err())
	}
	ok, err := verifyArgon2(rp.SecretHash, secret)
	<-a.legacy
	if err != nil {
		return storage.RelyingParty{}, fmt.Errorf("%w: the stored secret hash is unusable: %w", ErrUnauthenticated, err)
	}
	if !ok {
		return storage.RelyingParty{}, unauthenticated("wrong client secret")
	}
	if a.MAC == nil {
		return rp, nil
	}
	old, next := rp.SecretHash, SecretHash(a.MAC, rp.ID, secret)
	// A failed rehash (a storage error, or a rotation meanwhile) leaves the
	// stored hash as it is: the secret was right, and the next success
	// tries again.
	_, _ = a.Store.UpdateRelyingParty(ctx, rp.ID, func(cur storage.RelyingParty) (storage.RelyingParty, error) {
		if cur.SecretHash != old {
			return cur, errSecretChanged
		}
		cur.SecretHash = next
		return cur, nil
	})
	return rp, nil
}

// errSecretChanged aborts rehashing a secret that was rotated meanwhile.
var errSecretChanged = errors.New("relyingparty: the client secret changed")

// verifyArgon2 checks a secret against an argon2id hash (a variable so
// tests can count the hashes computed).
var verifyArgon2 = password.Verify

// MACFunc computes a keyed hash (HMAC-SHA256 under a platform key) of a
// secret in a domain: keys.Indexer.MAC.
type MACFunc func(domain string, secret []byte) []byte

// SecretDomain is the MAC domain of client secrets.
const SecretDomain = "client-secret"

// secretHashPrefix marks the stored keyed hash of a client secret.
const secretHashPrefix = "hmac-sha256$"

// SecretHash is the stored form of a client secret: the keyed hash of the
// client ID and the secret, base64url, after secretHashPrefix. Client
// secrets are 256-bit random values, so a keyed hash protects them as well
// as a password hash would, at the cost of one HMAC per check; the client
// ID in the hash stops a hash copied to another client from working there.
func SecretHash(mac MACFunc, clientID, secret string) string {
	sum := mac(SecretDomain, []byte(clientID+"\x00"+secret))
	return secretHashPrefix + base64.RawURLEncoding.EncodeToString(sum)
}

// AssertionType is the typ of a private_key_jwt client assertion: the
// generic JWT media type (RFC 7519 §5.1), which this platform's SDK sets.
// RFC 7523 defines no typ and common OAuth libraries send none, so an
// assertion may omit it; one that carries another typ (a token of another
// kind) is refused.
const AssertionType = "JWT"

// assertion verifies a private_key_jwt client assertion.
func (a *Authenticator) assertion(ctx context.Context, r *http.Request, assertion string) (storage.RelyingParty, error) {
	if assertion == "" {
		return storage.RelyingParty{}, unauthenticated("empty client assertion")
	}
	if len(assertion) > maxAssertionBytes {
		return storage.RelyingParty{}, unauthenticated("client assertion too large")
	}
	if a.Audience == "" {
		return storage.RelyingParty{}, errors.New("relyingparty: the authenticator has no audience configured")
	}
	// The unverified iss names the client whose registered keys must have
	// signed; nothing else is read before the signature is checked.
	var id string
	var rp storage.RelyingParty
	keys := jws.KeyFunc(func(t *jws.Token) ([]jose.JSONWebKey, error) {
		var unverified jwt.Claims
		if err := t.UnverifiedClaims(&unverified); err != nil {
			return nil, unauthenticated("client assertion claims are malformed")
		}
		id = unverified.Issuer
		if id == "" || unverified.Subject != id {
			return nil, unauthenticated("client assertion iss and sub must both be the client ID")
		}
		var err error
		rp, err = a.lookup(ctx, id, storage.AuthPrivateKeyJWT)
		if err != nil {
			return nil, err
		}
		set, err := a.keySets.parse(rp.JWKS, a.Suite)
		if err != nil {
			return nil, fmt.Errorf("%w: the stored key set is unusable: %w", ErrUnauthenticated, err)
		}
		return jws.ByKeyIDOrAll(set).Keys(t)
	})
	var c jwt.Claims
	_, err := jws.VerifyClaims(assertion, jws.Expect{Typ: AssertionType, TypOptional: true, Keys: keys}, &c)
	switch {
	case errors.Is(err, jws.ErrUnknownKey), errors.Is(err, jws.ErrSignature):
		return storage.RelyingParty{}, unauthenticated("client assertion signature does not verify with the client's keys")
	case errors.Is(err, jws.ErrType):
		return storage.RelyingParty{}, unauthenticated("client assertion typ must be " + AssertionType)
	case errors.Is(err, jws.ErrMalformed), errors.Is(err, jws.ErrAlgorithm):
		return storage.RelyingParty{}, unauthenticated("client assertion is not a compact ES256 or SM2 JWS")
	case err != nil:
		return storage.RelyingParty{}, err
	}
	now := a.now()
	switch {
	case c.Issuer != id || c.Subject != id:
		return storage.RelyingParty{}, unauthenticated("client assertion iss and sub must both be the client ID")
	case len(c.Audience) != 1 || !a.audienceOK(c.Audience[0], r):
		return storage.RelyingParty{}, unauthenticated("client assertion aud must be the platform")
	case c.Expiry == nil:
		return storage.RelyingParty{}, unauthenticated("client assertion has no exp")
	case now.After(c.Expiry.Time().Add(ClockSkew)):
		return storage.RelyingParty{}, unauthenticated("client assertion expired")
	case c.Expiry.Time().After(now.Add(a.maxAge() + ClockSkew)):
		return storage.RelyingParty{}, unauthenticated("client assertion exp is too far ahead")
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(ClockSkew)):
		return storage.RelyingParty{}, unauthenticated("client assertion not yet valid")
	case c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(ClockSkew)):
		return storage.RelyingParty{}, unauthenticated("client assertion issued in the future")
	case c.ID == "" || len(c.ID) > maxJTIBytes:
		return storage.RelyingParty{}, unauthenticated("client assertion needs a jti of at most 256 bytes")
	}
	err = a.Store.UseNonce(ctx, assertionNonceKey(id, c.ID), c.Expiry.Time().Add(ClockSkew))
	switch {
	case errors.Is(err, storage.ErrAlreadyExists):
		return storage.RelyingParty{}, unauthenticated("client assertion replayed")
	case err != nil:
		return storage.RelyingParty{}, fmt.Errorf("relyingparty: recording the client assertion: %w", err)
	}
	return rp, nil
}

// audienceOK reports whether aud names this platform: Audience, or
// Audience followed by the request path (the endpoint's URL).
func (a *Authenticator) audienceOK(aud string, r *http.Request) bool {
	if aud == a.Audience {
		return true
	}
	return r.URL != nil && r.URL.Path != "" && aud == strings.TrimSuffix(a.Audience, "/")+r.URL.Path
}

// assertionNonceKey is the one-time value recorded for an assertion: a
// hash, so arbitrary jti bytes never reach the database.
func assertionNonceKey(clientID, jti string) string {
	sum := sha256.Sum256([]byte(clientID + "\x00" + jti))
	return "client-assertion:" + hex.EncodeToString(sum[:])
}

// AssertionLifetime is the validity of assertions made by ClientAssertion.
const AssertionLifetime = time.Minute

// ClientAssertion makes a private_key_jwt client assertion for clientID
// to present to audience (the platform's URL), signed by key (a P-256
// key, with ES256, or an SM2 key, with SM2; possibly opaque, such as one
// in an HSM) under key
// ID kid, issued at now and valid for AssertionLifetime, with a random
// jti. It is meant for relying-party code and tests.
func ClientAssertion(key crypto.Signer, kid, clientID, audience string, now time.Time) (string, error) {
	if key == nil {
		return "", errors.New("relyingparty: client assertion needs a key")
	}
	if _, ok := jws.AlgorithmFor(key.Public()); !ok {
		return "", errors.New("relyingparty: client assertion key must be a P-256 or an SM2 key")
	}
	if clientID == "" || audience == "" {
		return "", errors.New("relyingparty: client assertion needs a client ID and an audience")
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", fmt.Errorf("relyingparty: drawing a jti: %w", err)
	}
	tok, err := jws.SignClaims(key, "JWT", kid, jwt.Claims{
		Issuer:   clientID,
		Subject:  clientID,
		Audience: jwt.Audience{audience},
		ID:       base64.RawURLEncoding.EncodeToString(jti),
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(AssertionLifetime)),
	})
	if err != nil {
		return "", fmt.Errorf("relyingparty: signing the client assertion: %w", err)
	}
	return tok, nil
}
