package platform_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/oidc"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// The sign-in page lists the relying party's other way in for people who
// do not use a 网号, in a real browser at desktop and phone width: shown,
// Chinese first, its link the registered address, nothing wider than the
// screen, and no serious accessibility violation.
func TestSignInPageAlternativeInBrowser(t *testing.T) {
	bctx := browsertest.New(t)
	e := newEnv(t, "")
	if _, _, err := e.p.Registry.Register(e.ctx, relyingparty.Registration{
		ID: "webshop", Name: "网上商店", Category: storage.CategoryInternetService,
		Domains: []string{"shop.example"}, RedirectURIs: []string{"https://shop.example/cb"},
		AuthMethod: storage.AuthClientSecret,
		AltURL:     "https://shop.example/signup", AltText: "也可以到门店柜台用手机号注册会员，或拨打客服电话 400-000-0000 办理",
	}); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"client_id": {"webshop"}, "redirect_uri": {"https://shop.example/cb"}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"s"}, "nonce": {"n"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGrSstw-cM"}, "code_challenge_method": {"S256"}}
	type alt struct {
		Heading, Text, Href string
		Visible, Overflow   bool
	}
	for _, width := range []int64{1280, 375} {
		ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(width, 800),
			chromedp.Navigate(e.url+oidc.PathAuthorize+"?"+q.Encode()),
			chromedp.WaitVisible(chromedp.ID("alternative")),
		)
		var a alt
		if err == nil {
			a, err = chromedp.Run(ctx, chromedp.Evaluate[alt](`({
				Heading: document.querySelector("#alternative h2").textContent,
				Text: document.querySelector("#alternative .alt-text").textContent,
				Href: document.querySelector("#alternative a").getAttribute("href"),
				Visible: document.querySelector("#alternative").getBoundingClientRect().height > 0,
				Overflow: document.documentElement.scrollWidth > window.innerWidth,
			})`))
		}
		var vs []browsertest.Violation
		if err == nil {
			vs, err = browsertest.Axe(ctx)
		}
		cancel()
		if err != nil {
			t.Fatalf("sign-in page at width %d: %v", width, err)
		}
		if !a.Visible || a.Heading != "不用网号也可以 · You need not use a network ID" || a.Href != "https://shop.example/signup" ||
			a.Text != "也可以到门店柜台用手机号注册会员，或拨打客服电话 400-000-0000 办理" {
			t.Errorf("width %d: the other way in shows %+v", width, a)
		}
		if a.Overflow {
			t.Errorf("width %d: the page is wider than the screen", width)
		}
		if bad := browsertest.Above(vs, "moderate"); len(bad) > 0 {
			t.Errorf("width %d: %s", width, browsertest.Summary(bad))
		}
	}
}
