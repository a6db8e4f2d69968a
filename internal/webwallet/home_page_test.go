package webwallet_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// minorWaitingFor takes a 16-year-old's application, from Go, to where it
// waits for the guardian whose 网号 is guardianWanghao.
func minorWaitingFor(t *testing.T, e *pagetest.Env, guardianWanghao string) {
	t.Helper()
	today := time.Now()
	m := pagetest.NewApplicantBorn(t, document.Date{Year: today.Year() - 16, Month: 1, Day: 2})
	app := e.Start(m)
	e.Walk(m, app, string(api.StateRelationship))
	info, err := document.ValidateNumber(m.Identity.Type, m.Identity.Number, document.Today(today))
	if err != nil {
		t.Fatal(err)
	}
	var ev api.RelationshipEvidence
	e.Call("POST", "/dev/relationships", "", api.RelationshipAttestRequest{Guardian: guardianWanghao,
		ChildRef: guardian.ChildRef(app.ID, m.Identity.Type, info.Normalized)}, &ev, http.StatusOK)
	e.Call("PUT", "/v1/applications/"+app.ID+"/relationship", app.Token,
		api.RelationshipRequest{Guardian: guardianWanghao, Evidence: ev.Evidence}, nil, http.StatusOK)
	e.Walk(m, app, string(api.StateGuardian))
}

// The home screen shows the masked 网号 (the full one after the 口令; a
// wrong one says how many tries are left), the status and validity, and
// what waits for the holder: a document that expires within 90 days, a
// minor's application to confirm as guardian, a suspension (who, why, and
// where to lift it). Care mode's home shows only the three main actions.
func TestHomePage(t *testing.T) {
	e := pagetest.New(t)
	b := e.Open(t)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go("/wallet")
	a := pagetest.NewApplicant(t)
	soon := time.Now().AddDate(0, 0, 30)
	a.Identity.ValidUntil = document.Date{Year: soon.Year(), Month: soon.Month(), Day: soon.Day()}
	w := b.Seed(a)
	minorWaitingFor(t, e, w.Wanghao)

	b.Go("/wallet")
	b.WaitFor("what waits for the holder", pagetest.Shown("next"))
	mine := b.MustText("#mine")
	if strings.Contains(mine, w.Wanghao) || !strings.Contains(mine, w.Wanghao[:4]) || !strings.Contains(mine, "正常") {
		t.Errorf("the credential card shows %q: want the masked 网号 and the status", mine)
	}
	next := b.MustText("#next")
	for _, want := range []string{"证件将于", "1 份未成年人的网证申领"} {
		if !strings.Contains(next, want) {
			t.Errorf("what waits shows %q: want %q in it", next, want)
		}
	}
	if n := pagetest.Eval[int](b, `return document.querySelectorAll('#next-list a[href="/wallet/guardian"]').length;`, nil); n != 1 {
		t.Errorf("%d links to the guardian's page, want 1", n)
	}
	b.Axe("the home screen (zh, 360 px)")

	b.Do("a wrong 口令", chromedp.Click(chromedp.ID("reveal")), chromedp.SendKeys(chromedp.ID("reveal-password"), "11111111"),
		chromedp.Click(chromedp.ID("reveal-go")))
	b.WaitFor("the wrong 口令's error", pagetest.Shown("error"))
	if got := b.MustText("#error"); !strings.Contains(got, "还可以再试") {
		t.Errorf("a wrong 口令 shows %q", got)
	}
	b.Do("the right 口令", chromedp.SendKeys(chromedp.ID("reveal-password"), w.Password), chromedp.Click(chromedp.ID("reveal-go")))
	b.WaitFor("the full 网号", `document.getElementById("wanghao").textContent.replaceAll("-", "") === `+jsString(w.Wanghao))

	pagetest.Eval[bool](b, `await wallet.holderApi("POST", "/v1/holder/suspend", { body: { password: args.pw, reason: "手机丢失" } }); return true;`,
		map[string]any{"pw": w.Password})
	b.Go("/wallet")
	b.WaitFor("what waits for the holder", pagetest.Shown("next"))
	status := b.MustText("#status")
	if !strings.Contains(status, "已暂停") || !strings.Contains(status, "由你本人暂停") || !strings.Contains(status, "手机丢失") {
		t.Errorf("the status shows %q: want suspended, by whom and why", status)
	}
	if got := b.MustText("#next-list"); !strings.Contains(got, "在“设置”中用网证口令恢复") {
		t.Errorf("what waits shows %q: want how to resume", got)
	}
	if n := pagetest.Eval[int](b, `return document.querySelectorAll('#next-list a[href="/wallet/settings"]').length;`, nil); n < 1 {
		t.Error("no link to Settings for the suspended credential")
	}
	b.Axe("a suspended credential")

	b.Do("English", chromedp.Click(chromedp.ID("lang-en")), chromedp.WaitReady(chromedp.CSS(`html[lang="en"] footer`)))
	b.WaitFor("what waits, in English", pagetest.Shown("next"))
	if got := b.MustText("#status"); !strings.Contains(got, "Suspended") || !strings.Contains(got, "suspended by you") {
		t.Errorf("the English status shows %q", got)
	}
	b.Axe("the home screen (en)")

	b.Do("care mode", chromedp.Click(chromedp.ID("care")), chromedp.WaitReady(chromedp.CSS(`html.care footer`)))
	if n := pagetest.Eval[int](b, `return document.querySelectorAll(".tiles a").length;`, nil); n != 3 {
		t.Errorf("care mode's home shows %d actions, want the three main ones", n)
	}
	if there := pagetest.Eval[bool](b, `return !!document.getElementById("mine") || !!document.getElementById("next");`, nil); there {
		t.Error("care mode's home shows more than the three main actions")
	}
	b.Axe("care mode's home (en)")
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
