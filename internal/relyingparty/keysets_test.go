package relyingparty

import (
	"context"
	"errors"
	"testing"

	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// A key set is parsed once for the same bytes and suite, anew for other
// bytes or another suite, never kept when it does not parse, and no more
// than maxKeySets are held.
func TestKeySets(t *testing.T) {
	var ks keySets
	a, b := jwksOf(t, newKey(t)), jwksOf(t, newKey(t))
	first, err := ks.parse(a, suite.ES256)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ks.parse(a, suite.Suite{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Keys[0].Key != again.Keys[0].Key {
		t.Error("the same key set was parsed again (the zero Suite is ES256)")
	}
	other, err := ks.parse(b, suite.ES256)
	if err != nil {
		t.Fatal(err)
	}
	if other.Keys[0].Key == first.Keys[0].Key {
		t.Error("another key set gave the kept one")
	}
	if _, err := ks.parse(a, suite.SM); !errors.Is(err, ErrJWKS) {
		t.Errorf("a P-256 key set held to SM: %v, want ErrJWKS", err)
	}
	if _, err := ks.parse([]byte(`{"keys":[]}`), suite.ES256); !errors.Is(err, ErrJWKS) {
		t.Errorf("an empty key set: %v, want ErrJWKS", err)
	}
	if n := len(ks.sets); n != 2 {
		t.Errorf("%d sets kept, want 2 (refused sets are not kept)", n)
	}
	for i := range maxKeySets + 10 {
		if _, err := ks.parse(jwksOf(t, newKey(t)), suite.ES256); err != nil {
			t.Fatalf("set %d: %v", i, err)
		}
	}
	if n := len(ks.sets); n != maxKeySets {
		t.Errorf("%d sets kept, want at most %d", n, maxKeySets)
	}
}

// After a relying party's key set is replaced, an assertion signed with
// the old key is refused and one signed with the new key accepted, though
// the old set was parsed and kept.
func TestKeySetReplaced(t *testing.T) {
	fx := newFixture(t)
	tok, err := ClientAssertion(fx.key, "k0", jwtClient, audience, fx.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.auth.Authenticate(bearerRequest(tok), false); err != nil {
		t.Fatal(err)
	}
	next := newKey(t)
	if _, err := fx.store.UpdateRelyingParty(context.Background(), jwtClient, func(rp storage.RelyingParty) (storage.RelyingParty, error) {
		rp.JWKS = jwksOf(t, next)
		return rp, nil
	}); err != nil {
		t.Fatal(err)
	}
	old, err := ClientAssertion(fx.key, "k0", jwtClient, audience, fx.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.auth.Authenticate(bearerRequest(old), false); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("an assertion signed with the replaced key: %v, want ErrUnauthenticated", err)
	}
	fresh, err := ClientAssertion(next, "k0", jwtClient, audience, fx.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.auth.Authenticate(bearerRequest(fresh), false); err != nil {
		t.Errorf("an assertion signed with the new key: %v", err)
	}
}
