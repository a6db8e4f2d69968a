package cli

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/netid-project/netid/internal/devplatform"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
	"github.com/netid-project/netid/internal/wallet"
)

// TestLifecycleCommands drives the self-service and operator commands
// against a development platform: status, suspend, resume, platforms,
// phone, password, admin credential and cancel.
func TestLifecycleCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	dp, err := devplatform.Start(ctx, devplatform.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer dp.Close()
	dir := t.TempDir()
	walletPath := filepath.Join(dir, "wallet")
	vars := map[string]string{"NETID_WALLET": walletPath, "NETID_PASSWORD": "27418596", "NETID_DATA": data}
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		code, out, errOut := runCLI(t, "", vars, args...)
		if code != want {
			t.Fatalf("netid %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
		}
		return out, errOut
	}
	doc := filepath.Join(dir, "doc.json")
	run(0, "dev", "document", "--server", dp.URL, "--name", "王五", "--number", "11010519491231002X", "--out", doc)
	run(0, "wallet", "apply", "--server", dp.URL, "--document", doc, "--phone", "13911112222", "--dev")

	out, _ := run(0, "wallet", "status")
	if !strings.Contains(out, "-****-****-") || !strings.Contains(out, "active") || !strings.Contains(out, "+86 139****2222") || !strings.Contains(out, "device key") {
		t.Fatalf("status:\n%s", out)
	}
	out, _ = run(0, "wallet", "status", "--full")
	wanghao := regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`).FindString(out)
	if wanghao == "" {
		t.Fatalf("status --full:\n%s", out)
	}

	out, _ = run(0, "wallet", "suspend", "--reason", "暂时不用")
	if !strings.Contains(out, "suspended (by holder: 暂时不用)") {
		t.Fatalf("suspend:\n%s", out)
	}
	if out, _ = run(0, "wallet", "show"); !strings.Contains(out, "suspended") {
		t.Fatalf("show after suspending (the status list):\n%s", out)
	}
	run(0, "wallet", "resume")
	if out, _ = run(0, "wallet", "show"); !strings.Contains(out, "valid") {
		t.Fatalf("show after resuming:\n%s", out)
	}

	// Authorized platforms.
	if out, _ = run(0, "wallet", "platforms"); !strings.Contains(out, "no authorized platforms") {
		t.Fatalf("platforms:\n%s", out)
	}
	dp.Platform.Registry.Params = password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}
	rp, _, err := dp.Platform.Registry.Register(ctx, relyingparty.Registration{
		ID: "bank", Name: "示例银行", Category: storage.CategoryInternetService,
		Domains: []string{"bank.example"}, AllowedClaims: []string{"age_over_18"}, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := dp.Platform.Verification.CreateSession(ctx, rp, verification.Request{Claims: []string{"age_over_18"}, Purpose: "开户"})
	if err != nil {
		t.Fatal(err)
	}
	run(0, "wallet", "approve", c.Link.String(), "--yes")
	if out, _ = run(0, "wallet", "platforms"); !strings.Contains(out, "示例银行") || !strings.Contains(out, "bank.example") || !strings.Contains(out, "age_over_18") {
		t.Fatalf("platforms after a verification:\n%s", out)
	}
	run(0, "wallet", "platforms", "withdraw", "bank")
	if out, _ = run(0, "wallet", "platforms"); !strings.Contains(out, "no authorized platforms") {
		t.Fatalf("platforms after withdrawing:\n%s", out)
	}
	if _, errOut := run(1, "wallet", "platforms", "withdraw", "bank"); !strings.Contains(errOut, "No consent") {
		t.Fatalf("withdraw twice: %s", errOut)
	}
	run(2, "wallet", "platforms", "remove", "bank")

	// Phone: both codes from the dev outbox.
	if _, errOut := run(1, "wallet", "phone", "--new", "13922223333", "--dev"); !strings.Contains(errOut, "--old-phone") {
		t.Fatalf("phone --dev without --old-phone: %s", errOut)
	}
	if out, _ = run(0, "wallet", "phone", "--new", "13922223333", "--dev", "--old-phone", "13911112222"); !strings.Contains(out, "+86 139****3333") {
		t.Fatalf("phone:\n%s", out)
	}

	// Password: the wallet opens with the new one afterwards.
	newPW := filepath.Join(dir, "new-password")
	os.WriteFile(newPW, []byte("58203716\n"), 0o600)
	if _, errOut := run(1, "wallet", "password", "--new-password-file", filepath.Join(dir, "weak")); !strings.Contains(errOut, "password file") {
		t.Fatalf("missing new password file: %s", errOut)
	}
	os.WriteFile(filepath.Join(dir, "weak"), []byte("12345678"), 0o600)
	if _, errOut := run(1, "wallet", "password", "--new-password-file", filepath.Join(dir, "weak")); !strings.Contains(errOut, "too weak") {
		t.Fatalf("weak new password: %s", errOut)
	}
	run(0, "wallet", "password", "--new-password-file", newPW)
	if _, errOut := run(1, "wallet", "status"); !strings.Contains(errOut, "wrong credential password") {
		t.Fatalf("status with the old password: %s", errOut)
	}
	vars["NETID_PASSWORD"] = "58203716"
	run(0, "wallet", "status")

	// Operators, on the database.
	if _, errOut := run(1, "admin", "credential", "suspend", "--wanghao", wanghao); !strings.Contains(errOut, "--reason") {
		t.Fatalf("suspend without a reason: %s", errOut)
	}
	out, _ = run(0, "admin", "credential", "suspend", "--wanghao", wanghao, "--reason", "核查")
	if !strings.Contains(out, "suspend: 1 credential(s)") || !strings.Contains(out, "operator") {
		t.Fatalf("admin suspend:\n%s", out)
	}
	if _, errOut := run(1, "wallet", "resume"); !strings.Contains(errOut, "suspended by an operator") {
		t.Fatalf("holder resuming an operator's suspension: %s", errOut)
	}
	run(0, "admin", "credential", "resume", "--wanghao", wanghao, "--reason", "核查完毕")
	if out, _ = run(0, "admin", "credential", "show", "--wanghao", wanghao); !strings.Contains(out, "active") {
		t.Fatalf("admin show:\n%s", out)
	}
	if _, errOut := run(1, "admin", "credential", "show", "--wanghao", "ABCD-EFGH-JKLM-NPQ2"); !strings.Contains(errOut, "no person") {
		t.Fatalf("unknown 网号: %s", errOut)
	}

	// Cancel: asks for confirmation (no terminal here), then --yes.
	if _, errOut := run(1, "wallet", "cancel"); !strings.Contains(errOut, "--yes") {
		t.Fatalf("cancel without confirmation: %s", errOut)
	}
	if out, _ = run(0, "wallet", "cancel", "--yes"); !strings.Contains(out, "cancelled") {
		t.Fatalf("cancel:\n%s", out)
	}
	if wallet.Exists(walletPath) {
		t.Fatal("the wallet file is still there")
	}
	if out, _ = run(0, "admin", "credential", "show", "--wanghao", wanghao); !strings.Contains(out, "cancelled since") || !strings.Contains(out, "revoked") {
		t.Fatalf("admin show after cancelling:\n%s", out)
	}
	// Applying again restores the same 网号.
	run(0, "wallet", "apply", "--server", dp.URL, "--document", doc, "--phone", "13911112222", "--dev")
	if out, _ = run(0, "wallet", "status", "--full"); !strings.Contains(out, wanghao) {
		t.Fatalf("re-applied:\n%s", out)
	}
}

// TestLifecycleOIDCRefusesSuspended: an OpenID Connect login cannot be
// approved with a suspended credential, and can once it is resumed.
func TestLifecycleOIDCRefusesSuspended(t *testing.T) {
	ctx := context.Background()
	dp, err := devplatform.Start(ctx, devplatform.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer dp.Close()
	dir := t.TempDir()
	vars := map[string]string{"NETID_WALLET": filepath.Join(dir, "wallet"), "NETID_PASSWORD": "27418596"}
	doc := filepath.Join(dir, "doc.json")
	if code, out, errOut := runCLI(t, "", vars, "dev", "document", "--server", dp.URL, "--name", "赵六", "--number", "440524188001010014", "--out", doc); code != 0 {
		t.Fatalf("%s %s", out, errOut)
	}
	if code, out, errOut := runCLI(t, "", vars, "wallet", "apply", "--server", dp.URL, "--document", doc, "--phone", "13933334444", "--dev"); code != 0 {
		t.Fatalf("%s %s", out, errOut)
	}
	const callback = "http://127.0.0.1:9/callback"
	dp.Platform.Registry.Params = password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}
	if _, _, err := dp.Platform.Registry.Register(ctx, relyingparty.Registration{
		ID: "webshop", Name: "示例商城", Category: storage.CategoryInternetService, Domains: []string{"webshop.example"},
		RedirectURIs: []string{callback}, AllowedClaims: []string{"age_over_18"}, AuthMethod: storage.AuthNone,
	}); err != nil {
		t.Fatal(err)
	}
	provider, err := gooidc.NewProvider(ctx, dp.URL)
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: "webshop", Endpoint: provider.Endpoint(), RedirectURL: callback, Scopes: []string{gooidc.ScopeOpenID, "age"}}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login := func() string {
		t.Helper()
		u := conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), gooidc.Nonce("n"))
		resp, err := browser.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		resp, err = browser.Get(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		link := html.UnescapeString(regexp.MustCompile(`netid://[^"<\s]+`).FindString(string(b)))
		if link == "" {
			t.Fatalf("authorization page: %d %s", resp.StatusCode, b)
		}
		return link
	}
	if code, out, errOut := runCLI(t, "", vars, "wallet", "suspend"); code != 0 {
		t.Fatalf("suspend: %s %s", out, errOut)
	}
	if code, _, errOut := runCLI(t, "", vars, "wallet", "approve", login(), "--yes"); code != 1 || !strings.Contains(errOut, "not active") {
		t.Fatalf("OIDC login with a suspended credential: %d %s", code, errOut)
	}
	if code, out, errOut := runCLI(t, "", vars, "wallet", "resume"); code != 0 {
		t.Fatalf("resume: %s %s", out, errOut)
	}
	if code, out, errOut := runCLI(t, "", vars, "wallet", "approve", login(), "--yes"); code != 0 || !strings.Contains(out, "approved") {
		t.Fatalf("OIDC login after resuming: %d %s %s", code, out, errOut)
	}
}
