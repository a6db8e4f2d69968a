package keys

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

func newSMKeySet(t *testing.T, store Store) *KeySet {
	t.Helper()
	return NewKeySetFor(suite.SM, store, newSMSealer(t, smKey(3)), rand.Reader)
}

// TestKeySetSM: on the SM suite the platform's key is SM2, its kid the SM3
// thumbprint, its stored public key an SM2 JWK; what it signs verifies with
// the JWKS under the suite's allow-list, and another process loads the same
// key.
func TestKeySetSM(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	ks := newSMKeySet(t, store)
	if err := ks.Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	all, _ := store.ListSigningKeys(ctx)
	if len(all) != 2 || len(ofAlg(all, "SM2")) != 1 || len(ofAlg(all, jose.RS256)) != 1 {
		t.Fatalf("store holds %v, want one SM2 and one RS256 key", all)
	}
	stored := ofAlg(all, "SM2")[0]
	signer, kid := ks.Signer()
	if _, ok := signer.(*sm2.PrivateKey); !ok || kid != stored.ID {
		t.Fatalf("Signer = %T, %q; stored %q", signer, kid, stored.ID)
	}
	if want, _ := suite.SM.KeyID(signer.Public()); kid != want {
		t.Fatalf("kid %q, want the SM3 thumbprint %q", kid, want)
	}
	pub, err := jws.ParseSM2JWK(stored.Public)
	if err != nil || !pub.Key.Equal(signer.Public()) || pub.KeyID != kid || pub.Algorithm != "SM2" || pub.Use != "sig" {
		t.Fatalf("stored public key %s: %v", stored.Public, err)
	}
	if strings.Contains(string(stored.Private), "BEGIN") || len(stored.Private) < 81 {
		t.Fatal("stored private key is not sealed")
	}
	if ks.Suite() != suite.SM {
		t.Fatal("Suite")
	}

	tok, err := jws.Sign(signer, "netid-test+jwt", kid, []byte(`{"iss":"p"}`))
	if err != nil {
		t.Fatal(err)
	}
	set := ks.JWKS(t0)
	if h, _, err := jws.Verify(tok, jws.Expect{Typ: "netid-test+jwt", Algorithms: suite.SM.Algorithms(), Keys: jws.ByKeyID(set)}); err != nil || h.Alg != jws.SM2 {
		t.Fatalf("Verify with the JWKS = %+v, %v", h, err)
	}

	again := newSMKeySet(t, store)
	if err := again.Load(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, kid2 := again.Signer(); kid2 != kid {
		t.Fatalf("second Load signs with %q, want %q", kid2, kid)
	}

	newKID, err := ks.Rotate(ctx, t0.Add(2*time.Hour))
	if err != nil || newKID == kid {
		t.Fatalf("Rotate = %q, %v", newKID, err)
	}
	if _, cur := ks.Signer(); cur != newKID {
		t.Fatalf("after Rotate signs with %q, want %q", cur, newKID)
	}
	var kids []string
	for _, k := range ks.JWKS(t0.Add(2 * time.Hour)).Keys {
		if k.Algorithm == "SM2" {
			kids = append(kids, k.KeyID)
		}
	}
	if !slices.Contains(kids, kid) || !slices.Contains(kids, newKID) {
		t.Fatalf("JWKS SM2 kids %v, want the retired and the new key", kids)
	}
}

// TestKeySetRefusesOtherSuite: data created under one suite is refused by
// a platform started with the other, with a message naming the suite to
// start with.
func TestKeySetRefusesOtherSuite(t *testing.T) {
	ctx := context.Background()
	smStore, esStore := newFakeStore(), newFakeStore()
	if err := newSMKeySet(t, smStore).Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if err := newTestKeySet(t, esStore).Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	err := newTestKeySet(t, smStore).Load(ctx, t0)
	if !errors.Is(err, ErrSuite) || !strings.Contains(err.Error(), "--crypto-suite sm") {
		t.Fatalf("es256 platform on sm data: %v, want ErrSuite naming sm", err)
	}
	err = newSMKeySet(t, esStore).Load(ctx, t0)
	if !errors.Is(err, ErrSuite) || !strings.Contains(err.Error(), "--crypto-suite es256") {
		t.Fatalf("sm platform on es256 data: %v, want ErrSuite naming es256", err)
	}
	// Nothing was added to either store.
	for _, s := range []*fakeStore{smStore, esStore} {
		if all, _ := s.ListSigningKeys(ctx); len(all) != 2 {
			t.Fatalf("a refused start changed the store: %d keys", len(all))
		}
	}
}
