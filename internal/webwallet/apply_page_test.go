package webwallet_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// applyAxe runs axe-core on what b shows and fails the test on a
// violation above moderate. It returns how long axe-core took.
func applyAxe(b *pagetest.Browser, state string) time.Duration {
	b.T.Helper()
	began := time.Now()
	vs, err := browsertest.Axe(b.Ctx)
	if err != nil {
		b.Fail("axe at "+state, err)
	}
	b.T.Logf("axe-core at %s: %s", state, browsertest.Summary(vs))
	if bad := browsertest.Above(vs, "moderate"); len(bad) > 0 {
		b.Fail("axe at "+state, fmt.Errorf("%v", bad))
	}
	return time.Since(began)
}

// applyErase erases what a field holds, as a person does.
var applyErase = strings.Repeat(kb.Backspace, 12)

// applyVisible waits until the element id is shown.
func applyVisible(b *pagetest.Browser, what, id string) {
	b.T.Helper()
	b.WaitFor(what, fmt.Sprintf(`(() => { const e = document.getElementById(%q); return !!e && !e.hidden && e.getClientRects().length > 0; })()`, id))
}

// applyChipFile writes a's chip, as a reader would save it, to a file the
// page can be given.
func applyChipFile(t *testing.T, e *pagetest.Env, a pagetest.Applicant) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "chip.json")
	if err := os.WriteFile(p, e.Chip(a), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// applyUpload gives the document step the chip file.
func applyUpload(b *pagetest.Browser, file string) {
	b.T.Helper()
	applyVisible(b, "the document step", "step-chip-file")
	b.Do("uploading the chip", chromedp.SetUploadFiles(chromedp.ID("step-chip-file"), []string{file}),
		chromedp.Click(chromedp.ID("step-chip-submit")))
}

// applyFace turns the camera on and takes the picture.
func applyFace(b *pagetest.Browser) {
	b.T.Helper()
	applyVisible(b, "the face step", "step-face-start")
	b.Do("turning on the camera", chromedp.Click(chromedp.ID("step-face-start")))
	applyVisible(b, "the camera's picture", "step-face-capture")
	b.WaitFor("the camera's picture", `document.getElementById("step-face-video").videoWidth > 0`)
	b.Do("taking the picture", chromedp.Click(chromedp.ID("step-face-capture")))
}

// applyPhone sends the code to phone and types the one the dev outbox
// shows.
func applyPhone(b *pagetest.Browser, phone string) string {
	b.T.Helper()
	applyVisible(b, "the phone step", "step-phone")
	b.Do("sending the code", chromedp.SendKeys(chromedp.ID("step-phone"), phone), chromedp.Click(chromedp.ID("step-phone-send")))
	applyVisible(b, "the code field", "step-code")
	b.Do("showing the dev outbox", chromedp.Click(chromedp.ID("step-dev-sms")))
	b.WaitFor("the dev outbox's code", `/\d{6}/.test(document.getElementById("step-dev-code").textContent)`)
	shown, err := b.Text("#step-dev-code")
	if err != nil {
		b.Fail("reading the code", err)
	}
	code := regexp.MustCompile(`\d{6}`).FindString(shown)
	if want := b.Env.SMSCode(phone); code != want {
		b.T.Fatalf("the page shows the code %q, the outbox holds %q", code, want)
	}
	return code
}

// applyPassword sets pw with its confirmation.
func applyPassword(b *pagetest.Browser, pw string) {
	b.T.Helper()
	applyVisible(b, "the password step", "step-pw")
	b.Do("setting the password", chromedp.SendKeys(chromedp.ID("step-pw"), pw), chromedp.SendKeys(chromedp.ID("step-pw2"), pw))
	b.WaitFor("the password accepted by its rules", `!document.getElementById("step-pw-submit").disabled`)
	b.Do("submitting the password", chromedp.Click(chromedp.ID("step-pw-submit")))
}

// applyNoPrivateKey fails the test if a request the browser sent holds a
// JWK with a private member, in its body, its headers, or a JWS in them.
func applyNoPrivateKey(t *testing.T, sent []pagetest.Sent) {
	t.Helper()
	token := regexp.MustCompile(`[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}`)
	var look func(where string, v any, depth int)
	text := func(where, s string, depth int) {
		if depth > 16 {
			return
		}
		if strings.Contains(s, "PRIVATE KEY") {
			t.Fatalf("%s: a PEM private key", where)
		}
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			look(where, v, depth+1)
		}
		for _, tok := range token.FindAllString(s, -1) {
			for _, part := range strings.SplitN(tok, ".", 3)[:2] {
				if b, err := jws.B64.DecodeString(part); err == nil && json.Unmarshal(b, &v) == nil {
					look(where+" (JWS)", v, depth+1)
				}
			}
		}
	}
	look = func(where string, v any, depth int) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["kty"]; ok {
				for _, m := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
					if _, ok := v[m]; ok {
						t.Fatalf("%s: a JWK with the private member %q", where, m)
					}
				}
			}
			for k, e := range v {
				look(where+"."+k, e, depth)
			}
		case []any:
			for _, e := range v {
				look(where, e, depth)
			}
		case string:
			if strings.ContainsAny(v, "{.") {
				text(where, v, depth)
			}
		}
	}
	for _, s := range sent {
		where := s.Method + " " + s.URL
		text(where, string(s.Body), 0)
		for k, vs := range s.Header {
			for _, v := range vs {
				text(where+" header "+k, v, 0)
			}
		}
	}
}

