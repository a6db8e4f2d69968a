package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/deeplink"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/wallet"
	"github.com/netid-project/netid/rp"
)

// The test runs the demo app against a real development platform (in
// process, on SQLite) and a holder who applied with the reference wallet.

var fastPasswords = password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}

const holderPassword = "27418596"

// devPlatform starts a development platform behind a real HTTP server.
func devPlatform(t *testing.T) (*platform.Platform, string) {
	t.Helper()
	return devPlatformOf(t, "")
}

// devPlatformOf starts a development platform of the crypto suite
// cryptoSuite ("es256", "sm"; empty is es256).
func devPlatformOf(t *testing.T, cryptoSuite string) (*platform.Platform, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("test", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg.DataDir, cfg.MasterKeyFile, cfg.TrustDir = dir, filepath.Join(dir, "master.key"), filepath.Join(dir, "trust")
	cfg.Dev, cfg.RateLimit = true, 0
	if cryptoSuite != "" {
		cfg.CryptoSuite = cryptoSuite
	}
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + cfg.Addr
	p, err := platform.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), platform.Options{PasswordParams: fastPasswords})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: p.Handler}}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	return p, cfg.PublicURL
}

// holder applies for a 网号 with the reference wallet and returns the
// unlocked wallet and the identity's name and number.
func holder(t *testing.T, base string) (*wallet.Client, *wallet.Unlocked, document.Identity) {
	t.Helper()
	ctx := context.Background()
	number, err := document.MakeNumber18("110105", document.Date{Year: 1990, Month: 3, Day: 7}, 17)
	if err != nil {
		t.Fatal(err)
	}
	id := document.Identity{
		Type: document.ResidentIDCard, Number: number, Name: "示例用户", Sex: document.Male, Ethnicity: "汉",
		Birth: document.Date{Year: 1990, Month: 3, Day: 7}, Address: "北京市朝阳区示例路1号", IssuingAuthority: "北京市公安局朝阳分局",
		ValidFrom: document.Date{Year: 2020, Month: 1, Day: 1}, ValidUntil: document.Date{Year: 2040, Month: 1, Day: 1},
	}
	c := &wallet.Client{BaseURL: base}
	chip, err := c.DevMintDocument(ctx, api.MintRequest{Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	doc := filepath.Join(dir, "document.json")
	if err := os.WriteFile(doc, chip, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := wallet.Apply(ctx, c, wallet.ApplyOptions{
		Server: base, Dir: filepath.Join(dir, "wallet"), DocumentPath: doc, Phone: "13900001234",
		Prompter: wallet.PromptFuncs{SecretFunc: wallet.OneSecret(holderPassword), CodeFunc: wallet.DevCode(c)},
		Liveness: wallet.DevLiveness(c), Evidence: wallet.DevEvidence(c),
	}); err != nil {
		t.Fatal(err)
	}
	w, err := wallet.Open(filepath.Join(dir, "wallet"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := w.Unlock(holderPassword)
	if err != nil {
		t.Fatal(err)
	}
	return c, u, id
}

// browser is a person's browser on the demo app.
type browser struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, hc: &http.Client{Jar: jar}}
}

// do makes a request and returns the status, final URL and body.
func (b *browser) do(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = b.hc.PostForm(b.base+path, form)
	} else {
		resp, err = b.hc.Get(b.base + path)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, resp.Request.URL.Path, string(body)
}

var linkInPage = regexp.MustCompile(`<code id="link">([^<]+)</code>`)

// start presses "Verify with netid" and returns the page path and the
// wallet link it shows.
func (b *browser) start(level string) (string, string) {
	b.t.Helper()
	status, _, body := b.do(http.MethodGet, "/", nil)
	if status != http.StatusOK || !strings.Contains(body, "Verify with netid") {
		b.t.Fatalf("index: %d %s", status, body)
	}
	status, path, body := b.do(http.MethodPost, "/verify", url.Values{"level": {level}})
	if status != http.StatusOK || !strings.HasPrefix(path, "/v/") {
		b.t.Fatalf("after Verify with netid: %d at %s: %s", status, path, body)
	}
	if !strings.Contains(body, `src="data:image/png;base64,`) || !strings.Contains(body, `http-equiv="refresh"`) {
		b.t.Fatalf("the pending page lacks the QR code or the refresh: %s", body)
	}
	m := linkInPage.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("no wallet link on the page: %s", body)
	}
	return path, html.UnescapeString(m[1])
}

// answer is the holder's wallet answering the link.
func answer(t *testing.T, c *wallet.Client, u *wallet.Unlocked, link string, decision api.Decision, password string) {
	t.Helper()
	l, err := deeplink.Parse(link)
	if err != nil {
		t.Fatalf("the page's link does not parse: %v", err)
	}
	ctx := context.Background()
	if _, err := c.OpenVerification(ctx, u, l.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AnswerVerification(ctx, u, api.AnswerRequest{Code: l.Code, Decision: decision, Password: password}); err != nil {
		t.Fatal(err)
	}
}

func TestDemoAgainstThePlatform(t *testing.T) {
	p, base := devPlatform(t)
	wc, u, id := holder(t, base)
	_, secret, err := p.Registry.Register(context.Background(), relyingparty.Registration{
		ID: "demo-shop", Name: "示例商城", Category: storage.CategoryInternetService, Domains: []string{"demo-shop.example"},
		AllowedClaims: []string{"age_over_18"}, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := rp.NewClient(base, "demo-shop", rp.ClientSecret(secret))
	if err != nil {
		t.Fatal(err)
	}
	demo := httptest.NewServer(newApp(c, []string{"age_over_18"}, "登录示例商城", slog.New(slog.DiscardHandler)).routes())
	t.Cleanup(demo.Close)

	t.Run("approved", func(t *testing.T) {
		b := newBrowser(t, demo.URL)
		page, link := b.start("password")
		if status, _, body := b.do(http.MethodGet, page, nil); status != http.StatusOK || !strings.Contains(body, `<b id="state">pending</b>`) {
			t.Fatalf("before the answer: %d %s", status, body)
		}
		answer(t, wc, u, link, api.DecisionApprove, holderPassword)
		status, _, body := b.do(http.MethodGet, page, nil)
		if status != http.StatusOK {
			t.Fatalf("result page: %d %s", status, body)
		}
		for _, want := range []string{
			"Verified: <b>approved</b>", `<dd id="level">password (urn:netid:acr:password)</dd>`,
			"<code>age_over_18 = true</code>", "<code>verified = true</code>", "<code>sub = ",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the result page lacks %q: %s", want, body)
			}
		}
		if strings.Contains(body, "http-equiv") {
			t.Error("the result page still refreshes")
		}
		sub := regexp.MustCompile(`<code id="sub">([A-Za-z0-9_-]{20,})</code>`).FindStringSubmatch(body)
		if sub == nil {
			t.Fatalf("no pairwise subject on the page: %s", body)
		}
		for _, plain := range []string{id.Name, id.Number, u.Wallet.Wanghao} {
			if plain != "" && strings.Contains(body, plain) {
				t.Fatal("plaintext identity data on the relying party's page")
			}
		}
		// Verified, the person is signed in, as a conventional account is.
		if status, path, acct := b.do(http.MethodGet, "/account", nil); status != http.StatusOK || path != "/account" ||
			!strings.Contains(acct, "Signed in with netid (level password)") || !strings.Contains(acct, sub[1]) {
			t.Fatalf("the account after verifying: %d at %s: %s", status, path, acct)
		}
		// Another browser cannot see the result by the page's URL.
		if status, _, _ := newBrowser(t, demo.URL).do(http.MethodGet, page, nil); status != http.StatusNotFound {
			t.Fatalf("another browser: %d", status)
		}
		// The same person again: the same pairwise subject.
		page2, link2 := b.start("possession")
		answer(t, wc, u, link2, api.DecisionApprove, "")
		_, _, body2 := b.do(http.MethodGet, page2, nil)
		if !strings.Contains(body2, `<code id="sub">`+sub[1]+`</code>`) || !strings.Contains(body2, `<dd id="level">possession`) {
			t.Fatalf("second verification: %s", body2)
		}
	})

	t.Run("declined", func(t *testing.T) {
		b := newBrowser(t, demo.URL)
		page, link := b.start("possession")
		answer(t, wc, u, link, api.DecisionDecline, "")
		if _, _, body := b.do(http.MethodGet, page, nil); !strings.Contains(body, "Not verified: <b>declined") {
			t.Fatalf("declined: %s", body)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		b := newBrowser(t, demo.URL)
		page, link := b.start("possession")
		status, path, body := b.do(http.MethodPost, page+"/cancel", nil)
		if status != http.StatusOK || path != page || !strings.Contains(body, "Not verified: <b>cancelled") {
			t.Fatalf("cancelled: %d at %s: %s", status, path, body)
		}
		l, _ := deeplink.Parse(link)
		if _, err := wc.OpenVerification(context.Background(), u, l.Code); err == nil {
			t.Fatal("a wallet opened a cancelled session")
		}
	})

	t.Run("unknown level", func(t *testing.T) {
		b := newBrowser(t, demo.URL)
		if status, _, _ := b.do(http.MethodPost, "/verify", url.Values{"level": {"high"}}); status != http.StatusBadRequest {
			t.Fatalf("unknown level: %d", status)
		}
	})
}

// TestDemoWrongSecret: the app shows the platform's refusal, not the
// secret.
func TestDemoWrongSecret(t *testing.T) {
	_, base := devPlatform(t)
	c, err := rp.NewClient(base, "demo-shop", rp.ClientSecret("not-the-secret"))
	if err != nil {
		t.Fatal(err)
	}
	demo := httptest.NewServer(newApp(c, nil, "登录", slog.New(slog.DiscardHandler)).routes())
	t.Cleanup(demo.Close)
	status, _, body := newBrowser(t, demo.URL).do(http.MethodPost, "/verify", url.Values{"level": {"possession"}})
	if status != http.StatusBadGateway || !strings.Contains(body, "client-unauthenticated") || strings.Contains(body, "not-the-secret") {
		t.Fatalf("wrong secret: %d %s", status, body)
	}
}

func TestParseFlags(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tt := range []struct {
		args []string
		env  map[string]string
		ok   bool
	}{
		{[]string{"--netid", "http://127.0.0.1:8080", "--client-id", "demo-shop"}, map[string]string{"NETID_CLIENT_SECRET": "s"}, true},
		{nil, map[string]string{"NETID_URL": "http://127.0.0.1:8080", "NETID_CLIENT_ID": "demo-shop", "NETID_CLIENT_SECRET": "s"}, true},
		{[]string{"--netid", "http://127.0.0.1:8080", "--client-id", "demo-shop", "--client-secret", "s"}, nil, true},
		{[]string{"--netid", "http://127.0.0.1:8080", "--client-id", "demo-shop"}, nil, false},
		{[]string{"--client-id", "demo-shop", "--client-secret", "s"}, nil, false},
		{[]string{"--netid", "http://127.0.0.1:8080", "--client-id", "demo-shop", "--client-secret", "s", "--key-file", "k.pem"}, nil, false},
		{[]string{"--netid", "http://127.0.0.1:8080", "--client-id", "demo-shop", "--client-secret", "s", "extra"}, nil, false},
	} {
		t.Run(fmt.Sprint(tt.args, tt.env), func(t *testing.T) {
			_, err := parseFlags(tt.args, env(tt.env), io.Discard)
			if (err == nil) != tt.ok {
				t.Fatalf("parseFlags: %v, want ok %v", err, tt.ok)
			}
		})
	}
}
