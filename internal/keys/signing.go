package keys

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// SigningAlgorithm is the JWS algorithm of the platform's own tokens
// (credentials, status lists, results, record heads, ID tokens by default).
const SigningAlgorithm = jose.ES256

// Algorithms are the algorithms the KeySet keeps an active key for:
// ES256 (SigningAlgorithm), and RS256 for ID tokens of OpenID Connect
// clients that registered it (OpenID Connect Core §15.1 makes RS256 the
// algorithm every provider must offer).
var Algorithms = []jose.SignatureAlgorithm{jose.ES256, jose.RS256}

// RSABits is the size of the RS256 keys the KeySet generates; smaller RSA
// keys are refused when loaded.
const RSABits = 2048

// DefaultGrace is the default KeySet.Grace.
const DefaultGrace = 24 * time.Hour

// Store persists the platform's signing keys. storage.Storage satisfies it.
type Store interface {
	CreateSigningKey(ctx context.Context, k storage.SigningKey) error
	// ListSigningKeys returns every signing key, newest first.
	ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error)
	UpdateSigningKey(ctx context.Context, id string, fn func(storage.SigningKey) (storage.SigningKey, error)) (storage.SigningKey, error)
	// LatestExpiry returns the latest expiry of the credentials signed with
	// the key kid, or the zero time if there are none.
	LatestExpiry(ctx context.Context, kid string) (time.Time, error)
}

var _ Store = storage.Storage(nil)

// KeySet holds the platform's signing keys: for each of Algorithms the
// active key that signs, and the public keys to publish as a JWKS. It is
// safe for concurrent use.
//
// Keys live in the Store, private keys sealed (PKCS #8, additional data
// "signing-key:<kid>"); the kid is the RFC 7638 thumbprint of the public
// JWK. A key is active while its RetiredAt is zero; the newest active key
// of each algorithm signs, and every active key is published. A retired key is published
// until its PublishUntil.
//
// Several processes share one Store (the server, and `netid admin keys
// rotate` run on its own). A KeySet reads the Store only in Load (and
// Reload, the same thing) and Rotate, so a server must call Reload
// periodically, e.g. every minute, to start signing with a key rotated by
// another process; until then it keeps signing with the retired key, which
// stays published. When Reload finds that the key this KeySet was signing
// with has been retired, it extends that key's PublishUntil to cover the
// credentials signed since the rotation. Grace covers what remains: the
// credentials being signed while the reload happens, and relying parties'
// JWKS caches.
//
// Several servers (replicas behind one address) reload at different
// moments, so a key one of them signs with must already be in the JWKS of
// every other: with Propagation set, a new key is published at once but
// signs only once it is Propagation old (publish before use), and until
// then the key it replaces keeps signing although retired. Propagation
// must exceed the servers' reload interval.
type KeySet struct {
	// Grace is the least time a retired key stays published after Rotate.
	// Set it before first use; NewKeySet sets DefaultGrace.
	Grace time.Duration
	// Propagation is how long a new key is published before it signs
	// (zero: at once, for a single process). Set it before first use.
	Propagation time.Duration

	store  Store
	sealer *Sealer
	rand   io.Reader
	// suite decides the algorithm of the platform's own tokens; its
	// algorithms are k.algorithms().
	suite suite.Suite

	update sync.Mutex // serialises Load, Reload and Rotate

	mu        sync.RWMutex
	signers   map[jose.SignatureAlgorithm]activeSigner
	published []publishedKey // active keys first, newest first
}

type activeSigner struct {
	key crypto.Signer
	kid string
}

type publishedKey struct {
	jwk   jose.JSONWebKey // public key only
	until time.Time       // PublishUntil; zero while active
}

// NewKeySet returns a KeySet on store whose private keys are sealed with
// sealer. rand is passed to key generation (since Go 1.26 crypto/ecdsa
// ignores it and always uses the system's secure source). Call Load before
// use.
func NewKeySet(store Store, sealer *Sealer, rand io.Reader) *KeySet {
	return NewKeySetFor(suite.ES256, store, sealer, rand)
}

// Load reads the keys from the Store. If no key of an algorithm is active
// (first start, or the first start of a version that added the algorithm),
// it creates one first: ES256 on P-256, RS256 of RSABits. If two processes do so at once, both
// keys stay active and published, and both processes sign with the newest.
func (k *KeySet) Load(ctx context.Context, now time.Time) error {
	k.update.Lock()
	defer k.update.Unlock()
	return k.load(ctx, now)
}

