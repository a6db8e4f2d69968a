package webwallet_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// The Approve page lists a relying party's other way in for people who do
// not use a network ID (its description, and its address as a link), in
// Chinese first, at a phone's width; a relying party that named none shows
// no such box.
func TestApproveShowsAlternative(t *testing.T) {
	e := pagetest.New(t)
	b := e.Open(t)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go("/wallet")
	b.Seed(pagetest.NewApplicant(t))
	_, secret, err := e.P.Registry.Register(context.Background(), relyingparty.Registration{
		ID: "shop", Name: "测试商城", Category: storage.CategoryInternetService, Domains: []string{"shop.example"},
		AuthMethod: storage.AuthClientSecret, AltURL: "https://shop.example/signup", AltText: "到门店柜台办理会员卡",
	})
	if err != nil {
		t.Fatal(err)
	}
	shop := relyingParty{id: "shop", name: "测试商城", secret: secret}
	plain := registerRP(t, e, "plain", "")

	c := shop.newSession(e, "possession", "登录")
	b.Do("opening the https link", chromedp.Navigate(c.HTTPSLink), chromedp.WaitVisible(chromedp.ID("ask")))
	b.WaitFor("the other way in", pagetest.Shown("alt-box"))
	box := b.MustText("#alt-box")
	for _, want := range []string{"不用网号的方式", "你不必使用网号", "到门店柜台办理会员卡", "打开其他方式"} {
		if !strings.Contains(box, want) {
			t.Errorf("the other way in shows %q: want %q in it", box, want)
		}
	}
	if href := pagetest.Eval[string](b, `return document.getElementById("alt-link").getAttribute("href");`, nil); href != "https://shop.example/signup" {
		t.Errorf("the other way in links to %q", href)
	}
	b.Axe("the request with another way in (zh, 360 px)")

	c = plain.newSession(e, "possession", "登录")
	b.Do("opening the other relying party's link", chromedp.Navigate(c.HTTPSLink), chromedp.WaitVisible(chromedp.ID("ask")))
	if shown := pagetest.Eval[bool](b, `return !document.getElementById("alt-box").hidden;`, nil); shown {
		t.Error("a relying party without another way in: the page shows one")
	}
}
