package keys

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/storage"
)

// fakeStore is an in-memory Store.
type fakeStore struct {
	mu      sync.Mutex
	keys    map[string]storage.SigningKey
	expiry  map[string]time.Time // LatestExpiry by kid
	listErr error
}

func newFakeStore() *fakeStore {
	return &fakeStore{keys: map[string]storage.SigningKey{}, expiry: map[string]time.Time{}}
}

func (s *fakeStore) CreateSigningKey(_ context.Context, k storage.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; ok {
		return storage.ErrAlreadyExists
	}
	s.keys[k.ID] = k
	return nil
}

func (s *fakeStore) ListSigningKeys(context.Context) ([]storage.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listErr != nil {
		return nil, s.listErr
	}
	var out []storage.SigningKey
	for _, k := range s.keys {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b storage.SigningKey) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

func (s *fakeStore) UpdateSigningKey(_ context.Context, id string, fn func(storage.SigningKey) (storage.SigningKey, error)) (storage.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	if !ok {
		return storage.SigningKey{}, storage.ErrNotFound
	}
	k, err := fn(k)
	if err != nil {
		return storage.SigningKey{}, err
	}
	s.keys[id] = k
	return k, nil
}

func (s *fakeStore) LatestExpiry(_ context.Context, kid string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expiry[kid], nil
}

func (s *fakeStore) get(t *testing.T, kid string) storage.SigningKey {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[kid]
	if !ok {
		t.Fatalf("store has no key %s", kid)
	}
	return k
}

func (s *fakeStore) setExpiry(kid string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expiry[kid] = t
}

var t0 = time.Date(2025, 7, 15, 8, 0, 0, 0, time.UTC)

func newTestKeySet(t *testing.T, store Store) *KeySet {
	t.Helper()
	return NewKeySet(store, newTestSealer(t, testKey(3)), rand.Reader)
}

// jwksKIDs lists the kids of the ES256 keys of set (the RS256 keys have
// their own test).
func jwksKIDs(set jose.JSONWebKeySet) []string {
	var kids []string
	for _, k := range set.Keys {
		if k.Algorithm == string(SigningAlgorithm) {
			kids = append(kids, k.KeyID)
		}
	}
	return kids
}

// ofAlg keeps the stored keys of alg.
func ofAlg(all []storage.SigningKey, alg jose.SignatureAlgorithm) []storage.SigningKey {
	var out []storage.SigningKey
	for _, k := range all {
		if k.Algorithm == string(alg) {
			out = append(out, k)
		}
	}
	return out
}

// signJWS signs payload with the KeySet's current key, as an issuer would.
func signJWS(t *testing.T, ks *KeySet, payload string) string {
	t.Helper()
	signer, kid := ks.Signer()
	js, err := jose.NewSigner(jose.SigningKey{Algorithm: SigningAlgorithm, Key: jose.JSONWebKey{Key: signer, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := js.Sign([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// verifyJWS verifies a compact JWS against a published JWKS.
func verifyJWS(compact string, set jose.JSONWebKeySet) error {
	obj, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{SigningAlgorithm})
	if err != nil {
		return err
	}
	keys := set.Key(obj.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		return errors.New("kid not published")
	}
	_, err = obj.Verify(keys[0])
	return err
}

func TestKeySetFirstStart(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	ks := newTestKeySet(t, store)
	if s, kid := ks.Signer(); s != nil || kid != "" {
		t.Fatal("Signer before Load returned a key")
	}
	if err := ks.Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	all, _ := store.ListSigningKeys(ctx)
	if len(all) != 2 || len(ofAlg(all, jose.ES256)) != 1 || len(ofAlg(all, jose.RS256)) != 1 {
		t.Fatalf("store holds %d keys, want one ES256 and one RS256", len(all))
	}
	all = ofAlg(all, jose.ES256)
	stored := all[0]
	signer, kid := ks.Signer()
	if signer == nil || kid != stored.ID {
		t.Fatalf("Signer kid = %q, want %q", kid, stored.ID)
	}
	if stored.Algorithm != "ES256" || !stored.CreatedAt.Equal(t0) || !stored.RetiredAt.IsZero() {
		t.Errorf("stored key = %+v", stored)
	}
	want, err := thumbprint(jose.JSONWebKey{Key: signer.Public()})
	if err != nil || kid != want {
		t.Errorf("kid = %q, want the RFC 7638 thumbprint %q", kid, want)
	}
	// The private key is stored sealed, PKCS #8, bound to its kid.
	der, err := x509.MarshalPKCS8PrivateKey(signer)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored.Private, der) || bytes.Contains(stored.Private, mustPrivateBytes(t, signer.(*ecdsa.PrivateKey))) {
		t.Error("stored private key is not sealed")
	}
	opened, err := ks.sealer.Open(stored.Private, []byte("signing-key:"+kid))
	if err != nil || !bytes.Equal(opened, der) {
		t.Errorf("sealed private key does not open to its PKCS #8 form: %v", err)
	}
	if got := jwksKIDs(ks.JWKS(t0)); !slices.Equal(got, []string{kid}) {
		t.Errorf("JWKS kids = %v, want [%s]", got, kid)
	}

	// A second Load, here by another process, reuses the key.
	ks2 := newTestKeySet(t, store)
	if err := ks2.Load(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, kid2 := ks2.Signer(); kid2 != kid {
		t.Errorf("second Load signs with %q, want %q", kid2, kid)
	}
	if all, _ := store.ListSigningKeys(ctx); len(all) != 2 {
		t.Errorf("store holds %d keys after second Load, want 2", len(all))
	}
}

func TestKeySetRotate(t *testing.T) {
	ctx := context.Background()
	t1 := t0.Add(time.Hour)
	tests := []struct {
		name         string
		latestExpiry time.Time // of credentials signed by the old key
		wantUntil    time.Time
	}{
		{"no credentials", time.Time{}, t1.Add(DefaultGrace)},
		{"credentials expire within grace", t1.Add(time.Hour), t1.Add(DefaultGrace)},
		{"credentials outlive grace", t0.Add(90 * 24 * time.Hour), t0.Add(90 * 24 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			ks := newTestKeySet(t, store)
			if err := ks.Load(ctx, t0); err != nil {
				t.Fatal(err)
			}
			_, oldKID := ks.Signer()
			credential := signJWS(t, ks, `{"sub":"x"}`)
			store.setExpiry(oldKID, tt.latestExpiry)

			newKID, err := ks.Rotate(ctx, t1)
			if err != nil {
				t.Fatal(err)
			}
			if newKID == oldKID {
				t.Fatal("Rotate kept the old kid")
			}
			if _, kid := ks.Signer(); kid != newKID {
				t.Errorf("Signer kid = %q, want the new %q", kid, newKID)
			}
			old := store.get(t, oldKID)
			if !old.RetiredAt.Equal(t1) || !old.PublishUntil.Equal(tt.wantUntil) {
				t.Errorf("old key RetiredAt %v PublishUntil %v, want %v and %v", old.RetiredAt, old.PublishUntil, t1, tt.wantUntil)
			}
			if nk := store.get(t, newKID); !nk.RetiredAt.IsZero() || !nk.PublishUntil.IsZero() {
				t.Errorf("new key is retired: %+v", nk)
			}

			set := ks.JWKS(t1)
			if got := jwksKIDs(set); !slices.Equal(got, []string{newKID, oldKID}) {
				t.Errorf("JWKS kids = %v, want [%s %s]", got, newKID, oldKID)
			}
			if err := verifyJWS(credential, set); err != nil {
				t.Errorf("credential signed by the retired key does not verify: %v", err)
			}
			if err := verifyJWS(signJWS(t, ks, "new"), set); err != nil {
				t.Errorf("credential signed by the new key does not verify: %v", err)
			}

			last := ks.JWKS(tt.wantUntil.Add(-time.Nanosecond))
			if got := jwksKIDs(last); !slices.Equal(got, []string{newKID, oldKID}) {
				t.Errorf("just before PublishUntil: JWKS kids = %v", got)
			}
			after := ks.JWKS(tt.wantUntil)
			if got := jwksKIDs(after); !slices.Equal(got, []string{newKID}) {
				t.Errorf("at PublishUntil: JWKS kids = %v, want [%s]", got, newKID)
			}
			if err := verifyJWS(credential, after); err == nil {
				t.Error("credential of an unpublished key still verifies")
			}
			// A Load after PublishUntil does not bring it back.
			if err := ks.Load(ctx, tt.wantUntil); err != nil {
				t.Fatal(err)
			}
			if got := jwksKIDs(ks.JWKS(t1)); !slices.Equal(got, []string{newKID}) {
				t.Errorf("after reload: JWKS kids = %v, want [%s]", got, newKID)
			}
		})
	}
}

func TestJWKSHasNoPrivateParts(t *testing.T) {
	ctx := context.Background()
	ks := newTestKeySet(t, newFakeStore())
	if err := ks.Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := ks.Rotate(ctx, t0.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	set := ks.JWKS(t0.Add(time.Hour))
	if len(set.Keys) != 8 {
		t.Fatalf("JWKS has %d keys, want 8 (4 ES256, 4 RS256)", len(set.Keys))
	}
	for _, k := range set.Keys {
		if !k.IsPublic() || !k.Valid() {
			t.Errorf("key %s is not a valid public key", k.KeyID)
		}
		switch pub := k.Key.(type) {
		case *ecdsa.PublicKey:
			if k.Algorithm != "ES256" {
				t.Errorf("P-256 key %s: alg %q", k.KeyID, k.Algorithm)
			}
		case *rsa.PublicKey:
			if k.Algorithm != "RS256" || pub.N.BitLen() < 2048 {
				t.Errorf("RSA key %s: alg %q, %d bits", k.KeyID, k.Algorithm, pub.N.BitLen())
			}
		default:
			t.Errorf("key %s holds %T", k.KeyID, k.Key)
		}
		if k.Use != "sig" {
			t.Errorf("key %s: use %q", k.KeyID, k.Use)
		}
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range doc.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k[private]; ok {
				t.Errorf("published JWK has private member %q", private)
			}
		}
		if !(k["kty"] == "EC" && k["crv"] == "P-256" && k["alg"] == "ES256") && !(k["kty"] == "RSA" && k["alg"] == "RS256") {
			t.Errorf("published JWK = %v", k)
		}
	}
}

func TestKeySetReloadPicksUpRotation(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	server := newTestKeySet(t, store)
	admin := newTestKeySet(t, store)
	if err := server.Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	_, oldKID := server.Signer()

	t1 := t0.Add(time.Hour)
	newKID, err := admin.Rotate(ctx, t1)
	if err != nil {
		t.Fatal(err)
	}
	// Until it reloads, the server signs with the retired key, which it
	// still publishes.
	if _, kid := server.Signer(); kid != oldKID {
		t.Fatalf("server switched keys without Reload")
	}
	credential := signJWS(t, server, "late")
	lateExpiry := t1.Add(DefaultGrace + 30*24*time.Hour)
	store.setExpiry(oldKID, lateExpiry)

	t2 := t1.Add(time.Minute)
	if err := server.Reload(ctx, t2); err != nil {
		t.Fatal(err)
	}
	if _, kid := server.Signer(); kid != newKID {
		t.Errorf("after Reload the server signs with %q, want %q", kid, newKID)
	}
	// The reload extended the retired key's publication to cover what the
	// server signed after the rotation.
	if got := store.get(t, oldKID).PublishUntil; !got.Equal(lateExpiry) {
		t.Errorf("PublishUntil = %v, want %v", got, lateExpiry)
	}
	if err := verifyJWS(credential, server.JWKS(lateExpiry.Add(-time.Second))); err != nil {
		t.Errorf("late credential does not verify until it expires: %v", err)
	}
	if err := admin.Reload(ctx, t2); err != nil {
		t.Fatal(err)
	}
	if got, want := jwksKIDs(admin.JWKS(t2)), jwksKIDs(server.JWKS(t2)); !slices.Equal(got, want) {
		t.Errorf("processes publish %v and %v", got, want)
	}
}

func TestKeySetConcurrentFirstStart(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	sets := make([]*KeySet, 4)
	for i := range sets {
		sets[i] = newTestKeySet(t, store)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(sets))
	for i, ks := range sets {
		wg.Go(func() {
			errs[i] = ks.Load(ctx, t0)
			if errs[i] == nil {
				errs[i] = ks.Load(ctx, t0) // same KeySet again, concurrently with others
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("KeySet %d: %v", i, err)
		}
	}
	// Whatever number of keys the race created, after a Reload every
	// process signs with the same one and publishes them all.
	var kid string
	for i, ks := range sets {
		if err := ks.Reload(ctx, t0); err != nil {
			t.Fatal(err)
		}
		_, k := ks.Signer()
		if i == 0 {
			kid = k
		} else if k != kid {
			t.Errorf("KeySet %d signs with %q, KeySet 0 with %q", i, k, kid)
		}
	}
	all, _ := store.ListSigningKeys(ctx)
	if n := len(sets[0].JWKS(t0).Keys); n != len(all) {
		t.Errorf("JWKS has %d keys, store %d active keys", n, len(all))
	}
}

func TestKeySetConcurrentUse(t *testing.T) {
	ctx := context.Background()
	ks := newTestKeySet(t, newFakeStore())
	if err := ks.Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				s, kid := ks.Signer()
				if s == nil || kid == "" {
					t.Error("no signer")
					return
				}
				if len(ks.JWKS(t0).Keys) == 0 {
					t.Error("empty JWKS")
					return
				}
			}
		})
	}
	for i := range 5 {
		if _, err := ks.Rotate(ctx, t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

func TestKeySetLoadErrors(t *testing.T) {
	ctx := context.Background()
	errStore := errors.New("store down")

	t.Run("store error", func(t *testing.T) {
		store := newFakeStore()
		store.listErr = errStore
		ks := newTestKeySet(t, store)
		if err := ks.Load(ctx, t0); !errors.Is(err, errStore) {
			t.Fatalf("Load: err = %v, want %v", err, errStore)
		}
		if _, err := ks.Rotate(ctx, t0); !errors.Is(err, errStore) {
			t.Fatalf("Rotate: err = %v, want %v", err, errStore)
		}
	})

	t.Run("wrong master key", func(t *testing.T) {
		store := newFakeStore()
		if err := newTestKeySet(t, store).Load(ctx, t0); err != nil {
			t.Fatal(err)
		}
		other := NewKeySet(store, newTestSealer(t, testKey(4)), rand.Reader)
		if err := other.Load(ctx, t0); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("err = %v, want ErrDecrypt", err)
		}
		if s, _ := other.Signer(); s != nil {
			t.Error("failed Load installed a signer")
		}
	})

	tamper := []struct {
		name string
		fn   func(k, other storage.SigningKey) storage.SigningKey
		want error
	}{
		{"algorithm", func(k, _ storage.SigningKey) storage.SigningKey { k.Algorithm = "RS256"; return k }, ErrSigningKey},
		{"public key of another kid", func(k, o storage.SigningKey) storage.SigningKey { k.Public = o.Public; return k }, ErrSigningKey},
		{"public key garbage", func(k, _ storage.SigningKey) storage.SigningKey { k.Public = []byte("{}"); return k }, ErrSigningKey},
		{"private key of another kid", func(k, o storage.SigningKey) storage.SigningKey { k.Private = o.Private; return k }, ErrDecrypt},
	}
	for _, tt := range tamper {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			ks := newTestKeySet(t, store)
			if err := ks.Load(ctx, t0); err != nil {
				t.Fatal(err)
			}
			_, oldKID := ks.Signer()
			newKID, err := ks.Rotate(ctx, t0)
			if err != nil {
				t.Fatal(err)
			}
			other := store.get(t, oldKID)
			if _, err := store.UpdateSigningKey(ctx, newKID, func(k storage.SigningKey) (storage.SigningKey, error) {
				return tt.fn(k, other), nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := newTestKeySet(t, store).Load(ctx, t0); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// mustPrivateBytes returns the private scalar of key, fixed-length.
func mustPrivateBytes(t testing.TB, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	b, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An RS256 key is generated, published and rotated with the ES256 key, and
// signs tokens that verify against the published JWKS.
func TestKeySetRS256(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	ks := newTestKeySet(t, store)
	if err := ks.Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	signer, kid := ks.SignerFor(jose.RS256)
	if signer == nil || kid == "" {
		t.Fatal("no RS256 signer after Load")
	}
	if pub, ok := signer.Public().(*rsa.PublicKey); !ok || pub.N.BitLen() < RSABits {
		t.Fatalf("RS256 signer holds %T", signer.Public())
	}
	if s, _ := ks.SignerFor(jose.PS256); s != nil {
		t.Error("a signer for an algorithm the KeySet does not keep")
	}
	verify := func(ks *KeySet, kid string, at time.Time) error {
		signer, _ := ks.SignerFor(jose.RS256)
		js, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: signer, KeyID: kid}}, nil)
		if err != nil {
			return err
		}
		obj, err := js.Sign([]byte(`{"a":1}`))
		if err != nil {
			return err
		}
		compact, _ := obj.CompactSerialize()
		parsed, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			return err
		}
		set := ks.JWKS(at)
		keys := set.Key(kid)
		if len(keys) != 1 || keys[0].Algorithm != "RS256" {
			return fmt.Errorf("kid %s published %d times", kid, len(keys))
		}
		_, err = parsed.Verify(keys[0])
		return err
	}
	if err := verify(ks, kid, t0); err != nil {
		t.Fatal(err)
	}
	// A second process reuses it.
	ks2 := newTestKeySet(t, store)
	if err := ks2.Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if _, kid2 := ks2.SignerFor(jose.RS256); kid2 != kid {
		t.Errorf("second Load signs RS256 with %q, want %q", kid2, kid)
	}
	// Rotation replaces it; the old one stays published for the grace.
	if _, err := ks.Rotate(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	_, newKID := ks.SignerFor(jose.RS256)
	if newKID == kid {
		t.Fatal("Rotate kept the RS256 key")
	}
	if err := verify(ks, newKID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	during, after := ks.JWKS(t0.Add(time.Minute)), ks.JWKS(t0.Add(time.Minute+ks.Grace))
	if len(during.Key(kid)) != 1 {
		t.Error("the retired RS256 key is not published during the grace")
	}
	if len(after.Key(kid)) != 0 {
		t.Error("the retired RS256 key outlives the grace")
	}
}

// A stored RSA key smaller than RSABits, or one whose algorithm does not
// match its key, is refused.
func TestKeySetRefusesWeakRSA(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	ks := newTestKeySet(t, store)
	if err := ks.Load(ctx, t0); err != nil {
		t.Fatal(err)
	}
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: &weak.PublicKey, Algorithm: "RS256", Use: "sig"}
	kid, _ := thumbprint(jwk)
	jwk.KeyID = kid
	pub, _ := jwk.MarshalJSON()
	if _, err := parsePublic(storage.SigningKey{ID: kid, Algorithm: "RS256", Public: pub}); !errors.Is(err, ErrSigningKey) {
		t.Errorf("RSA-1024: err = %v", err)
	}
	if _, err := parsePublic(storage.SigningKey{ID: kid, Algorithm: "ES256", Public: pub}); !errors.Is(err, ErrSigningKey) {
		t.Errorf("RSA key stored as ES256: err = %v", err)
	}
}