// Reload is Load, to be called periodically (or when a relying party reports
// an unknown kid) to pick up a rotation done by another process.
func (k *KeySet) Reload(ctx context.Context, now time.Time) error {
	return k.Load(ctx, now)
}

func (k *KeySet) load(ctx context.Context, now time.Time) error {
	all, err := k.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys: list signing keys: %w", err)
	}
	if err := k.checkSuite(all); err != nil {
		return err
	}
	created := false
	for _, alg := range k.algorithms() {
		if len(activeKeys(all, alg)) == 0 {
			if _, err := k.create(ctx, alg, now); err != nil {
				return err
			}
			created = true
		}
	}
	if created {
		if all, err = k.store.ListSigningKeys(ctx); err != nil {
			return fmt.Errorf("keys: list signing keys: %w", err)
		}
		// Another process may have started on the same store with the
		// other suite at the same moment.
		if err := k.checkSuite(all); err != nil {
			return err
		}
	}

	k.mu.RLock()
	prev := k.signers
	k.mu.RUnlock()
	for _, p := range prev {
		if i := slices.IndexFunc(all, func(s storage.SigningKey) bool { return s.ID == p.kid }); i >= 0 && !all[i].RetiredAt.IsZero() {
			// Another process retired the key we were signing with: make
			// sure it stays published while what we signed since is valid.
			if all[i], err = k.retire(ctx, p.kid, now, time.Time{}); err != nil {
				return err
			}
		}
	}

	signers := make(map[jose.SignatureAlgorithm]activeSigner, len(k.algorithms()))
	var published []publishedKey
	for _, alg := range k.algorithms() {
		active := activeKeys(all, alg)
		if len(active) == 0 {
			return fmt.Errorf("keys: the store keeps no active %s signing key after creating one", alg)
		}
		use := k.signingKey(all, active, alg, now)
		signer, err := k.openPrivate(use)
		if err != nil {
			return err
		}
		signers[alg] = activeSigner{key: signer, kid: use.ID}
		for _, s := range active {
			jwk, err := parsePublic(s)
			if err != nil {
				return err
			}
			published = append(published, publishedKey{jwk: jwk})
		}
	}
	for _, s := range all {
		if s.RetiredAt.IsZero() || !s.PublishUntil.After(now) {
			continue
		}
		jwk, err := parsePublic(s)
		if err != nil {
			return err
		}
		published = append(published, publishedKey{jwk: jwk, until: s.PublishUntil})
	}

	k.mu.Lock()
	k.signers, k.published = signers, published
	k.mu.Unlock()
	return nil
}

// signingKey chooses the key of alg that signs at now among all, given
// active (activeKeys of alg, not empty): the newest active key, or with
// Propagation the newest active key published for at least Propagation;
// if none is yet, the newest key retired less than Propagation ago (the
// one a rotation just replaced) while it is published; failing both (a
// first start), the newest active key.
func (k *KeySet) signingKey(all, active []storage.SigningKey, alg jose.SignatureAlgorithm, now time.Time) storage.SigningKey {
	if k.Propagation <= 0 {
		return active[0]
	}
	ready := now.Add(-k.Propagation)
	for _, s := range active {
		if !s.CreatedAt.After(ready) {
			return s
		}
	}
	var replaced []storage.SigningKey
	for _, s := range all {
		if s.Algorithm == string(alg) && !s.RetiredAt.IsZero() && s.RetiredAt.After(ready) && s.PublishUntil.After(now) {
			replaced = append(replaced, s)
		}
	}
	if len(replaced) == 0 {
		return active[0]
	}
	slices.SortStableFunc(replaced, func(a, b storage.SigningKey) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return replaced[0]
}

// activeKeys returns the keys that are not retired, newest first: those of
// alg, or of every algorithm if alg is "".
func activeKeys(all []storage.SigningKey, alg jose.SignatureAlgorithm) []storage.SigningKey {
	var active []storage.SigningKey
	for _, s := range all {
		if s.RetiredAt.IsZero() && (alg == "" || s.Algorithm == string(alg)) {
			active = append(active, s)
		}
	}
	slices.SortStableFunc(active, func(a, b storage.SigningKey) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return active
}

// Signer returns the active private key and its kid, or nil and "" before
// the first successful Load. The key's algorithm is the suite's
// (SigningAlgorithm for ES256, SM2 for SM).
func (k *KeySet) Signer() (crypto.Signer, string) {
	return k.SignerFor(jose.SignatureAlgorithm(k.suite.SignatureAlgorithm()))
}

// SignerFor returns the active private key of alg (one of the suite's
// algorithms: Algorithms for ES256) and
// its kid, or nil and "" for another algorithm or before the first
// successful Load.
func (k *KeySet) SignerFor(alg jose.SignatureAlgorithm) (crypto.Signer, string) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	s := k.signers[alg]
	return s.key, s.kid
}

// JWKS returns the public keys to publish at now: the active keys and every
// retired key whose PublishUntil is after now. It never holds private keys.
func (k *KeySet) JWKS(now time.Time) jose.JSONWebKeySet {
	k.mu.RLock()
	defer k.mu.RUnlock()
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(k.published))}
	for _, p := range k.published {
		if p.until.IsZero() || p.until.After(now) {
			set.Keys = append(set.Keys, p.jwk)
		}
	}
	return set
}