// applyDeviceKey is the public JWK of the browser's device key (a P-256
// or an SM2 key: jws.ParsePublicJWK).
func applyDeviceKey(b *pagetest.Browser) jose.JSONWebKey {
	b.T.Helper()
	raw := pagetest.Eval[json.RawMessage](b, `return await wc.publicJwk(await wc.loadKey("device"));`, nil)
	k, err := jws.ParsePublicJWK(raw)
	if err != nil {
		b.T.Fatal(err)
	}
	return *k
}

// applyCheckIssued checks, from Go, that the wallet the page saved holds
// a credential the platform issued and signed, bound to the browser's
// device key, for wanghao, and the chip sealed with it.
func applyCheckIssued(b *pagetest.Browser, pw, wanghao string) {
	b.T.Helper()
	type secrets struct {
		Wanghao    string          `json:"wanghao"`
		Credential string          `json:"credential"`
		Chip       json.RawMessage `json:"chip"`
		Batch      []struct {
			Key string `json:"key"`
		} `json:"batch"`
	}
	s := pagetest.Eval[secrets](b, `return await wallet.unlock(args.pw);`, map[string]any{"pw": pw})
	var keys jws.JWKS
	b.Env.Call("GET", "/.well-known/jwks.json", "", nil, &keys, http.StatusOK)
	cred, err := credential.Verify(s.Credential, jose.JSONWebKeySet(keys), time.Now())
	if err != nil {
		b.T.Fatalf("the wallet's credential does not verify with the platform's keys: %v", err)
	}
	dev := applyDeviceKey(b)
	if cred.Claims.Holder == nil || !dev.Valid() {
		b.T.Fatalf("no holder key in the credential, or none in the browser")
	}
	// Thumbprints under each key's suite (suite.KeyID): an SM2 key's is
	// SM3.
	got, err := suite.KeyID(cred.Claims.Holder)
	if err != nil {
		b.T.Fatal(err)
	}
	want, err := suite.KeyID(&dev)
	if err != nil {
		b.T.Fatal(err)
	}
	if got != want {
		b.T.Fatalf("the credential is bound to another key than the browser's device key")
	}
	if cred.Claims.Wanghao != wanghao || s.Wanghao != wanghao {
		b.T.Fatalf("the credential names %q, the wallet %q, the page showed %q", cred.Claims.Wanghao, s.Wanghao, wanghao)
	}
	if cred.Claims.Issuer != b.Env.URL {
		b.T.Fatalf("issuer %q, want %q", cred.Claims.Issuer, b.Env.URL)
	}
	if len(s.Chip) == 0 || len(s.Batch) == 0 {
		b.T.Fatalf("the wallet keeps no chip (%d bytes) or no batch (%d)", len(s.Chip), len(s.Batch))
	}
	for i, m := range s.Batch {
		if m.Key != fmt.Sprintf("batch-%d", i+1) {
			b.T.Fatalf("batch member %d has key %q", i, m.Key)
		}
	}
	// The platform knows the browser as the holder: a holder proof of
	// its key reads the account, active.
	acct := pagetest.Eval[map[string]any](b, `return await wallet.holderApi("GET", "/v1/holder/account");`, nil)
	if acct["status"] != "active" {
		b.T.Fatalf("the platform's account of the holder: %v", acct)
	}
	if p := pagetest.Eval[bool](b, `return (await wallet.pending()) === null;`, nil); !p {
		b.T.Fatal("the application is still pending after issuance")
	}
}

