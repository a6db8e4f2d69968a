package webwallet_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
	"github.com/netid-project/netid/rp"
)

// guardianTeenWaiting takes a 14–17-year-old's application, naming
// parent as guardian, to the state where it waits for the guardian.
func guardianTeenWaiting(t *testing.T, e *pagetest.Env, parent pagetest.Wallet, age int) (pagetest.Applicant, api.StartedApplication) {
	t.Helper()
	today := document.Today(time.Now())
	teen := pagetest.NewApplicantBorn(t, document.Date{Year: today.Year - age, Month: 1, Day: 10})
	app := e.Start(teen)
	if v := e.Walk(teen, app, "relationship"); v.Minor != "14_to_17" {
		t.Fatalf("the teen's application: %+v", v)
	}
	ev, err := e.P.Server.Dev.Relationships.Attest(guardian.Claim{
		Guardian: parent.Wanghao, ChildRef: guardian.ChildRef(app.ID, teen.Identity.Type, teen.Identity.Number), Relationship: "parent",
	}, time.Now(), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	e.Call("PUT", "/v1/applications/"+app.ID+"/relationship", app.Token, map[string]any{"guardian": parent.Wanghao, "evidence": ev}, nil, http.StatusOK)
	e.Walk(teen, app, "guardian")
	return teen, app
}

// TestGuardianPage: in the guardian's browser, a 16-year-old's
// application waiting for the guardian is confirmed with the guardian's
// password (a wrong one refused; another application, in English,
// declined), and an application for a 9-year-old is started on the
// guardian's page from the child's chip data: the platform holds it on
// behalf of the guardian, past the relationship evidence, and the page
// hands it to the child's device as a link and its QR code. Once the
// child's device holds the credential, the guardian sees the ward and
// their records, consents ahead to offline in-person checks (the child's
// offline eID code then carries that consent) and consents to a
// platform's first use. axe-core finds nothing above moderate at each
// state, in Chinese and English, at 360 px.
func TestGuardianPage(t *testing.T) {
	e := pagetest.New(t)
	b := e.Open(t)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go("/wallet/guardian")
	b.WaitFor("the page without a wallet", pagetest.Shown("none"))
	holderPageAxe(t, b, "guardian no wallet zh")
	parent := b.Seed(pagetest.NewApplicant(t))
	cred, err := e.P.Store.GetCredential(context.Background(), parent.CredentialID)
	if err != nil {
		t.Fatal(err)
	}

	// A 16-year-old's application, confirmed.
	_, app := guardianTeenWaiting(t, e, parent, 16)
	b.Go("/wallet/guardian")
	b.WaitFor("the application to confirm", pagetest.Shown("request-0"))
	if got, _ := b.Text("#request-0"); !strings.Contains(got, "16 岁") || !strings.Contains(got, "居民身份证") || !strings.Contains(got, "*") {
		t.Errorf("the application shows %q", got)
	}
	holderPageAxe(t, b, "guardian request zh")
	b.Do("a wrong password", chromedp.SendKeys(chromedp.ID("request-0-password"), "11111111"), chromedp.Click(chromedp.ID("request-0-approve")))
	b.WaitFor("the refusal", pagetest.Shown("request-0-error"))
	holderPageClear(b, "request-0-password")
	b.Do("confirming", chromedp.SendKeys(chromedp.ID("request-0-password"), parent.Password), chromedp.Click(chromedp.ID("request-0-approve")))
	b.WaitFor("the confirmation", pagetest.Shown("request-0-done"))
	var v api.Application
	e.Call("GET", "/v1/applications/"+app.ID, app.Token, nil, &v, http.StatusOK)
	if v.State != api.StateDevice {
		t.Fatalf("after the guardian confirmed: %s", v.State)
	}

	// A 9-year-old's application, started here.
	today := document.Today(time.Now())
	child := pagetest.NewApplicantBorn(t, document.Date{Year: today.Year - 9, Month: 3, Day: 1})
	chipFile := filepath.Join(t.TempDir(), "child-chip.json")
	if err := os.WriteFile(chipFile, e.Chip(child), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Do("applying for the child",
		chromedp.SetUploadFiles(chromedp.ID("child-chip"), []string{chipFile}),
		chromedp.SendKeys(chromedp.ID("child-password"), parent.Password),
		chromedp.Click(chromedp.ID("child-submit")))
	b.WaitFor("the hand-off", pagetest.Shown("handoff"))
	holderPageAxe(t, b, "guardian hand-off zh")
	link := pagetest.Eval[string](b, `return document.getElementById("handoff-link").href;`, nil)
	u, err := url.Parse(link)
	if err != nil || u.Path != "/wallet/apply" || !strings.HasPrefix(link, e.URL+"/") {
		t.Fatalf("hand-off link %q", link)
	}
	frag, err := url.ParseQuery(u.Fragment)
	if err != nil {
		t.Fatal(err)
	}
	id, token := frag.Get("app"), frag.Get("token")
	stored, err := e.P.Store.GetApplication(context.Background(), id)
	if err != nil {
		t.Fatalf("the handed-off application %q: %v", id, err)
	}
	if stored.GuardianID != cred.PersonID {
		t.Errorf("the application's guardian is %q, want the guardian %q", stored.GuardianID, cred.PersonID)
	}
	e.Call("GET", "/v1/applications/"+id, token, nil, &v, http.StatusOK)
	if v.State != api.StateFace || !v.OnBehalf || v.Minor != "under_14" || v.FaceImageHash == "" {
		t.Errorf("the handed-off application: %+v", v)
	}
	// The QR code says the same link.
	if got := holderPageReadQR(b, "handoff-qr").Text; got != link {
		t.Errorf("the hand-off QR code says %q, the link %q", got, link)
	}

	// The child's device goes on from the face check and holds the
	// credential; the child is then the guardian's ward.
	kid := e.Open(t)
	kid.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	kid.Go("/wallet")
	handed := api.StartedApplication{Application: api.Application{ID: id}, Token: token}
	kid.Finish(child, handed, e.Walk(child, handed, "device"))

	// The guardian sees the ward and their records, and consents ahead
	// to in-person checks of the ward's eID card offline.
	b.Go("/wallet/guardian")
	b.WaitFor("the ward", pagetest.Shown("ward-0"))
	if got, _ := b.Text("#ward-0"); !strings.Contains(got, "9 岁") || !strings.Contains(got, "未满十四周岁") {
		t.Errorf("the ward shows %q", got)
	}
	b.Do("opening consent ahead", chromedp.Click(chromedp.CSS("#ward-0 summary")))
	b.WaitFor("the consent form", pagetest.Shown("ward-0-ahead-password"))
	holderPageAxe(t, b, "guardian ward zh")
	b.Do("consenting to offline checks",
		chromedp.SendKeys(chromedp.ID("ward-0-ahead-password"), parent.Password),
		chromedp.Click(chromedp.ID("ward-0-ahead-submit")))
	b.WaitFor("the consent given", pagetest.Shown("ward-0-ahead-done"))
	b.Do("the ward's records", chromedp.Click(chromedp.ID("ward-0-history")))
	b.WaitFor("the ward's records", pagetest.Shown("ward-history"))
	if got, _ := b.Text("#ward-records"); !strings.Contains(got, "监护人已同意") {
		t.Errorf("the ward's records: %q", got)
	}
	holderPageAxe(t, b, "guardian ward records zh")

	// The child's first verification by a platform waits for the
	// guardian, who consents on the page.
	_, gameSecret, err := e.P.Registry.Register(context.Background(), relyingparty.Registration{
		ID: "game-page", Name: "页面测试游戏", Category: storage.CategoryInternetService,
		Domains: []string{"game-page.example"}, AllowedClaims: []string{"age_band"}, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	var session api.VerificationCreated
	e.Call("POST", "/v1/verifications", "basic game-page:"+gameSecret, map[string]any{"purpose": "防沉迷实名", "claims": []string{"age_band"}}, &session, http.StatusCreated)
	if state := pagetest.Eval[string](kid, `
		await wallet.holderApi("POST", "/v1/wallet/verifications/open", { body: { code: args.code } });
		return (await wallet.holderApi("POST", "/v1/wallet/verifications/answer", { body: { code: args.code, decision: "approve" } })).state;`,
		map[string]any{"code": session.Code}); state != "awaiting_guardian" {
		t.Fatalf("the child's answer: %s", state)
	}
	b.Go("/wallet/guardian")
	b.WaitFor("the first use waiting", pagetest.Shown("consent-0"))
	if got, _ := b.Text("#consent-0"); !strings.Contains(got, "页面测试游戏") || !strings.Contains(got, "防沉迷实名") || !strings.Contains(got, "age_band") {
		t.Errorf("the first use shows %q", got)
	}
	holderPageAxe(t, b, "guardian first use zh")
	b.Do("consenting to the first use",
		chromedp.SendKeys(chromedp.ID("consent-0-password"), parent.Password),
		chromedp.Click(chromedp.ID("consent-0-approve")))
	b.WaitFor("the consent given", pagetest.Shown("consent-0-done"))
	var status api.VerificationStatus
	e.Call("GET", "/v1/verifications/"+session.ID, "basic game-page:"+gameSecret, nil, &status, http.StatusOK)
	if status.State != "approved" {
		t.Fatalf("after the guardian's consent the session is %s", status.State)
	}

	// With that consent, the child's eID card shows an offline code an
	// offline verifier accepts.
	kid.Go("/wallet/eid")
	kid.WaitFor("the form to add the card", pagetest.Shown("add-form"))
	kid.Do("adding the child's card",
		chromedp.SendKeys(chromedp.ID("add-password"), child.Password),
		chromedp.SendKeys(chromedp.ID("add-usage"), "246801"),
		chromedp.SendKeys(chromedp.ID("add-usage-again"), "246801"),
		chromedp.Click(chromedp.ID("add-submit")))
	kid.WaitFor("the child's card", pagetest.Shown("card"))
	kid.Do("the code", chromedp.Click(chromedp.ID("show-code")))
	kid.WaitFor("the code drawn", `Number(document.getElementById("qr").dataset.seq || "0") >= 1`)
	kid.Do("the offline code", chromedp.Click(chromedp.ID("offline")))
	kid.WaitFor("the offline code drawn", `document.getElementById("code-kind").textContent.includes("离线")`)
	code := holderPageReadQR(kid, "qr").Text
	ver, err := rp.New(context.Background(), e.URL)
	if err != nil {
		t.Fatal(err)
	}
	pres, err := eidverify.VerifyOffline(context.Background(), ver, code, time.Now())
	if err != nil {
		t.Fatalf("the child's offline code: %v", err)
	}
	if !pres.GuardianConsent {
		t.Error("the child's offline code carries no guardian consent")
	}

	// English: another application, declined.
	_, app2 := guardianTeenWaiting(t, e, parent, 15)
	b.Go("/wallet/guardian")
	b.Do("switching to English", chromedp.Click(chromedp.ID("lang-en")), chromedp.WaitReady(chromedp.CSS(`html[lang="en"] footer`)))
	b.WaitFor("the application to confirm in English", pagetest.Shown("request-0"))
	if got, _ := b.Text("#request-0"); !strings.Contains(got, "aged 15") {
		t.Errorf("the application in English shows %q", got)
	}
	holderPageAxe(t, b, "guardian request en")
	b.Do("declining", chromedp.SendKeys(chromedp.ID("request-0-password"), parent.Password), chromedp.Click(chromedp.ID("request-0-decline")))
	b.WaitFor("the decline", pagetest.Shown("request-0-done"))
	if got, _ := b.Text("#request-0-done"); !strings.Contains(got, "Declined") {
		t.Errorf("after declining: %q", got)
	}
	stored, err = e.P.Store.GetApplication(context.Background(), app2.ID)
	if err != nil || stored.State != storage.StateDeclined {
		t.Fatalf("the declined application: %v %v", stored.State, err)
	}
	holderPageAxe(t, b, "guardian declined en")
}
