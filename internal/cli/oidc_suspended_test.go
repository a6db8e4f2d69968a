package cli

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/netid-project/netid/internal/devplatform"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

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
		link := html.UnescapeString(pageLink(string(b)))
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
	if code, out, errOut := runCLI(t, "", vars, "wallet", "approve", login(), "--yes"); code != 0 || !strings.Contains(out, "已同意") {
		t.Fatalf("OIDC login after resuming: %d %s %s", code, out, errOut)
	}
}
