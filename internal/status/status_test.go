package status

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/internal/storage"
)

type fakeStore struct {
	mu      sync.Mutex
	entries map[string][]storage.StatusEntry
	reads   int
}

func (f *fakeStore) ListStatuses(_ context.Context, list string) ([]storage.StatusEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return append([]storage.StatusEntry(nil), f.entries[list]...), nil
}

func (f *fakeStore) set(list string, e ...storage.StatusEntry) {
	f.mu.Lock()
	f.entries[list] = e
	f.mu.Unlock()
}

type fakeKeys struct {
	key *ecdsa.PrivateKey
}

func (k fakeKeys) Signer() (crypto.Signer, string) { return k.key, "k1" }

func (k fakeKeys) jwks() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.key.PublicKey, KeyID: "k1", Algorithm: "ES256"}}}
}

func TestPublisher(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys := fakeKeys{key}
	store := &fakeStore{entries: map[string][]storage.StatusEntry{}}
	store.set("1",
		storage.StatusEntry{Index: 0, Status: storage.CredentialActive},
		storage.StatusEntry{Index: 1, Status: storage.CredentialSuspended},
		storage.StatusEntry{Index: 7, Status: storage.CredentialRevoked},
	)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	uri := func(l string) string { return "https://netid.example/status/" + l }
	p := &Publisher{Store: store, Keys: keys, URI: uri, Size: 64, TTL: 5 * time.Minute, Now: func() time.Time { return now }}

	token, ttl, err := p.Token(context.Background(), "1")
	if err != nil {
		t.Fatal(err)
	}
	if ttl != 5*time.Minute {
		t.Fatalf("ttl %v", ttl)
	}
	l, _, err := statuslist.Verify(token, keys.jwks(), uri("1"), now)
	if err != nil {
		t.Fatal(err)
	}
	for idx, want := range map[int64]byte{0: statuslist.Valid, 1: statuslist.Suspended, 7: statuslist.Invalid, 2: statuslist.Valid} {
		if got, _ := l.Get(idx); got != want {
			t.Errorf("index %d: %d, want %d", idx, got, want)
		}
	}

	// Within the time-to-live the cached token is served, without reading
	// storage or signing again; after it, the change shows.
	store.set("1", storage.StatusEntry{Index: 0, Status: storage.CredentialRevoked})
	now = now.Add(4 * time.Minute)
	again, ttl, err := p.Token(context.Background(), "1")
	if err != nil || again != token || ttl != time.Minute || store.reads != 1 {
		t.Fatalf("within the ttl: same token %v, ttl %v, reads %d, err %v", again == token, ttl, store.reads, err)
	}
	now = now.Add(time.Minute)
	fresh, _, err := p.Token(context.Background(), "1")
	if err != nil || fresh == token {
		t.Fatalf("after the ttl: new token %v, err %v", fresh != token, err)
	}
	l, _, _ = statuslist.Verify(fresh, keys.jwks(), uri("1"), now)
	if got, _ := l.Get(0); got != statuslist.Invalid {
		t.Fatalf("revocation not visible after the ttl: %d", got)
	}

	for _, list := range []string{"0", "-1", "01", "x", "", "2"} {
		if _, _, err := p.Token(context.Background(), list); !errors.Is(err, ErrUnknownList) {
			t.Errorf("list %q: %v, want ErrUnknownList", list, err)
		}
	}
}

func TestValue(t *testing.T) {
	for s, want := range map[storage.CredentialStatus]byte{
		storage.CredentialActive: statuslist.Valid, storage.CredentialSuspended: statuslist.Suspended,
		storage.CredentialRevoked: statuslist.Invalid, "unknown": statuslist.Invalid,
	} {
		if got := Value(s); got != want {
			t.Errorf("%s: %d, want %d", s, got, want)
		}
	}
}