// applyShownWanghao is the 网号 the result shows, checked as a 网号.
func applyShownWanghao(b *pagetest.Browser) string {
	b.T.Helper()
	shown, err := b.Text("#done-wanghao")
	if err != nil {
		b.Fail("reading the 网号", err)
	}
	w := strings.ReplaceAll(shown, " ", "")
	if _, err := netnum.Parse(w); err != nil {
		b.T.Fatalf("the result shows %q, not a 网号: %v", shown, err)
	}
	return w
}

// An adult applies through the page in --dev as a person would: document
// type, the reader's file, the camera, a wrong SMS code then the right
// one, a password that breaks a rule (refused in the page) then a good
// one, the device key; a reload in the middle goes on where it was. The
// platform issued a credential bound to the browser's key, never saw a
// private key, and the home screen uses the wallet.
func TestApplyPageAdult(t *testing.T) {
	e := pagetest.New(t)
	b := e.Open(t)
	a := pagetest.NewApplicant(t)
	chip := applyChipFile(t, e, a)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))

	b.Go("/wallet/apply")
	applyVisible(b, "the document types", "choose")
	applyAxe(b, "the choice of document")
	began := time.Now()
	var checks time.Duration
	b.Do("choosing the resident ID card", chromedp.Click(chromedp.ID("type-resident_id_card")))
	applyVisible(b, "the document step", "step-chip-file")
	checks += applyAxe(b, "the document step")
	applyUpload(b, chip)

	// A reload in the middle: the page goes on with the face check.
	applyVisible(b, "the face step", "step-face-start")
	b.Do("reloading", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("footer")))
	applyVisible(b, "the face step after the reload", "step-face-start")
	if p, err := b.Text("#progress [aria-current=step]"); err != nil || !strings.Contains(p, "刷脸") {
		b.Fail("the progress after the reload", fmt.Errorf("current step %q, %v", p, err))
	}
	applyFace(b)
	applyVisible(b, "the phone step", "step-phone")
	checks += applyAxe(b, "the phone step")

	code := applyPhone(b, a.Phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	b.Do("typing a wrong code", chromedp.SendKeys(chromedp.ID("step-code"), wrong), chromedp.Click(chromedp.ID("step-code-submit")))
	applyVisible(b, "the wrong code's error", "step-error")
	msg, _ := b.Text("#step-error")
	if !strings.Contains(msg, "最新一条短信") || !strings.Contains(msg, "还可以再试") {
		b.Fail("the wrong code's error", fmt.Errorf("it says %q: want what to do and the tries left", msg))
	}
	checks += applyAxe(b, "the wrong code's error")
	b.Do("typing the right code", chromedp.SendKeys(chromedp.ID("step-code"), applyErase), chromedp.SendKeys(chromedp.ID("step-code"), code),
		chromedp.Click(chromedp.ID("step-code-submit")))

	// A password that breaks a rule cannot be submitted.
	applyVisible(b, "the password step", "step-pw")
	b.Do("typing a run", chromedp.SendKeys(chromedp.ID("step-pw"), "12345678"), chromedp.SendKeys(chromedp.ID("step-pw2"), "12345678"))
	b.WaitFor("the broken rule shown", `document.querySelector("#step-pw-rules [data-rule=sequence]").classList.contains("broken")`)
	checks += applyAxe(b, "the password step with a broken rule")
	b.Do("trying to submit it", chromedp.Click(chromedp.ID("step-pw-submit")))
	if pagetest.Eval[bool](b, `return !document.getElementById("step-pw-submit").disabled;`, nil) {
		b.T.Fatal("the password button is enabled for 12345678")
	}
	for _, s := range e.Requests() {
		if strings.HasSuffix(s.URL, "/password") {
			t.Fatalf("the page sent a password that breaks a rule: %s %s", s.Method, s.URL)
		}
	}
	b.Do("clearing it", chromedp.SendKeys(chromedp.ID("step-pw"), applyErase), chromedp.SendKeys(chromedp.ID("step-pw2"), applyErase))
	applyPassword(b, a.Password)

	applyVisible(b, "the device step", "device-go")
	if pagetest.Eval[bool](b, `return !document.getElementById("device-pw-field").hidden;`, nil) {
		t.Error("the device step asks for the password the page was just given")
	}
	checks += applyAxe(b, "the device step")
	b.Do("using the credential here", chromedp.Click(chromedp.ID("device-go")))
	applyVisible(b, "the result", "done")
	took := time.Since(began)
	t.Logf("a complete application in the browser took %v from the document type to the credential saved (%v without the %v of the axe-core checks in between)",
		took.Round(time.Millisecond), (took - checks).Round(time.Millisecond), checks.Round(time.Millisecond))
	applyAxe(b, "the result")
	wanghao := applyShownWanghao(b)

	applyCheckIssued(b, a.Password, wanghao)
	applyNoPrivateKey(t, e.Requests())

	b.Go("/wallet")
	b.WaitFor("the home screen with the new wallet", `document.getElementById("status").textContent !== ""`)
	if s, _ := b.Text("#status"); s != "正常" {
		t.Errorf("home shows the status %q", s)
	}
	// A second application is not started in a browser that holds one.
	b.Go("/wallet/apply")
	applyVisible(b, "the page saying a wallet is here", "have")
	if pagetest.Eval[bool](b, `return !document.getElementById("choose").hidden;`, nil) {
		t.Error("the page offers to apply again in a browser that holds a wallet")
	}
}

