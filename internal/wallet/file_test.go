package wallet

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/suite"
)

const testServer = "https://netid.example.cn"

// issueTestCredential returns an SD-JWT bound to holder, signed by a
// throwaway issuer key of holder's crypto suite.
func issueTestCredential(t testing.TB, holder *ecdsa.PrivateKey, id string) string {
	t.Helper()
	st, ok := suite.OfKey(&holder.PublicKey)
	if !ok {
		t.Fatal("holder key of no suite")
	}
	return issueTestCredentialBy(t, st, holder, id)
}

// issueTestCredentialBy is issueTestCredential with an issuer key of st,
// whatever holder's suite.
func issueTestCredentialBy(t testing.TB, st suite.Suite, holder *ecdsa.PrivateKey, id string) string {
	t.Helper()
	issuer, err := st.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return issueTestCredentialWith(t, issuer, holder, id)
}

// issueTestCredentialWith is issueTestCredential signed by issuer.
func issueTestCredentialWith(t testing.TB, issuer, holder *ecdsa.PrivateKey, id string) string {
	t.Helper()
	wh, err := netnum.New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := credential.Issuer{Key: issuer, KeyID: testKID}.Issue(credential.Claims{
		ID: id, Issuer: testServer, VCT: credential.VCTWangzheng, Wanghao: wh,
		IssuedAt: testNow, ExpiresAt: testNow.AddDate(1, 0, 0),
		Holder:      &jose.JSONWebKey{Key: &holder.PublicKey},
		Status:      credential.Status{URI: testServer + "/status/1", Index: 7},
		Disclosable: map[string]any{"age_over_18": true, "name": "张三"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return sd
}

func newDeviceKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	return newDeviceKeySuite(t, suite.ES256)
}

func newDeviceKeySuite(t testing.TB, st suite.Suite) *ecdsa.PrivateKey {
	t.Helper()
	k, err := st.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// savedWallet saves a fresh credential in a new directory.
func savedWallet(t testing.TB) (dir string, key *ecdsa.PrivateKey, cred string) {
	t.Helper()
	return savedWalletSuite(t, suite.ES256)
}

// savedWalletSuite is savedWallet with a device key and an issuer of st.
func savedWalletSuite(t testing.TB, st suite.Suite) (dir string, key *ecdsa.PrivateKey, cred string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "wallet")
	key = newDeviceKeySuite(t, st)
	cred = issueTestCredential(t, key, "cred-1")
	if _, err := Save(dir, testServer, cred, key, testPassword, SaveOptions{KDF: testKDF}); err != nil {
		t.Fatal(err)
	}
	return dir, key, cred
}

func TestSaveOpenUnlockRoundTrip(t *testing.T) {
	dir, key, cred := savedWallet(t)
	if !Exists(dir) {
		t.Fatal("Exists = false after Save")
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, WalletFile): 0o600} {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != want {
				t.Errorf("%s mode = %o, want %o", filepath.Base(path), got, want)
			}
		}
	}
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	jwt, _, _ := strings.Cut(cred, "~")
	if w.Server != testServer || w.CredentialID != "cred-1" || w.IssuerJWT != jwt ||
		!w.ExpiresAt.Equal(testNow.AddDate(1, 0, 0)) || w.Dir != dir {
		t.Errorf("Open = %+v", w)
	}
	if want := netnum.Mask(w.Wanghao); w.MaskedWanghao() != want || !strings.Contains(want, "****") {
		t.Errorf("MaskedWanghao = %q, want %q", w.MaskedWanghao(), want)
	}
	raw, err := os.ReadFile(filepath.Join(dir, WalletFile))
	if err != nil {
		t.Fatal(err)
	}
	_, disclosures, _ := strings.Cut(cred, "~")
	if bytes.Contains(raw, []byte(strings.Split(disclosures, "~")[0])) || bytes.Contains(raw, []byte("张三")) {
		t.Error("wallet.json holds a disclosure in the clear")
	}
	u, err := w.Unlock(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !u.DeviceKey.Equal(key) || u.Credential != cred || u.Wallet != w {
		t.Error("Unlock did not return the saved secrets")
	}
	if w.Expired(testNow) || !w.Expired(testNow.AddDate(1, 0, 0)) {
		t.Error("Expired is wrong at the boundaries")
	}
}

func TestSaveReplacesEarlierCredential(t *testing.T) {
	dir, _, _ := savedWallet(t)
	key := newDeviceKey(t)
	cred := issueTestCredential(t, key, "cred-2")
	if _, err := Save(dir, testServer, cred, key, "11223344", SaveOptions{KDF: testKDF}); err != nil {
		t.Fatal(err)
	}
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if w.CredentialID != "cred-2" {
		t.Errorf("CredentialID = %q, want cred-2", w.CredentialID)
	}
	if _, err := w.Unlock(testPassword); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("old password: err = %v, want ErrWrongPassword", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only wallet.json (no temporary files)", len(entries))
	}
}

func TestSaveRejects(t *testing.T) {
	key := newDeviceKey(t)
	cred := issueTestCredential(t, key, "cred-1")
	dir := t.TempDir()
	for _, tc := range []struct {
		name     string
		server   string
		cred     string
		key      *ecdsa.PrivateKey
		password string
		kdf      KDFParams
		want     error
	}{
		{"other key", testServer, cred, newDeviceKey(t), testPassword, testKDF, ErrCredentialMismatch},
		{"not an SD-JWT", testServer, "abc", key, testPassword, testKDF, ErrCredentialMismatch},
		{"bad server", "ftp://x", cred, key, testPassword, testKDF, ErrMalformed},
		{"no 网号 disclosure", testServer, withoutDisclosure(t, cred, credential.ClaimWanghao), key, testPassword, testKDF, ErrCredentialMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Save(dir, tc.server, tc.cred, tc.key, tc.password, SaveOptions{KDF: tc.kdf})
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name     string
		password string
		kdf      KDFParams
	}{
		{"empty password", "", testKDF},
		{"kdf out of range", testPassword, KDFParams{Time: 100, MemoryKiB: 64, Threads: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Save(dir, testServer, cred, key, tc.password, SaveOptions{KDF: tc.kdf}); err == nil {
				t.Error("Save succeeded")
			}
		})
	}
	if Exists(dir) {
		t.Error("a rejected Save wrote a wallet")
	}
}

func TestUnlockWrongPassword(t *testing.T) {
	dir, _, _ := savedWallet(t)
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"", "73915825", testPassword + " "} {
		if _, err := w.Unlock(pw); !errors.Is(err, ErrWrongPassword) {
			t.Errorf("Unlock(%q) err = %v, want ErrWrongPassword", pw, err)
		}
	}
}

func TestOpenMissing(t *testing.T) {
	dir := t.TempDir()
	if Exists(dir) {
		t.Error("Exists = true for an empty directory")
	}
	if _, err := Open(dir); !errors.Is(err, ErrNoWallet) {
		t.Errorf("err = %v, want ErrNoWallet", err)
	}
}

// TestTamperedFile alters one field of wallet.json at a time: fields the
// file cross-checks fail Open, everything else fails Unlock (AAD).
func TestTamperedFile(t *testing.T) {
	dir, _, _ := savedWallet(t)
	orig, err := os.ReadFile(filepath.Join(dir, WalletFile))
	if err != nil {
		t.Fatal(err)
	}
	// Another wallet's issuer JWT with matching fields: Open accepts the
	// swap, the AAD does not.
	otherDir, _, _ := savedWallet(t)
	other, err := Open(otherDir)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(b []byte) []byte { c := bytes.Clone(b); c[len(c)-1] ^= 1; return c }
	for _, tc := range []struct {
		name   string
		edit   func(m map[string]any, locked map[string]any)
		onOpen error // nil: Open succeeds and Unlock must fail with ErrWrongPassword
	}{
		{"server", func(m, _ map[string]any) { m["server"] = "https://evil.example" }, nil},
		{"salt", func(_, l map[string]any) { l["salt"] = flip(decodeB64(t, l["salt"])) }, nil},
		{"nonce", func(_, l map[string]any) { l["nonce"] = flip(decodeB64(t, l["nonce"])) }, nil},
		{"ciphertext", func(_, l map[string]any) { l["ciphertext"] = flip(decodeB64(t, l["ciphertext"])) }, nil},
		{"kdf params", func(_, l map[string]any) { l["params"].(map[string]any)["t"] = 2 }, nil},
		{"swapped credential", func(m, _ map[string]any) {
			m["issuer_jwt"], m["wanghao"], m["credential_id"] = other.IssuerJWT, other.Wanghao, other.CredentialID
			m["expires_at"] = other.ExpiresAt
		}, nil},
		// The issuer-signed JWT does not carry the 网号: Open cannot tell,
		// the AAD can.
		{"wanghao", func(m, _ map[string]any) { m["wanghao"] = other.Wanghao }, nil},
		{"credential id", func(m, _ map[string]any) { m["credential_id"] = "cred-x" }, ErrMalformed},
		{"expiry", func(m, _ map[string]any) { m["expires_at"] = testNow.AddDate(5, 0, 0) }, ErrMalformed},
		{"version", func(m, _ map[string]any) { m["version"] = 2 }, ErrMalformed},
		{"kdf", func(_, l map[string]any) { l["kdf"] = "pbkdf2" }, ErrMalformed},
		{"kdf memory", func(_, l map[string]any) { l["params"].(map[string]any)["m"] = 1 << 30 }, ErrMalformed},
		{"unknown field", func(m, _ map[string]any) { m["extra"] = true }, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(orig, &m); err != nil {
				t.Fatal(err)
			}
			tc.edit(m, m["locked"].(map[string]any))
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			d := t.TempDir()
			if err := os.WriteFile(filepath.Join(d, WalletFile), b, 0o600); err != nil {
				t.Fatal(err)
			}
			w, err := Open(d)
			if tc.onOpen != nil {
				if !errors.Is(err, tc.onOpen) {
					t.Fatalf("Open err = %v, want %v", err, tc.onOpen)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if _, err := w.Unlock(testPassword); !errors.Is(err, ErrWrongPassword) {
				t.Errorf("Unlock err = %v, want ErrWrongPassword", err)
			}
		})
	}
}

func decodeB64(t testing.TB, v any) []byte {
	t.Helper()
	var b []byte
	if err := json.Unmarshal([]byte(`"`+v.(string)+`"`), &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPendingRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "w")
	if _, err := LoadPending(dir); !errors.Is(err, ErrNoPending) {
		t.Fatalf("err = %v, want ErrNoPending", err)
	}
	p := Pending{Server: testServer, ApplicationID: "app-1", Token: "tok", DocumentPath: "/tmp/doc.json",
		Phone: testPhone, Guardian: "ABCD", OnBehalf: true}
	if err := SavePending(dir, p); err != nil {
		t.Fatal(err)
	}
	got, err := LoadPending(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got != p {
		t.Errorf("LoadPending = %+v, want %+v", got, p)
	}
	if st, err := os.Stat(filepath.Join(dir, PendingFile)); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
		t.Errorf("pending.json: %v, mode %v", err, st.Mode())
	}
	if err := RemovePending(dir); err != nil {
		t.Fatal(err)
	}
	if err := RemovePending(dir); err != nil {
		t.Errorf("second RemovePending: %v", err)
	}
	if _, err := LoadPending(dir); !errors.Is(err, ErrNoPending) {
		t.Errorf("after remove: err = %v, want ErrNoPending", err)
	}
}

func TestPendingMalformed(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"not json", "{"},
		{"no token", `{"server":"https://x","application_id":"a","document_path":"d"}`},
		{"bad server", `{"server":"x","application_id":"a","token":"t","document_path":"d"}`},
		{"unknown field", `{"server":"https://x","application_id":"a","token":"t","document_path":"d","x":1}`},
		{"trailing", `{"server":"https://x","application_id":"a","token":"t","document_path":"d"} {}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, PendingFile), []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadPending(dir); !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv(EnvDir, "/custom/wallet")
	if d, err := DefaultDir(); err != nil || d != "/custom/wallet" {
		t.Errorf("DefaultDir = %q, %v", d, err)
	}
	t.Setenv(EnvDir, "")
	t.Setenv("HOME", "/home/someone")
	if d, err := DefaultDir(); err != nil || d != filepath.Join("/home/someone", ".netid", "wallet") {
		t.Errorf("DefaultDir = %q, %v", d, err)
	}
}

func BenchmarkUnlockDefaultKDF(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "w")
	key := newDeviceKey(b)
	cred := issueTestCredential(b, key, "cred-1")
	if _, err := Save(dir, testServer, cred, key, testPassword, SaveOptions{}); err != nil {
		b.Fatal(err)
	}
	w, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := w.Unlock(testPassword); err != nil {
			b.Fatal(err)
		}
	}
}
