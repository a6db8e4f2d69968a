package webwallet_test

import (
	"encoding/json"
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

// issueInBrowser makes and proves the device key of app (at the device
// step) in b, and keeps the credential there, as the Apply page does.
func issueInBrowser(t *testing.T, b *pagetest.Browser, a pagetest.Applicant, app api.StartedApplication, v api.Application) {
	t.Helper()
	type issued struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	r := pagetest.Eval[issued](b, `
		const dev = await wc.createKey("device");
		const proof = await wc.deviceProof(dev, location.origin, args.nonce);
		const r = await fetch("/v1/applications/" + args.id + "/credential", { method: "POST",
			headers: { "Content-Type": "application/json", Authorization: "Bearer " + args.token },
			body: JSON.stringify({ proof }) });
		const body = await r.text();
		if (r.status === 201) await wallet.saveIssued(JSON.parse(body), args.password);
		return { status: r.status, body };`,
		map[string]any{"id": app.ID, "token": app.Token, "nonce": v.DeviceNonce, "password": a.Password})
	if r.Status != http.StatusCreated {
		t.Fatalf("issuing in the browser: %d %s", r.Status, r.Body)
	}
}

// An 11-year-old, whose guardian applied for them, answers a relying
// party in their own browser: the Approve page says the guardian must
// consent, and after approving, that it waits for the guardian; the
// relying party reads awaiting_guardian, and the guardian's home, in
// another browser, shows the consent waiting for them.
func TestApproveUnder14WaitsForGuardian(t *testing.T) {
	e := pagetest.New(t)
	parentB := e.Open(t)
	parentB.Go("/wallet")
	parent := parentB.Seed(pagetest.NewApplicant(t))

	child := pagetest.NewApplicantBorn(t, document.DateOf(time.Now().AddDate(-11, -6, 0)))
	var app api.StartedApplication
	raw := pagetest.Eval[string](parentB, `return JSON.stringify(await wallet.holderApi("POST", "/v1/applications",
		{ body: { document_type: args.type, on_behalf: true } }));`, map[string]any{"type": child.Identity.Type})
	if err := json.Unmarshal([]byte(raw), &app); err != nil {
		t.Fatal(err)
	}
	e.Call("PUT", "/v1/applications/"+app.ID+"/document", app.Token, map[string]any{"chip": json.RawMessage(e.Chip(child))}, nil, http.StatusOK)
	ev, err := e.P.Server.Dev.Relationships.Attest(guardian.Claim{Guardian: parent.Wanghao,
		ChildRef: guardian.ChildRef(app.ID, child.Identity.Type, child.Identity.Number), Relationship: "parent"}, time.Now(), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	e.Call("PUT", "/v1/applications/"+app.ID+"/relationship", app.Token, map[string]any{"evidence": ev}, nil, http.StatusOK)
	v := e.Walk(child, app, string(api.StateDevice))

	childB := e.Open(t)
	childB.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	childB.Go("/wallet")
	issueInBrowser(t, childB, child, app, v)

	game := registerRP(t, e, "game", "")
	c := game.newSession(e, "possession", "注册游戏账号")
	childB.Do("opening the https link", chromedp.Navigate(c.HTTPSLink), chromedp.WaitVisible(chromedp.ID("ask")))
	if got := childB.MustText("#ask"); !strings.Contains(got, "监护人") {
		t.Errorf("the request shows %q: want the guardian's consent said", got)
	}
	childB.Axe("an under-14's request")
	childB.Do("approving", chromedp.Click(chromedp.ID("approve")))
	childB.WaitFor("the result", pagetest.Shown("done"))
	if got := childB.MustText("#done-what"); !strings.Contains(got, "等待监护人同意") {
		t.Errorf("the result shows %q: want that it waits for the guardian", got)
	}
	if s := game.poll(e, c.ID); s.State != api.SessionAwaitingGuardian || s.Result != "" {
		t.Errorf("the relying party reads %+v: want awaiting_guardian and no result", s)
	}

	parentB.Go("/wallet")
	parentB.WaitFor("what waits for the guardian", pagetest.Shown("next"))
	if got := parentB.MustText("#next-list"); !strings.Contains(got, "1 个被监护人的核验等你同意") {
		t.Errorf("the guardian's home shows %q: want the consent waiting", got)
	}
}
