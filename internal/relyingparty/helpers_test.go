package relyingparty

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/storage"
)

// fakeStore is an in-memory Store with the storage package's contract:
// values are copied in and out, empty slices come back nil, times are UTC
// with microsecond precision, Update runs fn under the lock and writes
// nothing if it fails.
type fakeStore struct {
	mu     sync.Mutex
	rps    map[string]storage.RelyingParty
	nonces map[string]time.Time
	now    func() time.Time // for nonce expiry
	err    error            // if set, every method fails with it
	// beforeUpdate, if set, runs at the start of UpdateRelyingParty
	// (another writer acting between a read and an update).
	beforeUpdate func()
}

var _ Store = (*fakeStore)(nil)

func newFakeStore(now func() time.Time) *fakeStore {
	return &fakeStore{rps: map[string]storage.RelyingParty{}, nonces: map[string]time.Time{}, now: now}
}

func cloneList(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

func cloneRP(rp storage.RelyingParty) storage.RelyingParty {
	rp.Domains = cloneList(rp.Domains)
	rp.RedirectURIs = cloneList(rp.RedirectURIs)
	rp.AllowedClaims = cloneList(rp.AllowedClaims)
	if len(rp.JWKS) == 0 {
		rp.JWKS = nil
	} else {
		rp.JWKS = slices.Clone(rp.JWKS)
	}
	rp.CreatedAt = rp.CreatedAt.UTC().Truncate(time.Microsecond)
	rp.UpdatedAt = rp.UpdatedAt.UTC().Truncate(time.Microsecond)
	return rp
}

func (s *fakeStore) CreateRelyingParty(_ context.Context, rp storage.RelyingParty) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if _, ok := s.rps[rp.ID]; ok {
		return storage.ErrAlreadyExists
	}
	s.rps[rp.ID] = cloneRP(rp)
	return nil
}

func (s *fakeStore) GetRelyingParty(_ context.Context, id string) (storage.RelyingParty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return storage.RelyingParty{}, s.err
	}
	rp, ok := s.rps[id]
	if !ok {
		return storage.RelyingParty{}, storage.ErrNotFound
	}
	return cloneRP(rp), nil
}

func (s *fakeStore) ListRelyingParties(context.Context) ([]storage.RelyingParty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	var out []storage.RelyingParty
	for _, rp := range s.rps {
		out = append(out, cloneRP(rp))
	}
	slices.SortFunc(out, func(a, b storage.RelyingParty) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out, nil
}

func (s *fakeStore) UpdateRelyingParty(_ context.Context, id string, fn func(storage.RelyingParty) (storage.RelyingParty, error)) (storage.RelyingParty, error) {
	if s.beforeUpdate != nil {
		s.beforeUpdate()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return storage.RelyingParty{}, s.err
	}
	old, ok := s.rps[id]
	if !ok {
		return storage.RelyingParty{}, storage.ErrNotFound
	}
	next, err := fn(cloneRP(old))
	if err != nil {
		return storage.RelyingParty{}, err
	}
	next.ID = id
	s.rps[id] = cloneRP(next)
	return cloneRP(next), nil
}

func (s *fakeStore) UseNonce(_ context.Context, key string, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if exp, ok := s.nonces[key]; ok && s.now().Before(exp) {
		return storage.ErrAlreadyExists
	}
	s.nonces[key] = expiresAt
	return nil
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 7, 15, 9, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fastParams keeps argon2id cheap in tests (old client-secret hashes).
var fastParams = password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}

// testMAC is the keyed hash client secrets are stored under in tests.
var testMAC = keys.NewIndexer([]byte("0123456789abcdef0123456789abcdef")).MAC

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("no randomness") }

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// jwksOf returns the public key set of keys, with kids "k0", "k1", …
func jwksOf(t testing.TB, keys ...*ecdsa.PrivateKey) json.RawMessage {
	t.Helper()
	var set jose.JSONWebKeySet
	for i, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kidOf(i), Algorithm: "ES256", Use: "sig"})
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func kidOf(i int) string { return "k" + string(rune('0'+i)) }

// fixture is a registry and authenticator over one fake store, with one
// relying party of each auth method and a disabled one.
type fixture struct {
	clock    *clock
	store    *fakeStore
	registry *Registry
	auth     *Authenticator
	key      *ecdsa.PrivateKey // the jwt client's key "k0"
	secret   string            // the secret client's secret
	disabled string            // the disabled secret client's secret
}

const (
	audience     = "https://netid.example"
	secretClient = "shop.example"
	jwtClient    = "bank.example"
	publicClient = "app.example"
	offClient    = "old.example"
)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), key: newKey(t)}
	f.store = newFakeStore(f.clock.Now)
	f.registry = &Registry{Store: f.store, Now: f.clock.Now, MAC: testMAC}
	f.auth = &Authenticator{Store: f.store, Audience: audience, Now: f.clock.Now, MAC: testMAC}
	ctx := context.Background()
	var err error
	_, f.secret, err = f.registry.Register(ctx, Registration{
		ID: secretClient, Name: "Shop", Category: storage.CategoryInternetService,
		Domains: []string{"shop.example"}, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err = f.registry.Register(ctx, Registration{
		ID: jwtClient, Name: "Bank", Category: storage.CategoryInternetService,
		LegalBasis: "Anti-Money Laundering Law art. 28", AllowedClaims: []string{"name", "document_number"},
		Domains: []string{"bank.example"}, AuthMethod: storage.AuthPrivateKeyJWT, JWKS: jwksOf(t, f.key),
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err = f.registry.Register(ctx, Registration{
		ID: publicClient, Name: "App", Category: storage.CategoryInternetService,
		RedirectURIs: []string{"http://127.0.0.1/callback"}, AuthMethod: storage.AuthNone,
	}); err != nil {
		t.Fatal(err)
	}
	_, f.disabled, err = f.registry.Register(ctx, Registration{
		ID: offClient, Name: "Old", Category: storage.CategoryInternetService, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.registry.Disable(ctx, offClient); err != nil {
		t.Fatal(err)
	}
	return f
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func jwkOfPrivate(t testing.TB, k *ecdsa.PrivateKey) jose.JSONWebKey {
	t.Helper()
	return jose.JSONWebKey{Key: k, KeyID: "k0", Algorithm: "ES256", Use: "sig"}
}

func jwksOfP384(t testing.TB) json.RawMessage {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: "p384"}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
