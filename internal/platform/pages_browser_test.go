package platform_test

import (
	"context"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/oidc"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// shellArg runs command through /bin/sh without running it (set --) and
// returns its nth word as the shell splits it.
func shellArg(t *testing.T, command string, n int) string {
	t.Helper()
	out, err := exec.Command("/bin/sh", "-c", "set -- "+command+"; shift "+strconv.Itoa(n-1)+`; printf %s "$1"`).Output()
	if err != nil {
		t.Fatalf("the shell cannot read %q as one command: %v", command, err)
	}
	return string(out)
}

// The pages that hand a holder a wallet link, in a real browser at
// desktop and phone width: the sign-in page's command survives a shell
// (the link holds an &), and the same-device page's link is the netid://
// link itself, not html/template's #ZgotmplZ.
func TestWalletLinkPagesInBrowser(t *testing.T) {
	bctx := browsertest.New(t)
	e := newEnv(t, "")
	if _, _, err := e.p.Registry.Register(e.ctx, relyingparty.Registration{
		ID: "webshop", Name: "网上商店", Category: storage.CategoryInternetService,
		Domains: []string{"shop.example"}, RedirectURIs: []string{"https://shop.example/cb"},
		AllowedClaims: []string{"age_over_18"}, AuthMethod: storage.AuthClientSecret,
	}); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"client_id": {"webshop"}, "redirect_uri": {"https://shop.example/cb"}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"s"}, "nonce": {"n"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGrSstw-cM"}, "code_challenge_method": {"S256"}}
	type signIn struct {
		Command, Href, HTTPS string
		Overflow             bool
	}
	type landing struct {
		Command, Href string
		Overflow      bool
	}
	for _, width := range []int64{1280, 375} {
		ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(width, 800),
			chromedp.Navigate(e.url+oidc.PathAuthorize+"?"+q.Encode()),
			chromedp.WaitVisible(chromedp.CSS(".link a")),
		)
		var page signIn
		if err == nil {
			page, err = chromedp.Run(ctx, chromedp.Evaluate[signIn](`({
				Command: document.querySelector("section.qr code").textContent,
				Href: document.querySelector(".link a").getAttribute("href"),
				HTTPS: document.querySelector(".same-device a").getAttribute("href"),
				Overflow: document.documentElement.scrollWidth > window.innerWidth,
			})`))
		}
		cancel()
		if err != nil {
			t.Fatalf("sign-in page at width %d: %v", width, err)
		}
		if !strings.HasPrefix(page.Href, "netid://") || !strings.Contains(page.Href, "&") {
			t.Fatalf("sign-in page link %q", page.Href)
		}
		if got := shellArg(t, page.Command, 4); got != page.Href {
			t.Fatalf("the page's command %q gives the shell the link %q, want %q", page.Command, got, page.Href)
		}
		if page.Overflow {
			t.Errorf("sign-in page scrolls sideways at width %d", width)
		}

		ctx, cancel = context.WithTimeout(bctx, 60*time.Second)
		err = chromedp.Do(ctx,
			chromedp.Navigate(page.HTTPS),
			chromedp.WaitVisible(chromedp.ID("wallet-link")),
		)
		var l landing
		if err == nil {
			l, err = chromedp.Run(ctx, chromedp.Evaluate[landing](`({
				Command: document.getElementById("wallet-command").textContent,
				Href: document.getElementById("wallet-link").getAttribute("href"),
				Overflow: document.documentElement.scrollWidth > window.innerWidth,
			})`))
		}
		cancel()
		if err != nil {
			t.Fatalf("same-device page at width %d: %v", width, err)
		}
		if l.Href != page.Href {
			t.Fatalf("same-device page links to %q, want %q", l.Href, page.Href)
		}
		if got := shellArg(t, l.Command, 4); got != page.Href {
			t.Fatalf("same-device command gives the shell %q", got)
		}
		if l.Overflow {
			t.Errorf("same-device page scrolls sideways at width %d", width)
		}
	}
}