// A 14–17-year-old applies (in English, with a test document made in the
// page) naming their guardian; the page waits, survives a reload, and
// goes on once the guardian confirms from a second browser profile; the
// 口令 the reload forgot is asked at the device step and checked by the
// platform.
func TestApplyPageMinorWaitsForGuardian(t *testing.T) {
	e := pagetest.New(t)
	g := e.Open(t)
	g.Go("/wallet")
	gw := g.Seed(pagetest.NewApplicant(t))

	c := e.Open(t, append(pagetest.FakeCamera(""), chromedp.Flag("accept-lang", "en"))...)
	c.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	now := time.Now()
	birth := document.Date{Year: now.Year() - 16, Month: 1, Day: 1}
	minor := pagetest.NewApplicantBorn(t, birth)

	c.Go("/wallet/apply")
	applyVisible(c, "the document types", "choose")
	applyAxe(c, "the choice of document (en)")
	c.Do("choosing the resident ID card", chromedp.Click(chromedp.ID("type-resident_id_card")))
	applyVisible(c, "the test document form", "step-mint")
	applyAxe(c, "the document step with the test document (en)")
	c.Do("making a test document", chromedp.SendKeys(chromedp.ID("step-mint-name"), "测试少年"),
		chromedp.SetValue(chromedp.ID("step-mint-birth"), birth.String()), chromedp.Click(chromedp.ID("step-mint")))

	applyVisible(c, "the relationship step", "step-guardian")
	applyAxe(c, "the relationship step (en)")
	c.Do("naming the guardian", chromedp.SendKeys(chromedp.ID("step-guardian"), gw.Wanghao), chromedp.Click(chromedp.ID("step-dev-evidence")))
	c.WaitFor("the evidence", `document.getElementById("step-evidence").value.length > 20`)
	c.Do("submitting the relationship", chromedp.Click(chromedp.ID("step-relationship-submit")))
	applyFace(c)
	code := applyPhone(c, minor.Phone)
	c.Do("typing the code", chromedp.SendKeys(chromedp.ID("step-code"), code), chromedp.Click(chromedp.ID("step-code-submit")))
	applyPassword(c, minor.Password)

	applyVisible(c, "waiting for the guardian", "waiting")
	applyAxe(c, "waiting for the guardian (en)")
	c.Do("reloading", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("footer")))
	applyVisible(c, "still waiting after the reload", "waiting")

	id := pagetest.Eval[string](c, `return (await wallet.pending()).id;`, nil)
	n := pagetest.Eval[int](g, `
		const l = await wallet.holderApi("GET", "/v1/guardian/requests");
		if (!l.requests.some((r) => r.application_id === args.id)) throw new Error("no request for " + args.id);
		await wallet.holderApi("POST", "/v1/guardian/requests/" + args.id, { body: { decision: "approve", password: args.pw } });
		return l.requests.length;`, map[string]any{"id": id, "pw": gw.Password})
	if n != 1 {
		t.Fatalf("the guardian sees %d requests", n)
	}

	applyVisible(c, "the device step once the guardian confirmed", "device-go")
	applyVisible(c, "the password the reload forgot", "device-pw")
	applyAxe(c, "the device step asking the password (en)")
	c.Do("a wrong password", chromedp.SendKeys(chromedp.ID("device-pw"), "96385274"), chromedp.Click(chromedp.ID("device-go")))
	applyVisible(c, "the wrong password's error", "device-error")
	if said, _ := c.Text("#device-error"); !strings.Contains(said, "Enter the 8-digit credential password") || !strings.Contains(said, "tries left") {
		c.Fail("the wrong password's error", fmt.Errorf("it says %q", said))
	}
	c.Do("the right password", chromedp.SendKeys(chromedp.ID("device-pw"), applyErase), chromedp.SendKeys(chromedp.ID("device-pw"), minor.Password),
		chromedp.Click(chromedp.ID("device-go")))
	applyVisible(c, "the result", "done")
	applyAxe(c, "the result (en)")
	applyCheckIssued(c, minor.Password, applyShownWanghao(c))
	applyNoPrivateKey(t, e.Requests())
}

