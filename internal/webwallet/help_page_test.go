package webwallet_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/help"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

var pageHelp = help.Help{
	Text:       "请拨打服务热线，或携带身份证到就近派出所办理。",
	TextEN:     "Call the hotline, or bring your ID card to a police station.",
	Hotline:    "400-000-1234",
	OfficesURL: "https://gov.example/offices",
}

// The operator's help in the pages: every page's footer gives the text,
// the hotline (a tel: link) and the office finder, in the page's
// language; an error the holder cannot resolve alone (the 口令 locked
// after five wrong tries) shows them under it, and an error they resolve
// alone does not; the in-person verifier page shows them at its foot. At
// a phone's width, without sideways scroll, with axe-core at each state.
func TestHelpInPages(t *testing.T) {
	e := pagetest.New(t, func(c *config.Config) { c.Help = pageHelp })
	b := e.Open(t)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go("/wallet")
	w := b.Seed(pagetest.NewApplicant(t))
	b.Go("/wallet")
	b.WaitFor("the footer's help", pagetest.Shown("help"))
	footer := b.MustText("#help")
	for _, want := range []string{"需要人工帮助", pageHelp.Text, pageHelp.Hotline, "查找就近的服务网点"} {
		if !strings.Contains(footer, want) {
			t.Errorf("the footer shows %q: want %q in it", footer, want)
		}
	}
	if href := pagetest.Eval[string](b, `return document.querySelector("#help .help-hotline").getAttribute("href");`, nil); href != "tel:4000001234" {
		t.Errorf("the hotline links to %q", href)
	}
	if href := pagetest.Eval[string](b, `return document.querySelector("#help .help-offices").getAttribute("href");`, nil); href != pageHelp.OfficesURL {
		t.Errorf("the office finder links to %q", href)
	}
	noSideways(t, b, "the home with the footer's help")
	b.Axe("the footer's help (zh, 360 px)")

	// A wrong 口令: the holder tries again, no help under it.
	b.WaitFor("the home's account", pagetest.Shown("mine"))
	b.Do("a wrong 口令", chromedp.Click(chromedp.ID("reveal")), chromedp.SendKeys(chromedp.ID("reveal-password"), "11111111"),
		chromedp.Click(chromedp.ID("reveal-go")))
	b.WaitFor("the wrong 口令's error", pagetest.Shown("error"))
	if n := pagetest.Eval[int](b, `return document.querySelectorAll("#error .help-box").length;`, nil); n != 0 {
		t.Error("help under a wrong 口令, which the holder resolves alone")
	}
	// Locked after the fifth: the help under the error.
	for range 4 {
		b.Do("another wrong 口令", chromedp.SetValue(chromedp.ID("reveal-password"), "11111111"), chromedp.Click(chromedp.ID("reveal-go")))
		b.WaitFor("its answer", `document.querySelector("#reveal-go") && !document.querySelector("#reveal-go").disabled`)
	}
	b.WaitFor("the help under the lock", `!!document.querySelector("#error .help-box")`)
	box := b.MustText("#error .help-box")
	for _, want := range []string{"这个问题需要工作人员帮您处理", pageHelp.Text, "拨打服务热线 400-000-1234", "查找附近的服务网点"} {
		if !strings.Contains(box, want) {
			t.Errorf("the lock's help shows %q: want %q in it", box, want)
		}
	}
	if href := pagetest.Eval[string](b, `return document.querySelector("#error .help-hotline").getAttribute("href");`, nil); href != "tel:4000001234" {
		t.Errorf("the lock's hotline links to %q", href)
	}
	noSideways(t, b, "the lock with its help")
	b.Axe("a locked 口令 with the help (zh, 360 px)")

	// In English, the English text.
	b.Do("English", chromedp.Click(chromedp.ID("lang-en")), chromedp.WaitReady(chromedp.CSS(`html[lang="en"] footer`)))
	b.WaitFor("the footer's help, in English", pagetest.Shown("help"))
	if got := b.MustText("#help"); !strings.Contains(got, pageHelp.TextEN) || !strings.Contains(got, "Find a service office near you") {
		t.Errorf("the English footer shows %q", got)
	}
	b.WaitFor("the home's account", pagetest.Shown("mine"))
	b.Do("the 口令 while locked", chromedp.Click(chromedp.ID("reveal")), chromedp.SendKeys(chromedp.ID("reveal-password"), w.Password),
		chromedp.Click(chromedp.ID("reveal-go")))
	b.WaitFor("the help under the lock, in English", `!!document.querySelector("#error .help-box")`)
	if got := b.MustText("#error .help-box"); !strings.Contains(got, pageHelp.TextEN) || !strings.Contains(got, "Call the hotline 400-000-1234") {
		t.Errorf("the English lock's help shows %q", got)
	}
	b.Axe("a locked 口令 with the help (en, 360 px)")

	// An operator's suspension: Settings says the holder cannot lift it,
	// and where to get help.
	if _, err := e.P.Server.Lifecycle.Operator(context.Background(), w.Wanghao, lifecycle.Action("suspend"), "核查中"); err != nil {
		t.Fatal(err)
	}
	b.Go("/wallet/settings")
	b.WaitFor("the operator's notice", pagetest.Shown("operator"))
	if got := b.MustText("#operator-help"); !strings.Contains(got, pageHelp.TextEN) || !strings.Contains(got, pageHelp.Hotline) {
		t.Errorf("the operator's notice's help shows %q", got)
	}
	noSideways(t, b, "Settings under an operator's suspension")
	b.Axe("Settings under an operator's suspension with the help (en, 360 px)")

	// The in-person verifier page: the layout's help at its foot.
	b.Go("/verify/eid")
	b.WaitFor("the verifier page's help", pagetest.Shown("help"))
	if got := b.MustText("#help"); !strings.Contains(got, pageHelp.TextEN) || !strings.Contains(got, pageHelp.Hotline) {
		t.Errorf("the verifier page's help shows %q", got)
	}
	noSideways(t, b, "the verifier page")
	b.Axe("the verifier page with the help (360 px)")
}

// noSideways fails the test if the page scrolls sideways (evaluated
// without the wallet's module, which the verifier page's CSP does not
// load).
func noSideways(t *testing.T, b *pagetest.Browser, state string) {
	t.Helper()
	wide, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
	if err != nil {
		b.Fail("measuring "+state, err)
	}
	if wide {
		t.Errorf("%s scrolls sideways at 360 px", state)
	}
}