// Rotate creates a new active key of each algorithm and retires the
// previously active ones,
// each published until the latest expiry of the credentials it signed
// (Store.LatestExpiry) or until now+Grace, whichever is later. If it fails
// after creating the new key, the new key is active and the old ones stay
// published; running Rotate again is safe. It returns the kid of the new
// suite's signing key (SigningAlgorithm for ES256).
func (k *KeySet) Rotate(ctx context.Context, now time.Time) (newKID string, err error) {
	k.update.Lock()
	defer k.update.Unlock()
	all, err := k.store.ListSigningKeys(ctx)
	if err != nil {
		return "", fmt.Errorf("keys: list signing keys: %w", err)
	}
	var kid string
	for _, alg := range k.algorithms() {
		id, err := k.create(ctx, alg, now)
		if err != nil {
			return kid, err
		}
		if string(alg) == string(k.suite.SignatureAlgorithm()) {
			kid = id
		}
	}
	for _, s := range activeKeys(all, "") {
		if _, err := k.retire(ctx, s.ID, now, now.Add(k.Grace)); err != nil {
			return kid, err
		}
	}
	if err := k.load(ctx, now); err != nil {
		return kid, err
	}
	return kid, nil
}

// retire marks the key kid retired at now (unless it already is) and
// extends its PublishUntil to the latest expiry of what it signed, or to
// least if that is later.
func (k *KeySet) retire(ctx context.Context, kid string, now, least time.Time) (storage.SigningKey, error) {
	until, err := k.store.LatestExpiry(ctx, kid)
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("keys: latest expiry for signing key %s: %w", kid, err)
	}
	if least.After(until) {
		until = least
	}
	s, err := k.store.UpdateSigningKey(ctx, kid, func(s storage.SigningKey) (storage.SigningKey, error) {
		if s.RetiredAt.IsZero() {
			s.RetiredAt = now
		}
		if until.After(s.PublishUntil) {
			s.PublishUntil = until
		}
		return s, nil
	})
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("keys: retire signing key %s: %w", kid, err)
	}
	return s, nil
}

// create generates an active key of alg and stores it.
func (k *KeySet) create(ctx context.Context, alg jose.SignatureAlgorithm, now time.Time) (string, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), k.rand)
	case jose.RS256:
		priv, err = rsa.GenerateKey(k.rand, RSABits)
	case jose.SignatureAlgorithm(jws.SM2):
		priv, err = suite.SM.GenerateSigningKey(k.rand)
	default:
		return "", fmt.Errorf("%w: cannot generate a key for %s", ErrSigningKey, alg)
	}
	if err != nil {
		return "", fmt.Errorf("keys: generate %s signing key: %w", alg, err)
	}
	jwk := jose.JSONWebKey{Key: priv.Public(), Algorithm: string(alg), Use: "sig"}
	kid, err := thumbprint(jwk)
	if err != nil {
		return "", err
	}
	jwk.KeyID = kid
	public, err := marshalPublic(jwk)
	if err != nil {
		return "", fmt.Errorf("keys: encode signing key: %w", err)
	}
	der, err := marshalPKCS8(priv)
	if err != nil {
		return "", fmt.Errorf("keys: encode signing key: %w", err)
	}
	defer clear(der)
	private, err := k.sealer.Seal(der, signingKeyAAD(kid))
	if err != nil {
		return "", fmt.Errorf("keys: seal signing key: %w", err)
	}
	err = k.store.CreateSigningKey(ctx, storage.SigningKey{
		ID:        kid,
		Algorithm: string(alg),
		Private:   private,
		Public:    public,
		CreatedAt: now,
	})
	if err != nil {
		return "", fmt.Errorf("keys: store signing key: %w", err)
	}
	return kid, nil
}