// A guardian starts the application of a child under 14 from their own
// wallet and hands it to the child's device with a link: the page takes
// the application from the fragment, removes the fragment from the
// address bar, asks for the document's file it does not hold, and
// finishes the steps left.
func TestApplyPageFromGuardianLink(t *testing.T) {
	e := pagetest.New(t)
	g := e.Open(t)
	g.Go("/wallet")
	gw := g.Seed(pagetest.NewApplicant(t))
	now := time.Now()
	child := pagetest.NewApplicantBorn(t, document.Date{Year: now.Year() - 10, Month: 3, Day: 9})

	type started struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	app := pagetest.Eval[started](g, `return await wallet.holderApi("POST", "/v1/applications", { body: { document_type: "resident_id_card", on_behalf: true } });`, nil)
	path := "/v1/applications/" + app.ID
	e.Call("PUT", path+"/document", app.Token, map[string]any{"chip": json.RawMessage(e.Chip(child))}, nil, http.StatusOK)
	var ev struct {
		Evidence string `json:"evidence"`
	}
	e.Call("POST", "/dev/relationships", "", map[string]any{"guardian": gw.Wanghao,
		"child_ref": guardian.ChildRef(app.ID, child.Identity.Type, child.Identity.Number)}, &ev, http.StatusOK)
	e.Call("PUT", path+"/relationship", app.Token, map[string]any{"evidence": ev.Evidence}, nil, http.StatusOK)

	c := e.Open(t)
	c.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	c.Go("/wallet/apply#app=" + app.ID + "&token=" + app.Token)
	applyVisible(c, "the document's file asked again", "step-chip-file")
	if h := pagetest.Eval[string](c, `return location.href;`, nil); strings.Contains(h, "#") || strings.Contains(h, app.Token) {
		t.Fatalf("the address bar keeps the link's fragment: %s", h)
	}
	applyAxe(c, "the document's file asked again")
	applyUpload(c, applyChipFile(t, e, child))
	applyFace(c)
	code := applyPhone(c, child.Phone)
	c.Do("typing the code", chromedp.SendKeys(chromedp.ID("step-code"), code), chromedp.Click(chromedp.ID("step-code-submit")))
	applyPassword(c, child.Password)
	applyVisible(c, "the device step", "device-go")
	c.Do("using the credential here", chromedp.Click(chromedp.ID("device-go")))
	applyVisible(c, "the result", "done")
	applyCheckIssued(c, child.Password, applyShownWanghao(c))
}

// Without a liveness provider (no --liveness-url, no --dev) the platform
// relays no face check: the face step says so, with what to do instead,
// and offers no capture.
func TestApplyStepsFaceWithoutProvider(t *testing.T) {
	e := pagetest.New(t)
	b := e.Open(t)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go("/wallet/apply")
	applyVisible(b, "the document types", "choose")
	pagetest.Eval[bool](b, `
		const steps = await import("/wallet/static/steps.js");
		document.getElementById("choose").hidden = true;
		steps.face(document.getElementById("step"), { app: { id: "a", token: "t" }, view: { state: "face", face_challenge: "c" }, dev: false });
		return true;`, nil)
	applyVisible(b, "the notice", "step-face-none")
	said, err := b.Text("#step-face-none")
	if err != nil {
		b.Fail("reading the notice", err)
	}
	if !strings.Contains(said, "无法进行刷脸核验") || !strings.Contains(said, "netid wallet apply") {
		t.Errorf("the notice says %q", said)
	}
	if n := pagetest.Eval[int](b, `return document.querySelectorAll("#step-face-start, #step-face-capture, video").length;`, nil); n != 0 {
		t.Errorf("the step offers %d camera controls without a provider", n)
	}
	applyAxe(b, "the face step without a provider")
}
