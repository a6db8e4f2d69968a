package webwallet_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// answerInPage opens and answers a session with this browser's wallet,
// as the Approve page does, without going through its form.
func answerInPage(b *pagetest.Browser, code, decision string) {
	b.T.Helper()
	pagetest.Eval[bool](b, `
		await wallet.holderApi("POST", "/v1/wallet/verifications/open", { body: { code: args.code } });
		await wallet.holderApi("POST", "/v1/wallet/verifications/answer", { body: { code: args.code, decision: args.decision } });
		return true;`, map[string]any{"code": code, "decision": decision})
}

// The history shows every record of the holder (an approval, a refusal,
// a presentation they reported) with who, how,
// level, what was provided and the outcome, checked against the
// platform's signed record log; the next visit proves the log only grew
// (a consistency proof), and a log that does not extend the head this
// browser kept, or is shorter, is called out.
func TestHistoryPage(t *testing.T) {
	e := pagetest.New(t)
	b := e.Open(t)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go("/wallet/history")
	b.WaitFor("the page without a wallet", pagetest.Shown("none"))
	b.Seed(pagetest.NewApplicant(t))
	shop := registerRP(t, e, "shop", "", relyingparty.ClaimAgeOver18)
	answerInPage(b, shop.newSession(e, "possession", "购买", relyingparty.ClaimAgeOver18).Code, "approve")
	answerInPage(b, shop.newSession(e, "possession", "登录").Code, "decline")
	pagetest.Eval[bool](b, `await wallet.holderApi("POST", "/v1/wallet/presentations", { body: { audience: "某某酒店前台", disclosed: ["age_over_18"] } }); return true;`, nil)

	b.Go("/wallet/history")
	b.WaitFor("the checked records", pagetest.Shown("log-ok"))
	list := b.MustText("#records")
	for _, want := range []string{shop.name, "已同意", "已拒绝", "是否年满 18 周岁", "网证（本设备持有）", "本人申报", "某某酒店前台"} {
		if !strings.Contains(list, want) {
			t.Errorf("the history shows %q: want %q in it", list, want)
		}
	}
	if n := pagetest.Eval[int](b, `return document.querySelectorAll("#records > li").length;`, nil); n != 3 {
		t.Errorf("the history shows %d records, want 3", n)
	}
	b.Axe("the history (zh, 360 px)")
	kept := pagetest.Eval[int](b, `return (await wc.loadPlain("log-head")).size;`, nil)
	if kept < 3 {
		t.Fatalf("the browser kept a head of %d records", kept)
	}

	answerInPage(b, shop.newSession(e, "possession", "再次购买").Code, "approve")
	b.Go("/wallet/history")
	b.WaitFor("the checked records", pagetest.Shown("log-ok"))
	asked := false
	for _, r := range e.Requests() {
		asked = asked || strings.HasPrefix(r.URL, "/v1/audit/consistency?")
	}
	if !asked {
		t.Error("the second visit did not ask for the consistency proof from the head it kept")
	}
	if now := pagetest.Eval[int](b, `return (await wc.loadPlain("log-head")).size;`, nil); now <= kept {
		t.Errorf("the kept head has %d records, %d before: want it newer", now, kept)
	}

	for _, tc := range []struct{ name, change, want string }{
		{"forked", `h.root = wc.b64url(new Uint8Array(32));`, "改写"},
		{"rewound", `h.size += 1000;`, "删除"},
	} {
		pagetest.Eval[bool](b, `const h = await wc.loadPlain("log-head"); `+tc.change+` await wc.savePlain("log-head", h); return true;`, nil)
		b.Go("/wallet/history")
		b.WaitFor("the "+tc.name+" log's warning", pagetest.Shown("log-warning"))
		if got := b.MustText("#log-warning"); !strings.Contains(got, tc.want) {
			t.Errorf("%s: the warning says %q", tc.name, got)
		}
		if ok := pagetest.Eval[bool](b, `return !document.getElementById("log-ok").hidden;`, nil); ok {
			t.Errorf("%s: the page also says the records are checked", tc.name)
		}
	}
	b.Axe("the log warning")

	b.Do("English", chromedp.Click(chromedp.ID("lang-en")), chromedp.WaitReady(chromedp.CSS(`html[lang="en"] footer`)))
	b.WaitFor("the records in English", `document.querySelectorAll("#records > li").length === 4`)
	if got := b.MustText("#records"); !strings.Contains(got, "Reported by you") || !strings.Contains(got, "Approved") {
		t.Errorf("the English history shows %q", got)
	}
	b.Axe("the history (en)")
}
