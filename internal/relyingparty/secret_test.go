package relyingparty

import (
	"crypto/rand"
	"errors"
	"testing"

	"github.com/netid-project/netid/internal/password"
)

// countArgon2 counts the argon2id verifications made while the test runs.
func countArgon2(t *testing.T) *int {
	t.Helper()
	n := new(int)
	orig := verifyArgon2
	verifyArgon2 = func(hash, secret string) (bool, error) {
		*n++
		return orig(hash, secret)
	}
	t.Cleanup(func() { verifyArgon2 = orig })
	return n
}

// A wrong client secret costs a keyed hash, never an argon2id hash: a burst
// of wrong secrets cannot tie up the server's CPU.
func TestWrongSecretRunsNoArgon2(t *testing.T) {
	f := newFixture(t)
	n := countArgon2(t)
	for i := range 50 {
		wrong := f.secret[:len(f.secret)-1] + string(rune('a'+i%26))
		if wrong == f.secret {
			continue
		}
		if _, err := f.auth.Authenticate(basicRequest(secretClient, wrong), false); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("wrong secret: err = %v", err)
		}
	}
	if _, err := f.auth.Authenticate(basicRequest(secretClient, f.secret), false); err != nil {
		t.Fatalf("right secret: %v", err)
	}
	if *n != 0 {
		t.Errorf("%d argon2id hashes computed for client secrets, want 0", *n)
	}
}

// A client secret stored as an argon2id hash (before keyed hashes) still
// works; its first successful use replaces the hash with the keyed hash, so
// later checks, right or wrong, compute no argon2id.
func TestLegacySecretRehashed(t *testing.T) {
	f := newFixture(t)
	legacy, err := password.Hash(f.secret, fastParams, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	setHash(t, f, legacy)
	n := countArgon2(t)

	if _, err := f.auth.Authenticate(basicRequest(secretClient, f.secret+"x"), false); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("wrong secret against the old hash: err = %v", err)
	}
	if got := mustGet(t, f, secretClient).SecretHash; got != legacy {
		t.Fatal("a wrong secret changed the stored hash")
	}
	if _, err := f.auth.Authenticate(basicRequest(secretClient, f.secret), false); err != nil {
		t.Fatalf("right secret against the old hash: %v", err)
	}
	if *n != 2 {
		t.Fatalf("%d argon2id checks against the old hash, want 2", *n)
	}
	if got := mustGet(t, f, secretClient).SecretHash; got != SecretHash(testMAC, secretClient, f.secret) {
		t.Fatalf("stored hash after a success = %q, want the keyed hash", got)
	}
	for _, s := range []string{f.secret, f.secret + "x", f.secret} {
		_, _ = f.auth.Authenticate(basicRequest(secretClient, s), false)
	}
	if _, err := f.auth.Authenticate(basicRequest(secretClient, f.secret), false); err != nil {
		t.Fatalf("right secret after the rehash: %v", err)
	}
	if *n != 2 {
		t.Errorf("%d argon2id checks, want none after the rehash", *n-2)
	}

	// A rotation racing the rehash wins: the rehash never overwrites a
	// hash that changed since it was read.
	setHash(t, f, legacy)
	f.store.beforeUpdate = func() { setHash(t, f, "rotated") }
	if _, err := f.auth.Authenticate(basicRequest(secretClient, f.secret), false); err != nil {
		t.Fatalf("right secret: %v", err)
	}
	f.store.beforeUpdate = nil
	if got := mustGet(t, f, secretClient).SecretHash; got != "rotated" {
		t.Errorf("stored hash = %q, want the rotated one kept", got)
	}
}

// An unusable stored hash is refused without a panic or a leak.
func TestUnusableSecretHash(t *testing.T) {
	f := newFixture(t)
	for _, h := range []string{"plain", "$argon2id$v=19$garbage", "hmac-sha256$"} {
		setHash(t, f, h)
		if _, err := f.auth.Authenticate(basicRequest(secretClient, f.secret), false); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("hash %q: err = %v", h, err)
		}
	}
}

func setHash(t *testing.T, f *fixture, hash string) {
	t.Helper()
	f.store.mu.Lock()
	rp := f.store.rps[secretClient]
	rp.SecretHash = hash
	f.store.rps[secretClient] = rp
	f.store.mu.Unlock()
}

// BenchmarkWrongClientSecret is the server's cost of one wrong client
// secret: against the keyed hash clients have now, and against an argon2id
// hash (password.DefaultParams) of a client registered before, until its
// next successful authentication replaces it.
func BenchmarkWrongClientSecret(b *testing.B) {
	for _, tc := range []struct {
		name   string
		legacy bool
	}{{"keyed", false}, {"argon2id-before", true}} {
		b.Run(tc.name, func(b *testing.B) {
			f := newFixture(b)
			if tc.legacy {
				h, err := password.Hash(f.secret, password.DefaultParams, rand.Reader)
				if err != nil {
					b.Fatal(err)
				}
				f.store.mu.Lock()
				rp := f.store.rps[secretClient]
				rp.SecretHash = h
				f.store.rps[secretClient] = rp
				f.store.mu.Unlock()
			}
			wrong := f.secret[:len(f.secret)-1] + "!"
			for b.Loop() {
				if _, err := f.auth.Authenticate(basicRequest(secretClient, wrong), false); !errors.Is(err, ErrUnauthenticated) {
					b.Fatal(err)
				}
			}
		})
	}
}
