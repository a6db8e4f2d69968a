package status

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/internal/storage"
)

// TestInvalidate: after Invalidate the next fetch shows the change at once
// (so a relying party sees it within one TTL of the change); without it the
// cached token is served until its TTL ends.
func TestInvalidate(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys := fakeKeys{key}
	store := &fakeStore{entries: map[string][]storage.StatusEntry{}}
	store.set("1", storage.StatusEntry{Index: 3, Status: storage.CredentialActive})
	store.set("2", storage.StatusEntry{Index: 0, Status: storage.CredentialActive})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	uri := func(l string) string { return "https://netid.example/status/" + l }
	p := &Publisher{Store: store, Keys: keys, URI: uri, Size: 64, TTL: 5 * time.Minute, Now: func() time.Time { return now }}
	ctx := context.Background()
	get := func(list string, idx int64) (byte, time.Duration) {
		t.Helper()
		tok, ttl, err := p.Token(ctx, list)
		if err != nil {
			t.Fatal(err)
		}
		l, _, err := statuslist.Verify(tok, keys.jwks(), uri(list), now)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := l.Get(idx)
		return v, ttl
	}
	get("1", 3)
	get("2", 0)
	store.set("1", storage.StatusEntry{Index: 3, Status: storage.CredentialSuspended})
	store.set("2", storage.StatusEntry{Index: 0, Status: storage.CredentialRevoked})
	now = now.Add(time.Minute)

	p.Invalidate("1")
	if v, ttl := get("1", 3); v != statuslist.Suspended || ttl != p.TTL {
		t.Fatalf("invalidated list: value %d ttl %v, want suspended and a full ttl", v, ttl)
	}
	// List 2 was not invalidated: its cached token still says valid.
	if v, ttl := get("2", 0); v != statuslist.Valid || ttl != 4*time.Minute {
		t.Fatalf("other list: value %d ttl %v, want the cached token", v, ttl)
	}
	p.Invalidate("2")
	if v, _ := get("2", 0); v != statuslist.Invalid {
		t.Fatalf("after invalidating list 2: %d", v)
	}
	p.Invalidate("9") // unknown lists are no error
}
