package holder_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/storage"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

const (
	credID  = "cred-0001"
	testURL = "https://netid.example.cn/v1/wallet/credential"
)

// store is an in-memory holder.Store. UseNonce records a key until its
// expiry as seen by now.
type store struct {
	now func() time.Time

	mu          sync.Mutex
	credentials map[string]storage.Credential
	persons     map[string]storage.Person
	nonces      map[string]time.Time

	// errCredential and errPerson, when set, are returned by
	// GetCredentialHolder, errNonce by UseNonce.
	errCredential, errNonce, errPerson error
}

var _ holder.Store = (*store)(nil)

// GetCredentialHolder is the join of the two maps, as the SQL stores
// answer it: an unknown credential is ErrNotFound, a credential whose
// person is missing another error.
func (s *store) GetCredentialHolder(_ context.Context, id string) (storage.Credential, storage.Person, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.errCredential != nil {
		return storage.Credential{}, storage.Person{}, s.errCredential
	}
	c, ok := s.credentials[id]
	if !ok {
		return storage.Credential{}, storage.Person{}, fmt.Errorf("credential: %w", storage.ErrNotFound)
	}
	if s.errPerson != nil {
		return storage.Credential{}, storage.Person{}, s.errPerson
	}
	p, ok := s.persons[c.PersonID]
	if !ok {
		return storage.Credential{}, storage.Person{}, errors.New("the credential's person is missing")
	}
	return c, p, nil
}

func (s *store) UseNonce(_ context.Context, key string, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.errNonce != nil {
		return s.errNonce
	}
	if until, ok := s.nonces[key]; ok && s.now().Before(until) {
		return fmt.Errorf("nonce: %w", storage.ErrAlreadyExists)
	}
	s.nonces[key] = expiresAt
	return nil
}

// used reports how many nonces were recorded.
func (s *store) used() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.nonces)
}

// fixedKey derives a P-256 key from label, so that fuzz workers (separate
// processes) share the keys that seed inputs were signed with.
func fixedKey(t testing.TB, label string) *ecdsa.PrivateKey {
	t.Helper()
	d := sha256.Sum256([]byte(label))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixture is a store holding one active person with one active credential
// (credID, bound to device) and a Verifier on a clock at t0.
type fixture struct {
	device *ecdsa.PrivateKey
	store  *store
	now    time.Time
	v      holder.Verifier
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{device: fixedKey(t, "device"), now: t0}
	clock := func() time.Time { return f.now }
	f.store = &store{
		now:         clock,
		credentials: map[string]storage.Credential{},
		persons:     map[string]storage.Person{"person-1": {ID: "person-1", Wanghao: "WH7K2M9Q4X8P", State: storage.PersonActive}},
		nonces:      map[string]time.Time{},
	}
	f.addCredential(t, credID, &f.device.PublicKey)
	f.v = holder.Verifier{Store: f.store, Now: clock}
	return f
}

// addCredential stores an active credential id of person-1 bound to key.
func (f *fixture) addCredential(t testing.TB, id string, key *ecdsa.PublicKey) {
	t.Helper()
	jwk, err := json.Marshal(jose.JSONWebKey{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	f.store.credentials[id] = storage.Credential{
		ID: id, PersonID: "person-1", Status: storage.CredentialActive, DeviceKey: jwk,
		IssuedAt: t0.Add(-24 * time.Hour), ExpiresAt: t0.Add(365 * 24 * time.Hour),
	}
}

// editCredential changes the stored credential id.
func (f *fixture) editCredential(id string, edit func(*storage.Credential)) {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	c := f.store.credentials[id]
	edit(&c)
	f.store.credentials[id] = c
}

// sign makes a proof for GET testURL by the fixture's device at now.
func (f *fixture) sign(t testing.TB, now time.Time) string {
	t.Helper()
	p, err := holder.Sign(f.device, credID, "GET", testURL, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rawProof signs a proof with arbitrary protected headers and payload.
func rawProof(t testing.TB, key *ecdsa.PrivateKey, headers map[jose.HeaderKey]any, payload []byte) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range headers {
		opts = opts.WithHeader(k, v)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// claims is a proof payload.
func claims(method, url string, iat time.Time, jti string) []byte {
	b, _ := json.Marshal(map[string]any{"htm": method, "htu": url, "iat": iat.Unix(), "jti": jti})
	return b
}
