package keys

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestKeySetPropagation: with Propagation, a rotated key is published by
// every server that reloaded once before any of them signs with it, and
// the key it replaces signs meanwhile although retired.
func TestKeySetPropagation(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	const prop = 30 * time.Second
	a, b, admin := newTestKeySet(t, store), newTestKeySet(t, store), newTestKeySet(t, store)
	a.Propagation, b.Propagation = prop, prop
	if err := a.Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	// A first start signs with its only key at once.
	_, oldKID := a.Signer()
	if oldKID == "" {
		t.Fatal("no signer after the first start")
	}
	if err := b.Load(ctx, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, kid := b.Signer(); kid != oldKID {
		t.Fatalf("b signs with %q, a with %q", kid, oldKID)
	}

	t1 := t0.Add(time.Hour)
	newKID, err := admin.Rotate(ctx, t1)
	if err != nil {
		t.Fatal(err)
	}
	// Both reload within the propagation time: both publish the new key,
	// neither signs with it yet.
	for i, ks := range []*KeySet{a, b} {
		now := t1.Add(time.Duration(5*(i+1)) * time.Second)
		if err := ks.Reload(ctx, now); err != nil {
			t.Fatal(err)
		}
		if _, kid := ks.Signer(); kid != oldKID {
			t.Errorf("server %d signs with %q before the new key propagated, want the replaced %q", i, kid, oldKID)
		}
		if kids := jwksKIDs(ks.JWKS(now)); !slices.Contains(kids, newKID) || !slices.Contains(kids, oldKID) {
			t.Errorf("server %d publishes %v, want both %s and %s", i, kids, newKID, oldKID)
		}
	}
	// a reloads once the new key is Propagation old and signs with it; b,
	// not reloaded since, already publishes it.
	t2 := t1.Add(prop + time.Second)
	if err := a.Reload(ctx, t2); err != nil {
		t.Fatal(err)
	}
	if _, kid := a.Signer(); kid != newKID {
		t.Fatalf("after propagation a signs with %q, want %q", kid, newKID)
	}
	if err := verifyJWS(signJWS(t, a, "after"), b.JWKS(t2)); err != nil {
		t.Errorf("what a signs with the new key does not verify with b's JWKS: %v", err)
	}
	// The replaced key stays published for what it signed meanwhile.
	if err := verifyJWS(signJWS(t, b, "before"), a.JWKS(t2)); err != nil {
		t.Errorf("what b still signs with the replaced key does not verify with a's JWKS: %v", err)
	}
}
