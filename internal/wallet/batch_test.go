package wallet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/suite"
)

// batchWallet saves a credential without jti and n batch credentials in a
// new directory and returns it unlocked.
func batchWallet(t testing.TB, n int) *Unlocked {
	t.Helper()
	return batchWalletSuite(t, suite.ES256, n)
}

// batchWalletSuite is batchWallet with keys and an issuer of st.
func batchWalletSuite(t testing.TB, st suite.Suite, n int) *Unlocked {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "wallet")
	key := newDeviceKeySuite(t, st)
	var batch []BatchMember
	for range n {
		k := newDeviceKeySuite(t, st)
		batch = append(batch, BatchMember{Key: k, Credential: issueTestCredential(t, k, "")})
	}
	cred := issueTestCredential(t, key, "")
	if _, err := Save(dir, testServer, cred, key, testPassword, SaveOptions{KDF: testKDF, CredentialID: "cred-9", Batch: batch}); err != nil {
		t.Fatal(err)
	}
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if w.CredentialID != "cred-9" {
		t.Fatalf("CredentialID %q, want the one given at issuance", w.CredentialID)
	}
	u, err := w.Unlock(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Batch) != n {
		t.Fatalf("%d batch credentials after Unlock, want %d", len(u.Batch), n)
	}
	return u
}

// presentedBy returns which of u's credentials a presentation shows: the
// index of the batch member, or -1 for the credential itself.
func presentedBy(t testing.TB, u *Unlocked, p string) int {
	t.Helper()
	jwt, _, _ := strings.Cut(p, "~")
	for i, m := range u.Batch {
		if strings.HasPrefix(m.Credential, jwt+"~") {
			return i
		}
	}
	if strings.HasPrefix(u.Credential, jwt+"~") {
		return -1
	}
	t.Fatal("the presentation shows none of the wallet's credentials")
	return 0
}

func present(t *testing.T, u *Unlocked, audience string) int {
	t.Helper()
	p, err := Present(u, audience, "nonce-1", []string{"age_over_18"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return presentedBy(t, u, p)
}

// TestPresentOneBatchCredentialPerAudience: each relying party gets its
// own batch credential, the same one every time; when none is left
// unused, the least used is shared; the credential itself (and its key,
// used online) is never presented.
func TestPresentOneBatchCredentialPerAudience(t *testing.T) {
	u := batchWallet(t, 3)
	if n, err := u.UnusedBatch(); err != nil || n != 3 {
		t.Fatalf("UnusedBatch = %d, %v; want 3", n, err)
	}
	a := present(t, u, "https://a.example")
	b := present(t, u, "https://b.example")
	c := present(t, u, "https://c.example")
	if a < 0 || b < 0 || c < 0 || a == b || b == c || a == c {
		t.Fatalf("three relying parties got members %d, %d, %d; want three different ones", a, b, c)
	}
	if again := present(t, u, "https://a.example"); again != a {
		t.Fatalf("a relying party got member %d, then %d", a, again)
	}
	if n, err := u.UnusedBatch(); err != nil || n != 0 {
		t.Fatalf("UnusedBatch = %d, %v; want 0", n, err)
	}
	// Used up: the least used member (b or c, presented once each).
	if d := present(t, u, "https://d.example"); d != b && d != c {
		t.Fatalf("with the batch used up, got member %d; want the least used (%d or %d)", d, b, c)
	}

	// A new password keeps the batch and what was presented where.
	w, err := Relock(u, "86420975", SaveOptions{KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	u2, err := w.Unlock("86420975")
	if err != nil {
		t.Fatal(err)
	}
	if again := present(t, u2, "https://a.example"); again != a {
		t.Fatalf("after a new password, a relying party got member %d, then %d", a, again)
	}
}

// TestPresentWithoutBatch: a wallet issued without a batch presents its
// credential.
func TestPresentWithoutBatch(t *testing.T) {
	u := batchWallet(t, 0)
	if got := present(t, u, "https://a.example"); got != -1 {
		t.Fatalf("presented member %d of an empty batch", got)
	}
	if n, err := u.UnusedBatch(); err != nil || n != 0 {
		t.Fatalf("UnusedBatch = %d, %v", n, err)
	}
}

// TestSaveRefusesBatch: a batch credential bound to another key, or a
// credential without jti and without the ID the platform gave, is
// refused.
func TestSaveRefusesBatch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wallet")
	key := newDeviceKey(t)
	cred := issueTestCredential(t, key, "")
	other := newDeviceKey(t)
	for name, o := range map[string]SaveOptions{
		"member bound to another key": {KDF: testKDF, CredentialID: "c", Batch: []BatchMember{{Key: newDeviceKey(t), Credential: issueTestCredential(t, other, "")}}},
		"no credential ID":            {KDF: testKDF},
		"member without key":          {KDF: testKDF, CredentialID: "c", Batch: []BatchMember{{Credential: issueTestCredential(t, other, "")}}},
	} {
		if _, err := Save(dir, testServer, cred, key, testPassword, o); err == nil {
			t.Errorf("%s: saved", name)
		}
	}
}

// FuzzBatchFile checks that whatever batch.json holds, presenting never
// panics and presents a member of the batch, and leaves a batch.json that
// reads back.
func FuzzBatchFile(f *testing.F) {
	// An ES256 wallet and an SM one (SM2 keys) take each input.
	wallets := []*Unlocked{batchWallet(f, 3), batchWalletSuite(f, suite.SM, 3)}
	for _, u := range wallets {
		if _, err := Present(u, "https://a.example", "n", nil, time.Now()); err != nil {
			f.Fatal(err)
		}
		valid, err := os.ReadFile(filepath.Join(u.Wallet.Dir, BatchFile))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(valid)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version":1,"batch":"x","members":[{"audiences":[],"uses":-5},{"audiences":null,"uses":0},{"audiences":["a","a"],"uses":1}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, u := range wallets {
			if err := os.WriteFile(filepath.Join(u.Wallet.Dir, BatchFile), b, 0o600); err != nil {
				t.Fatal(err)
			}
			p, err := Present(u, "https://b.example", "n", nil, time.Now())
			if err != nil {
				continue // a malformed file is refused
			}
			if i := presentedBy(t, u, p); i < 0 || i >= len(u.Batch) {
				t.Fatalf("presented member %d of %d", i, len(u.Batch))
			}
			if _, err := u.readUsage(); err != nil {
				t.Fatalf("batch.json written by Present does not read back: %v", err)
			}
		}
	})
}
