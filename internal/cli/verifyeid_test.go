package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/devplatform"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// TestVerifyEIDCommands: a wallet shows its eID code, an in-person
// verifier checks it with netid verify eid (online, then a replay), and
// an offline code without client credentials.
func TestVerifyEIDCommands(t *testing.T) {
	ctx := context.Background()
	dp, err := devplatform.Start(ctx, devplatform.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer dp.Close()
	dir := t.TempDir()
	number, err := document.MakeNumber18("110105", document.Date{Year: 1980, Month: 2, Day: 3}, 31)
	if err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(dir, "doc.json")
	if code, out, errOut := runCLI(t, "", nil, "dev", "document", "--server", dp.URL, "--name", "王小明", "--number", number, "--out", doc); code != 0 {
		t.Fatalf("dev document: %s %s", out, errOut)
	}
	pw := map[string]string{"NETID_PASSWORD": "27418596"}
	w := filepath.Join(dir, "wallet")
	if code, out, errOut := runCLI(t, "", pw, "wallet", "apply", "--server", dp.URL, "--dev", "--wallet", w, "--document", doc, "--phone", "13900000031"); code != 0 {
		t.Fatalf("apply: %s %s", out, errOut)
	}
	reg := &relyingparty.Registry{Store: dp.Platform.Store, Params: password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}}
	_, secret, err := reg.Register(ctx, relyingparty.Registration{
		ID: "hotel-cli", Name: "测试酒店", Category: storage.CategoryInPerson, LegalBasis: "hotel: 《旅馆业治安管理办法》第六条",
		Domains: []string{"hotel.example"}, AllowedClaims: []string{"name", "photo", "document_number", "age_over_18"}, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code := func(offline bool) string {
		t.Helper()
		args := []string{"wallet", "eid", "qr", "--once", "--wallet", w}
		if offline {
			args = append(args, "--offline")
		}
		c, out, errOut := runCLI(t, "", pw, args...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if c != 0 || len(lines) == 0 {
			t.Fatalf("wallet eid qr: %d %s %s", c, out, errOut)
		}
		return lines[len(lines)-1]
	}

	online := code(false)
	photo := filepath.Join(dir, "photo.png")
	c, out, errOut := runCLI(t, online+"\n", nil, "verify", "eid", "--server", dp.URL, "--client-id", "hotel-cli", "--client-secret-file", secretFile, "--photo", photo)
	if c != 0 || !strings.Contains(out, "VALID: in-person check (hotel)") || !strings.Contains(out, "name_masked: 王*明") ||
		!strings.Contains(out, "number_partial: 110105********") || !strings.Contains(out, "age_over_18: true") || strings.Contains(out, "sex") {
		t.Fatalf("verify eid: %d %q %q", c, out, errOut)
	}
	if b, err := os.ReadFile(photo); err != nil || len(b) == 0 {
		t.Fatalf("photo not saved: %v", err)
	}
	// The same code again, then a fresh one, in one run.
	c, out, _ = runCLI(t, online+"\n"+code(false)+"\n", nil, "verify", "eid", "--server", dp.URL, "--client-id", "hotel-cli", "--client-secret-file", secretFile)
	if c != 1 || !strings.Contains(out, "INVALID: Electronic ID card code already used") || strings.Count(out, "VALID: in-person") != 1 {
		t.Fatalf("replay: %d %q", c, out)
	}
	// Wrong credentials are an error, not a verdict.
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("nope"), 0o600)
	if c, _, errOut := runCLI(t, code(false)+"\n", nil, "verify", "eid", "--server", dp.URL, "--client-id", "hotel-cli", "--client-secret-file", bad); c != 1 || !strings.Contains(errOut, "refused the client credentials") {
		t.Fatalf("wrong secret: %d %q", c, errOut)
	}

	// Offline: no client credentials; a second scan in the run is refused.
	off := code(true)
	c, out, errOut = runCLI(t, off+"\n"+off+"\n", nil, "verify", "eid", "--server", dp.URL, "--offline")
	if c != 1 || !strings.Contains(out, "VALID (offline)") || !strings.Contains(out, "age_over_18: true") || !strings.Contains(out, "INVALID: ") {
		t.Fatalf("offline: %d %q %q", c, out, errOut)
	}
	if c, _, _ := runCLI(t, "", nil, "verify", "eid", "--server", dp.URL, "--offline"); c != 1 {
		t.Fatalf("no code: %d", c)
	}
	// An online code given to the offline check: refused, saying how to
	// check it; the offline code after it still passes.
	c, out, errOut = runCLI(t, code(false)+"\n"+code(true)+"\n", nil, "verify", "eid", "--server", dp.URL, "--offline")
	if c != 1 || !strings.Contains(out, "INVALID: an online code: verify it without --offline") || !strings.Contains(out, "VALID (offline)") {
		t.Fatalf("online code offline: %d %q %q", c, out, errOut)
	}
}
