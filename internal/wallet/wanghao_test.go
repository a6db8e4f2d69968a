package wallet

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/netnum"
)

// legacyWallet is a wallet.json written, with testPassword and testKDF, by
// this package before the 网号 became a selectively disclosable claim: its
// issuer-signed JWT carries the 网号 in plaintext.
const (
	legacyWallet        = "testdata/wallet-v1-plaintext-wanghao.json"
	legacyWalletWanghao = "SR4MDSWXS89656V7"
)

// withoutDisclosure returns the SD-JWT sd without the disclosure of claim.
func withoutDisclosure(t testing.TB, sd, claim string) string {
	t.Helper()
	p, err := credential.Parse(sd)
	if err != nil {
		t.Fatal(err)
	}
	out := p.Disclosures[:0]
	for _, d := range p.Disclosures {
		if d.Name != claim {
			out = append(out, d)
		}
	}
	if len(out) == len(p.Disclosures) {
		t.Fatalf("no disclosure of %s", claim)
	}
	p.Disclosures = out
	return p.String()
}

// issuerPayload decodes the payload of the issuer-signed JWT.
func issuerPayload(t testing.TB, jwt string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// presentedWanghao verifies nothing but decodes a presentation the way a
// relying party would read it, and returns the 网号 it reveals.
func presentedWanghao(t testing.TB, p string) string {
	t.Helper()
	i := strings.LastIndex(p, "~")
	c, err := credential.DecodeUnverified(p[:i+1])
	if err != nil {
		t.Fatal(err)
	}
	return c.Claims.Wanghao
}

func TestWalletWanghaoFromDisclosure(t *testing.T) {
	dir, _, cred := savedWallet(t)
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := credential.DecodeUnverified(cred)
	if err != nil {
		t.Fatal(err)
	}
	if w.Wanghao == "" || w.Wanghao != c.Claims.Wanghao {
		t.Fatalf("Wanghao = %q, want the credential's disclosed 网号 %q", w.Wanghao, c.Claims.Wanghao)
	}
	if strings.Contains(issuerPayload(t, w.IssuerJWT), w.Wanghao) {
		t.Fatal("the issuer-signed JWT carries the 网号 in plaintext")
	}
	u, err := w.Unlock(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		disclose []string
		want     string
	}{
		{[]string{"age_over_18"}, ""},
		{nil, ""},
		{[]string{credential.ClaimWanghao}, w.Wanghao},
		{[]string{"age_over_18", credential.ClaimWanghao}, w.Wanghao},
	} {
		p, err := Present(u, "https://rp.example.cn", "n-1", tc.disclose, testNow)
		if err != nil {
			t.Fatalf("Present(%v): %v", tc.disclose, err)
		}
		if got := presentedWanghao(t, p); got != tc.want {
			t.Errorf("Present(%v) reveals 网号 %q, want %q", tc.disclose, got, tc.want)
		}
	}
}

// TestUnlockChecksWanghao seals a wallet whose 网号 field (covered by the
// AAD, so the file is intact) differs from the credential's disclosure.
func TestUnlockChecksWanghao(t *testing.T) {
	dir, _, _ := savedWallet(t)
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := aead(testPassword, w.locked)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := g.Open(nil, w.locked.Nonce, w.locked.Ciphertext, w.aad())
	if err != nil {
		t.Fatal(err)
	}
	if w.Wanghao, err = netnum.New(rand.Reader); err != nil {
		t.Fatal(err)
	}
	w.locked.Ciphertext = g.Seal(nil, w.locked.Nonce, plain, w.aad())
	b, err := json.Marshal(file{Version: FormatVersion, Server: w.Server, Wanghao: w.Wanghao, CredentialID: w.CredentialID,
		IssuerJWT: w.IssuerJWT, ExpiresAt: w.ExpiresAt, Locked: w.locked})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, WalletFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	w2, err := Open(dir)
	if err != nil {
		t.Fatalf("Open cannot check the 网号, yet failed: %v", err)
	}
	if _, err := w2.Unlock(testPassword); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Unlock = %v, want ErrMalformed", err)
	}
}

// TestLegacyWalletOpens: a wallet file written before the 网号 was
// selectively disclosable still opens, unlocks and presents; Open still
// checks its 网号 against the plaintext claim.
func TestLegacyWalletOpens(t *testing.T) {
	orig, err := os.ReadFile(legacyWallet)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, WalletFile), orig, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if w.Wanghao != legacyWalletWanghao || w.CredentialID != "cred-legacy" {
		t.Fatalf("Open = %q %q", w.Wanghao, w.CredentialID)
	}
	if !strings.Contains(issuerPayload(t, w.IssuerJWT), legacyWalletWanghao) {
		t.Fatal("fixture is not a legacy wallet: no plaintext 网号")
	}
	u, err := w.Unlock(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, disclose := range [][]string{{"age_over_18"}, {credential.ClaimWanghao}} {
		p, err := Present(u, "https://rp.example.cn", "n-1", disclose, testNow)
		if err != nil {
			t.Fatalf("Present(%v): %v", disclose, err)
		}
		if got := presentedWanghao(t, p); got != legacyWalletWanghao {
			t.Errorf("Present(%v) reveals 网号 %q; a legacy credential always reveals it", disclose, got)
		}
	}

	var m map[string]any
	if err := json.Unmarshal(orig, &m); err != nil {
		t.Fatal(err)
	}
	if m["wanghao"], err = netnum.New(rand.Reader); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, WalletFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Open of a legacy wallet with another 网号 = %v, want ErrMalformed", err)
	}
}
