package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/browsertest"
)

// A person without a 网号 signs up and out and in again only by the demo
// shop's pages, in Chromium at a phone's width: the index links the
// conventional way beside "Verify with netid", the forms work as a
// browser submits them (their token included), nothing is wider than the
// screen, and axe-core finds no serious violation.
func TestConventionalWayInBrowser(t *testing.T) {
	bctx := browsertest.New(t)
	_, srv := demoWithoutPlatform(t)
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	check := func(what string) {
		t.Helper()
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if overflow {
			t.Errorf("%s: wider than the screen", what)
		}
		vs, err := browsertest.Axe(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if bad := browsertest.Above(vs, "moderate"); len(bad) > 0 {
			t.Errorf("%s: %s", what, browsertest.Summary(bad))
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(sel)+`).textContent`))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return s
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800), chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#conventional"))); err != nil {
		t.Fatal(err)
	}
	check("the index")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#conventional a[href="/signup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="password2"]`))); err != nil {
		t.Fatal(err)
	}
	check("the sign-up form")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "小明"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "correct horse battery"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password2"]`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#who"))); err != nil {
		t.Fatal(err)
	}
	if who := text("#who"); !strings.Contains(who, "已登录：小明") {
		t.Errorf("the account shows %q", who)
	}
	check("the account")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#conventional")),
		chromedp.Navigate(srv.URL+"/signin"), chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "小明"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "wrong horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#error"))); err != nil {
		t.Fatal(err)
	}
	if e := text("#error"); !strings.Contains(e, "用户名或密码错误") {
		t.Errorf("a wrong password shows %q", e)
	}
	check("a wrong password")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`input[name="name"]`), "小明"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#who"))); err != nil {
		t.Fatal(err)
	}
	if who := text("#who"); !strings.Contains(who, "小明") {
		t.Errorf("signed in again, the account shows %q", who)
	}
}
