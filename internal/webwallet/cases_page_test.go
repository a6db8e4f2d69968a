package webwallet_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// At a phone's width, a holder disputes a check from the History page (its
// link fills the Cases page's form), a problem with the statement is
// worded in Chinese with the next step, the case gets its number and
// deadline, the disputed check is marked in the History, and the
// operator's answer shows on the Cases page.
func TestCasesPage(t *testing.T) {
	e := pagetest.New(t)
	b := e.Open(t)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go("/wallet/cases")
	b.WaitFor("the page without a wallet", pagetest.Shown("none"))
	b.Axe("cases without a wallet")

	b.Seed(pagetest.NewApplicant(t))
	shop := registerRP(t, e, "shop", "", relyingparty.ClaimAgeOver18)
	answerInPage(b, shop.newSession(e, "possession", "登录").Code, "approve")
	b.Go("/wallet/history")
	b.WaitFor("the checked records", pagetest.Shown("log-ok"))
	seq := pagetest.Eval[int](b, `return Number(document.querySelector("#records > li").id.replace("record-", ""));`, nil)
	b.Do("dispute the check", chromedp.Click(chromedp.CSS(`#record-`+strconv.Itoa(seq)+` a[href^="/wallet/cases"]`)))
	b.WaitFor("the cases page", pagetest.Shown("mine"))
	if got := pagetest.Eval[string](b, `return document.getElementById("record").value;`, nil); got != strconv.Itoa(seq) {
		t.Fatalf("the form names record %q, want %d", got, seq)
	}
	if got := pagetest.Eval[string](b, `return document.getElementById("ground").value;`, nil); got != "not_me" {
		t.Fatalf("the ground is %q, want not_me", got)
	}
	b.WaitFor("no cases yet", pagetest.Shown("empty"))
	b.Axe("the cases page (zh, 360 px)")

	// An empty statement: the platform's problem, worded for a person.
	b.Do("submit without a statement", chromedp.Click(chromedp.ID("submit")))
	b.WaitFor("the problem", pagetest.Shown("error"))
	if got := b.MustText("#error"); !strings.Contains(got, "申诉内容不符合要求") || !strings.Contains(got, "1000") {
		t.Errorf("the problem reads %q", got)
	}

	const statement = "那天我没有用过这个平台，手机也在身边。"
	b.Do("write and submit", chromedp.SendKeys(chromedp.ID("statement"), statement), chromedp.Click(chromedp.ID("submit")))
	b.WaitFor("the case's number", pagetest.Shown("done"))
	number := regexp.MustCompile(`SS-20\d\d-\d{6}`).FindString(b.MustText("#done"))
	if number == "" {
		t.Fatalf("no case number in %q", b.MustText("#done"))
	}
	b.WaitFor("the case in the list", `document.getElementById("case-`+number+`") !== null`)
	if got := b.MustText("#case-" + number); !strings.Contains(got, statement) || !strings.Contains(got, "待答复") || !strings.Contains(got, shop.name) {
		t.Errorf("the case reads %q", got)
	}
	b.Axe("a case opened")

	c, err := e.P.Server.Cases.Get(context.Background(), caseHolder(t, e, number), number)
	if err != nil || c.Kind != storage.CaseRecord || c.RecordSeq != int64(seq) || c.Statement != statement {
		t.Fatalf("the platform holds %+v (%v)", c, err)
	}

	b.Go("/wallet/history")
	b.WaitFor("the checked records", pagetest.Shown("log-ok"))
	if got := b.MustText("#record-" + strconv.Itoa(seq)); !strings.Contains(got, "已申诉（案件 "+number+"）") {
		t.Errorf("the disputed record reads %q", got)
	}
	if got := b.MustText("#records"); !strings.Contains(got, "已提交申诉") {
		t.Errorf("the history lacks the case's step: %q", got)
	}
	b.Axe("the history with a disputed record")

	const answer = "经核查，该次核验确由你的设备发起。"
	if _, err := e.P.Server.Cases.Answer(context.Background(), number, answer); err != nil {
		t.Fatal(err)
	}
	b.Go("/wallet/cases")
	b.WaitFor("the answer", `(document.getElementById("case-`+number+`") || {textContent: ""}).textContent.includes("已答复")`)
	if got := b.MustText("#case-" + number); !strings.Contains(got, answer) {
		t.Errorf("the answered case reads %q", got)
	}

	b.Do("English", chromedp.Click(chromedp.ID("lang-en")), chromedp.WaitReady(chromedp.CSS(`html[lang="en"] footer`)))
	b.WaitFor("the case in English", `(document.getElementById("case-`+number+`") || {textContent: ""}).textContent.includes("Answered")`)
	b.Axe("the cases page (en)")
}

// caseHolder is the person who opened case number.
func caseHolder(t *testing.T, e *pagetest.Env, number string) string {
	t.Helper()
	c, err := e.P.Store.GetCase(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return c.PersonID
}
