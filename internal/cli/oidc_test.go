package cli

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/netid-project/netid/internal/devplatform"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
)

// TestOIDCCrossDeviceWithWalletApprove: a standard OpenID Connect relying
// party library logs a person in; the person approves on "another
// device" with `netid wallet approve <link>` from the authorization page.
func TestOIDCCrossDeviceWithWalletApprove(t *testing.T) {
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
	_, secret, err := dp.Platform.Registry.Register(ctx, relyingparty.Registration{
		ID: "webshop", Name: "示例商城", Category: storage.CategoryInternetService, Domains: []string{"webshop.example"},
		RedirectURIs: []string{callback}, AllowedClaims: []string{"age_over_18"}, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	provider, err := gooidc.NewProvider(ctx, dp.URL)
	if err != nil {
		t.Fatalf("discovery with go-oidc: %v", err)
	}
	conf := oauth2.Config{ClientID: "webshop", ClientSecret: secret, Endpoint: provider.Endpoint(), RedirectURL: callback, Scopes: []string{gooidc.ScopeOpenID, "age"}}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n-1"), oauth2.SetAuthURLParam("acr_values", verification.ACRPassword))

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		resp, err := browser.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, _ := get(authURL)
	page := resp.Header.Get("Location")
	resp, body := get(page)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "示例商城") {
		t.Fatalf("authorization page: %d %s", resp.StatusCode, body)
	}
	link := html.UnescapeString(pageLink(body))
	if code, out, errOut := runCLI(t, "", vars, "wallet", "approve", link, "--yes"); code != 0 || !strings.Contains(out, "已同意，级别 password") {
		t.Fatalf("wallet approve: %d %s %s", code, out, errOut)
	}
	resp, _ = get(page)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("state") != "st-1" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect to the relying party: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&gooidc.Config{ClientID: "webshop", SupportedSigningAlgs: []string{"ES256"}}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	var claims map[string]any
	idt.Claims(&claims)
	if claims["acr"] != verification.ACRPassword || claims["nonce"] != "n-1" || claims["age_over_18"] != true || idt.Subject == "" {
		t.Fatalf("ID token claims: %v", claims)
	}
	if _, ok := claims["wanghao"]; ok {
		t.Fatal("网号 in the ID token of a relying party not registered for it")
	}
	// The login is in the holder's history.
	if code, out, _ := runCLI(t, "", vars, "wallet", "history"); code != 0 || !strings.Contains(out, "示例商城") || !strings.Contains(out, "oidc") {
		t.Fatalf("history: %s", out)
	}
}

// pageLink is the netid:// link of a sign-in page, from the href that
// carries it (the page also shows it quoted in a command).
func pageLink(body string) string {
	m := regexp.MustCompile(`href="(netid://[^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}
