package status

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/internal/storage"
)

// heldStore is a fakeStore whose reads of one list stop, after reading,
// until released: a list that takes long to read.
type heldStore struct {
	*fakeStore
	held    string
	reading chan struct{} // a read of held has read and waits
	release chan struct{}
}

func (h *heldStore) ListStatuses(ctx context.Context, list string) ([]storage.StatusEntry, error) {
	e, err := h.fakeStore.ListStatuses(ctx, list)
	if list == h.held {
		h.reading <- struct{}{}
		<-h.release
	}
	return e, err
}

// liveness bounds how long a test waits for what must happen without any
// other event: it fails the test instead of hanging it.
const liveness = 10 * time.Second

func newHeld(t *testing.T) (*Publisher, *heldStore, fakeKeys, func(string) string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys := fakeKeys{key}
	store := &heldStore{
		fakeStore: &fakeStore{entries: map[string][]storage.StatusEntry{}},
		held:      "1", reading: make(chan struct{}, 1), release: make(chan struct{}),
	}
	for _, l := range []string{"1", "2", "3"} {
		store.set(l, storage.StatusEntry{Index: 0, Status: storage.CredentialActive})
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	uri := func(l string) string { return "https://netid.example/status/" + l }
	return &Publisher{Store: store, Keys: keys, URI: uri, Size: 64, TTL: 5 * time.Minute, Now: func() time.Time { return now }}, store, keys, uri
}

type result struct {
	token string
	err   error
}

// A list being read holds up neither a list in the cache nor the build
// of another list.
func TestTokenOtherListsNotHeldUp(t *testing.T) {
	p, store, _, _ := newHeld(t)
	ctx := t.Context()
	if _, _, err := p.Token(ctx, "3"); err != nil {
		t.Fatal(err)
	}
	first := make(chan result, 1)
	go func() {
		tok, _, err := p.Token(ctx, "1")
		first <- result{tok, err}
	}()
	<-store.reading
	for _, list := range []string{"3", "2"} { // cached, then built
		done := make(chan result, 1)
		go func() {
			tok, _, err := p.Token(ctx, list)
			done <- result{tok, err}
		}()
		select {
		case r := <-done:
			if r.err != nil {
				t.Fatalf("list %s: %v", list, r.err)
			}
		case <-time.After(liveness):
			t.Fatalf("list %s waited for list 1's build", list)
		}
	}
	close(store.release)
	if r := <-first; r.err != nil {
		t.Fatal(r.err)
	}
}

// Requests for a list that is being built wait for that build: the list
// is read and signed once, and each gets its token. A waiter that goes
// away does not end the build for the others.
func TestTokenBuiltOnce(t *testing.T) {
	p, store, keys, uri := newHeld(t)
	const n = 8
	results := make(chan result, n)
	go func() {
		tok, _, err := p.Token(t.Context(), "1")
		results <- result{tok, err}
	}()
	<-store.reading
	var wg sync.WaitGroup
	for range n - 1 {
		wg.Go(func() {
			tok, _, err := p.Token(t.Context(), "1")
			results <- result{tok, err}
		})
	}
	gone, cancel := context.WithCancel(t.Context())
	leaver := make(chan error, 1)
	go func() {
		_, _, err := p.Token(gone, "1")
		leaver <- err
	}()
	// Once every other request has joined the build (the leaver too),
	// the leaver goes away, and then the one read finishes.
	deadline := time.Now().Add(liveness)
	for p.waiters("1") < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if w := p.waiters("1"); w != n {
		t.Fatalf("%d requests joined the build, want %d", w, n)
	}
	cancel()
	select {
	case err := <-leaver:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("a waiter whose request ended: %v, want context.Canceled", err)
		}
	case <-time.After(liveness):
		t.Fatal("a waiter whose request ended still waits for the build")
	}
	close(store.release)
	wg.Wait()
	var token string
	for range n {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if token == "" {
			token = r.token
		}
		if r.token != token {
			t.Fatal("waiters got different tokens")
		}
	}
	if _, _, err := statuslist.Verify(token, keys.jwks(), uri("1"), p.now()); err != nil {
		t.Fatal(err)
	}
	store.mu.Lock()
	reads := store.reads
	store.mu.Unlock()
	if reads != 1 {
		t.Fatalf("list read %d times, want once", reads)
	}
}

// waiters is how many requests joined the build of list under way.
func (p *Publisher) waiters(list string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if b := p.building[list]; b != nil {
		return b.waiters
	}
	return 0
}

// A build that read the list before Invalidate is not cached: the next
// request reads the list again and shows the change.
func TestInvalidateDuringBuild(t *testing.T) {
	p, store, keys, uri := newHeld(t)
	first := make(chan result, 1)
	go func() {
		tok, _, err := p.Token(t.Context(), "1")
		first <- result{tok, err}
	}()
	<-store.reading // it has read the list as active
	store.set("1", storage.StatusEntry{Index: 0, Status: storage.CredentialRevoked})
	p.Invalidate("1")
	close(store.release)
	r := <-first
	if r.err != nil {
		t.Fatal(r.err)
	}
	value := func(tok string) byte {
		t.Helper()
		l, _, err := statuslist.Verify(tok, keys.jwks(), uri("1"), p.now())
		if err != nil {
			t.Fatal(err)
		}
		v, _ := l.Get(0)
		return v
	}
	if v := value(r.token); v != statuslist.Valid {
		t.Fatalf("the build begun before the change: %d, want the valid it read", v)
	}
	store.held = "" // the next read is not held
	tok, _, err := p.Token(t.Context(), "1")
	if err != nil {
		t.Fatal(err)
	}
	if v := value(tok); v != statuslist.Invalid {
		t.Fatalf("after Invalidate: %d, want invalid (the stale build was cached)", v)
	}
}

// panicStore panics on its first read, as a bug would.
type panicStore struct {
	*fakeStore
	panicked bool
}

func (p *panicStore) ListStatuses(ctx context.Context, list string) ([]storage.StatusEntry, error) {
	if !p.panicked {
		p.panicked = true
		panic("a bug in the read")
	}
	return p.fakeStore.ListStatuses(ctx, list)
}

// A build that panics does not leave its list marked as being built: the
// next request builds it.
func TestTokenAfterPanickedBuild(t *testing.T) {
	p, _, _, _ := newHeld(t)
	ps := &panicStore{fakeStore: p.Store.(*heldStore).fakeStore}
	p.Store = ps
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the read's panic was lost")
			}
		}()
		_, _, _ = p.Token(t.Context(), "2")
	}()
	done := make(chan error, 1)
	go func() {
		_, _, err := p.Token(t.Context(), "2")
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(liveness):
		t.Fatal("the list stayed marked as being built after a panic")
	}
}