func signingKeyAAD(kid string) []byte { return []byte("signing-key:" + kid) }

// thumbprint returns the kid of jwk: its RFC 7638 SHA-256 thumbprint,
// base64url without padding; for an SM2 key its SM3 thumbprint.
func thumbprint(jwk jose.JSONWebKey) (string, error) {
	if _, ok := jws.SM2PublicKey(jwk.Key); ok {
		kid, err := suite.SM.KeyID(jwk.Key)
		if err != nil {
			return "", fmt.Errorf("keys: thumbprint: %w", err)
		}
		return kid, nil
	}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("keys: thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// openPrivate unseals the private key of s and checks it matches its kid
// and its algorithm.
func (k *KeySet) openPrivate(s storage.SigningKey) (crypto.Signer, error) {
	if !slices.Contains(k.algorithms(), jose.SignatureAlgorithm(s.Algorithm)) {
		return nil, fmt.Errorf("%w: key %s has unsupported algorithm %q", ErrSigningKey, s.ID, s.Algorithm)
	}
	der, err := k.sealer.Open(s.Private, signingKeyAAD(s.ID))
	if err != nil {
		return nil, fmt.Errorf("keys: unseal signing key %s (is the master key right?): %w", s.ID, err)
	}
	defer clear(der)
	key, err := parsePKCS8(der)
	if err != nil {
		return nil, fmt.Errorf("%w: key %s: %w", ErrSigningKey, s.ID, err)
	}
	priv, ok := key.(crypto.Signer)
	if !ok || !publicKeyOf(priv.Public(), s.Algorithm) {
		return nil, fmt.Errorf("%w: key %s is not a %s key", ErrSigningKey, s.ID, s.Algorithm)
	}
	kid, err := thumbprint(jose.JSONWebKey{Key: priv.Public()})
	if err != nil {
		return nil, err
	}
	if kid != s.ID {
		return nil, fmt.Errorf("%w: private key does not match kid %s", ErrSigningKey, s.ID)
	}
	return priv, nil
}

// publicKeyOf reports whether pub is a key of alg: P-256 for ES256, RSA of
// at least RSABits for RS256.
func publicKeyOf(pub crypto.PublicKey, alg string) bool {
	switch alg {
	case string(jose.ES256):
		k, ok := pub.(*ecdsa.PublicKey)
		return ok && k.Curve == elliptic.P256()
	case string(jose.RS256):
		k, ok := pub.(*rsa.PublicKey)
		return ok && k.N.BitLen() >= RSABits
	case string(jws.SM2):
		_, ok := jws.SM2PublicKey(pub)
		return ok
	}
	return false
}

// parsePublic parses the public JWK of s and checks it matches its kid and
// its algorithm.
func parsePublic(s storage.SigningKey) (jose.JSONWebKey, error) {
	jwk, err := unmarshalPublic(s)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("%w: key %s: public key: %w", ErrSigningKey, s.ID, err)
	}
	if !jwk.IsPublic() || !publicKeyOf(jwk.Key, s.Algorithm) {
		return jose.JSONWebKey{}, fmt.Errorf("%w: key %s: public key is not a %s public key", ErrSigningKey, s.ID, s.Algorithm)
	}
	kid, err := thumbprint(jwk)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	if kid != s.ID {
		return jose.JSONWebKey{}, fmt.Errorf("%w: public key does not match kid %s", ErrSigningKey, s.ID)
	}
	return jose.JSONWebKey{Key: jwk.Key, KeyID: s.ID, Algorithm: s.Algorithm, Use: "sig"}, nil
}
