package pagetest

import (
	"context"
	"strings"

	"github.com/chromedp/chromedp"
)

// EnrolVerifier makes this browser a verifier terminal of the in-person
// relying party rpID: the platform adds a terminal named name, and the
// page /verify/eid enrols with its one-time code (the terminal's key made
// in this browser).
func (b *Browser) EnrolVerifier(rpID, name string) {
	b.T.Helper()
	added, err := b.Env.P.Server.Verifiers.Add(context.Background(), rpID, name)
	if err != nil {
		b.T.Fatalf("adding a verifier terminal: %v", err)
	}
	b.Go("/verify/eid")
	b.WaitFor("the terminal's enrolment form", Shown("enrol-form"))
	b.Do("enrolling the terminal", chromedp.SendKeys(chromedp.ID("enrol-code"), added.Code), chromedp.Click(chromedp.ID("enrol-submit")))
	b.WaitFor("the enrolled terminal", Shown("terminal"))
}

// CheckAtVerifier checks an eID code on the verifier page of an enrolled
// terminal, typed as a hand-held scanner types it, and returns the
// result's text (the verdict first).
func (b *Browser) CheckAtVerifier(code string) string {
	b.T.Helper()
	if !strings.HasSuffix(b.Location(), "/verify/eid") {
		b.Go("/verify/eid")
	}
	b.WaitFor("the verifier terminal", Shown("manual-form"))
	if Eval[bool](b, `return !document.getElementById("result").hidden;`, nil) {
		b.Do("the next person", chromedp.Click(chromedp.ID("next")))
	}
	b.Do("checking the code", chromedp.SendKeys(chromedp.ID("payload"), code+"\r"))
	b.WaitFor("the result", Shown("result"))
	return b.MustText("#result")
}
