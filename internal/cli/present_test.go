package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/wallet"
)

// offlineWallet writes a wallet holding a credential from server (signed
// by a throwaway issuer key) and returns its directory.
func offlineWallet(t *testing.T, server string) string {
	t.Helper()
	issuerKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	device, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := netnum.New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sdjwt, err := credential.Issuer{Key: issuerKey, KeyID: "k1"}.Issue(credential.Claims{
		ID: "cred-1", Issuer: server, VCT: credential.VCTWangzheng, Wanghao: wh,
		IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour),
		Holder: &jose.JSONWebKey{Key: &device.PublicKey}, Status: credential.Status{URI: server + "/status/1", Index: 3},
		Disclosable: map[string]any{"age_over_18": true},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := wallet.Save(dir, server, sdjwt, device, "27418596", wallet.SaveOptions{KDF: wallet.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPresentTellsThePlatformNothing: an offline presentation is made
// without the platform; only --report, the holder's choice, sends a
// report.
func TestPresentTellsThePlatformNothing(t *testing.T) {
	var calls atomic.Int32
	var paths atomic.Value
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		paths.Store(r.Method + " " + r.URL.Path)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	defer platform.Close()
	dir := offlineWallet(t, platform.URL)
	vars := map[string]string{"NETID_PASSWORD": "27418596"}

	code, out, errOut := runCLI(t, "", vars, "wallet", "present", "--wallet", dir, "--audience", "shopb", "--nonce", "n-1", "--disclose", "age_over_18")
	if code != 0 || !strings.Contains(out, "~") {
		t.Fatalf("present: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("a presentation without --report called the platform %d times (%v)", n, paths.Load())
	}
	if errOut != "" {
		t.Errorf("stderr %q", errOut)
	}

	// Asked to, the wallet reports it (and says so when the platform
	// refuses).
	code, _, errOut = runCLI(t, "", vars, "wallet", "present", "--wallet", dir, "--audience", "shopb", "--nonce", "n-2", "--report")
	if code != 0 || calls.Load() != 1 || paths.Load() != "POST /v1/wallet/presentations" {
		t.Fatalf("--report: exit %d, %d calls (%v)", code, calls.Load(), paths.Load())
	}
	if !strings.Contains(errOut, "未记入你的记录") {
		t.Errorf("--report refused: stderr %q", errOut)
	}
}
