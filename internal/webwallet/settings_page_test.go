package webwallet_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// settingsReady waits until the Settings page has read the account and
// the platforms (or found no wallet).
const settingsReady = `document.documentElement.dataset.ready === "1"`

// openSettings starts a platform, seeds a holder's wallet in a browser
// and opens the Settings page.
func openSettings(t *testing.T) (*pagetest.Env, *pagetest.Browser, pagetest.Wallet) {
	t.Helper()
	e := pagetest.New(t)
	b := e.Open(t)
	b.Go("/wallet")
	w := b.Seed(pagetest.NewApplicant(t))
	b.Go("/wallet/settings")
	b.WaitFor("the settings page", settingsReady)
	return e, b, w
}

// fill types text into the input with id, replacing what it holds.
func fill(b *pagetest.Browser, id, text string) {
	b.T.Helper()
	sel := "input#" + id
	pagetest.Eval[bool](b, `document.querySelector(args.sel).value = ""; return true;`, map[string]any{"sel": sel})
	b.Do("typing into "+id, chromedp.SendKeys(chromedp.CSS(sel), text))
}

func click(b *pagetest.Browser, id string) {
	b.T.Helper()
	b.Do("pressing "+id, chromedp.Click(chromedp.ID(id)))
}

// axeBothLanguages runs axe-core at 360 px in Chinese, then switches to
// English with the page's own switch and runs it again, and switches
// back.
func axeBothLanguages(b *pagetest.Browser, state string, after func()) {
	b.T.Helper()
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Axe(state + " (zh-CN, 360 px)")
	b.Do("switching to English", chromedp.Click(chromedp.ID("lang-en")), chromedp.WaitReady(chromedp.CSS(`html[lang="en"] footer`)))
	b.WaitFor("the page in English", settingsReady)
	if after != nil {
		after()
	}
	b.Axe(state + " (en, 360 px)")
	if over, _ := pagetest.TryEval[bool](b, `return document.documentElement.scrollWidth > window.innerWidth;`, nil); over {
		b.T.Errorf("%s: the page scrolls sideways at 360 px", state)
	}
	b.Do("switching to Chinese", chromedp.Click(chromedp.ID("lang-zh")), chromedp.WaitReady(chromedp.CSS(`html[lang="zh-CN"] footer`)))
	b.WaitFor("the page in Chinese", settingsReady)
	b.Do("a desktop's width", chromedp.EmulateViewport(1280, 800))
}

func credentialOf(t *testing.T, e *pagetest.Env, id string) storage.Credential {
	t.Helper()
	c, err := e.P.Store.GetCredential(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The holder suspends the credential with the 口令 and the platform
// records a holder's suspension; resuming makes it active again; an
// operator's suspension is shown as one the holder cannot lift, with what
// to do, and offers no button.
func TestSettingsSuspendResume(t *testing.T) {
	e, b, w := openSettings(t)
	if got := b.MustText("#status"); !strings.Contains(got, "正常") {
		t.Fatalf("status %q, want active", got)
	}
	axeBothLanguages(b, "settings, active", nil)

	fill(b, "suspend-pw", w.Password)
	click(b, "suspend-go")
	b.WaitFor("the suspension done", pagetest.Shown("done")+` && `+pagetest.Shown("resume-go"))
	if c := credentialOf(t, e, w.CredentialID); c.Status != storage.CredentialSuspended || c.StatusBy != storage.StatusByHolder {
		t.Fatalf("after suspend: %s by %q", c.Status, c.StatusBy)
	}
	if got := b.MustText("#status"); !strings.Contains(got, "已暂停") {
		t.Errorf("status %q, want suspended", got)
	}
	axeBothLanguages(b, "settings, suspended by the holder", nil)

	fill(b, "suspend-pw", w.Password)
	click(b, "resume-go")
	b.WaitFor("the resumption done", pagetest.Shown("suspend-go"))
	if c := credentialOf(t, e, w.CredentialID); c.Status != storage.CredentialActive {
		t.Fatalf("after resume: %s", c.Status)
	}

	// A wrong 口令 changes nothing and says so.
	fill(b, "suspend-pw", "11223344")
	click(b, "suspend-go")
	b.WaitFor("the refusal", pagetest.Shown("error"))
	if got := b.MustText("#error"); !strings.Contains(got, "口令不对") || !strings.Contains(got, "还可以再试") {
		t.Errorf("a wrong 口令 reads %q", got)
	}
	if c := credentialOf(t, e, w.CredentialID); c.Status != storage.CredentialActive {
		t.Fatalf("after a wrong password: %s", c.Status)
	}

	if _, err := e.P.Server.Lifecycle.Operator(context.Background(), w.Wanghao, lifecycle.Action("suspend"), "核查中"); err != nil {
		t.Fatal(err)
	}
	b.Go("/wallet/settings")
	b.WaitFor("the settings page", settingsReady)
	if !pagetest.Eval[bool](b, `return !document.getElementById("operator").hidden && document.getElementById("suspend-form").hidden;`, nil) {
		t.Fatal("an operator's suspension: want the notice and no suspend or resume form")
	}
	if got := b.MustText("#operator"); !strings.Contains(got, "不能自行恢复") || !strings.Contains(got, "核查中") {
		t.Errorf("operator notice %q", got)
	}
	axeBothLanguages(b, "settings, suspended by an operator", nil)
}

// The 口令's rules show as the person types; the change goes to the
// platform and the wallet here is sealed under the new 口令: it unlocks
// with the new one and not the old, and the platform takes the new one.
func TestSettingsChangePassword(t *testing.T) {
	_, b, w := openSettings(t)
	const newPW = "50718293"
	fill(b, "password-new", "1234")
	if got := pagetest.Eval[string](b, `return document.querySelector('#password-rules [data-rule="format"]').className;`, nil); got != "rule no" {
		t.Errorf("typing 4 digits: the format rule is %q", got)
	}
	fill(b, "password-new", "12345678")
	if got := pagetest.Eval[string](b, `return document.querySelector('#password-rules [data-rule="sequence"]').className;`, nil); got != "rule no" {
		t.Errorf("typing a run: the sequence rule is %q", got)
	}
	// The confirmation must match.
	fill(b, "password-old", w.Password)
	fill(b, "password-new", newPW)
	fill(b, "password-again", "50718290")
	click(b, "password-go")
	b.WaitFor("the mismatch", pagetest.Shown("error"))
	axeBothLanguages(b, "settings, password mismatch", nil)

	// The birth date is left to the platform, which refuses it.
	birth := fmt.Sprintf("%04d%02d%02d", w.Identity.Birth.Year, w.Identity.Birth.Month, w.Identity.Birth.Day)
	fill(b, "password-old", w.Password)
	fill(b, "password-new", birth)
	fill(b, "password-again", birth)
	click(b, "password-go")
	b.WaitFor("the refusal", pagetest.Shown("error")+` && document.getElementById("error").innerText.includes("太容易")`)

	fill(b, "password-old", w.Password)
	fill(b, "password-new", newPW)
	fill(b, "password-again", newPW)
	click(b, "password-go")
	b.WaitFor("the change done", pagetest.Shown("done"))

	type unlocked struct {
		New, Old string
		Reveal   string
		Stale    int
	}
	got := pagetest.Eval[unlocked](b, `
		const r = {};
		r.New = (await wallet.unlock(args.pw)).wanghao;
		try { await wallet.unlock(args.old); r.Old = "opened"; } catch (e) { r.Old = e.code; }
		r.Reveal = (await wallet.holderApi("POST", "/v1/holder/account/reveal", { body: { password: args.pw } })).wanghao;
		try { await wallet.holderApi("POST", "/v1/holder/account/reveal", { body: { password: args.old } }); } catch (e) { r.Stale = e.status; }
		return r;`, map[string]any{"pw": newPW, "old": w.Password})
	if got.New != w.Wanghao {
		t.Errorf("unlocking with the new 口令 gave %q", got.New)
	}
	if got.Old != "wrong-password" {
		t.Errorf("unlocking with the old 口令: %q, want wrong-password", got.Old)
	}
	if strings.ReplaceAll(got.Reveal, "-", "") != w.Wanghao {
		t.Errorf("the platform, with the new 口令, revealed %q", got.Reveal)
	}
	if got.Stale == 0 || got.Stale == 200 {
		t.Errorf("the platform took the old 口令 (status %d)", got.Stale)
	}
}

// The phone change: codes to the linked and the new number, read in --dev
// from the outbox by the page's button; the platform links the new
// number.
func TestSettingsChangePhone(t *testing.T) {
	e, b, w := openSettings(t)
	const newPhone = "+8613911112222"
	fill(b, "phone-pw", w.Password)
	fill(b, "phone-new", newPhone)
	click(b, "phone-send")
	b.WaitFor("the code fields", pagetest.Shown("phone-verify-form"))
	fill(b, "phone-dev-old", w.Phone)
	click(b, "phone-dev")
	b.WaitFor("the dev codes", `document.getElementById("phone-old-code").value.length === 6 && document.getElementById("phone-new-code").value.length === 6`)
	if got := pagetest.Eval[string](b, `return document.getElementById("phone-new-code").value;`, nil); got != e.SMSCode(newPhone) {
		t.Fatalf("the page filled %q, the outbox sent %q", got, e.SMSCode(newPhone))
	}
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Axe("settings, phone codes (zh-CN, 360 px)")
	if got := pagetest.Eval[string](b, `return document.getElementById("phone-old-code").value;`, nil); got != e.SMSCode(w.Phone) {
		t.Fatalf("the page filled %q for the linked number, the outbox sent %q", got, e.SMSCode(w.Phone))
	}
	click(b, "phone-go")
	b.WaitFor("the change done", pagetest.Shown("done"))
	cred := credentialOf(t, e, w.CredentialID)
	a, err := e.P.Server.Lifecycle.Account(context.Background(), cred.PersonID, cred.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(a.Phone, newPhone[len(newPhone)-4:]) {
		t.Fatalf("the platform links %q, want the new number", a.Phone)
	}
	if got := b.MustText("#phone"); got != a.Phone {
		t.Errorf("the page shows %q, the platform %q", got, a.Phone)
	}
}

// A platform the holder consented to is listed; withdrawing asks first,
// then the platform forgets the consent.
func TestSettingsWithdrawPlatform(t *testing.T) {
	e, b, w := openSettings(t)
	ctx := context.Background()
	now := time.Now()
	cred := credentialOf(t, e, w.CredentialID)
	if err := e.P.Store.CreateRelyingParty(ctx, storage.RelyingParty{ID: "shop", Name: "好物商城", Category: storage.CategoryInternetService,
		Domains: []string{"shop.example"}, AuthMethod: storage.AuthClientSecret, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := e.P.Store.PutConsent(ctx, storage.Consent{PersonID: cred.PersonID, RPID: "shop", Claims: []string{"verified", "age_over_18"}, GrantedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	b.Go("/wallet/settings")
	b.WaitFor("the platform listed", settingsReady+` && document.querySelectorAll("#platforms li").length === 1`)
	if got := b.MustText("#platforms"); !strings.Contains(got, "好物商城") || !strings.Contains(got, "age_over_18") {
		t.Fatalf("platforms: %q", got)
	}
	b.Do("asking to withdraw", chromedp.Click(chromedp.CSS(`#platforms .withdraw`)))
	b.WaitFor("the question", `!document.querySelector("#platforms .confirm").hidden`)
	axeBothLanguages(b, "settings, a platform", nil)
	b.Do("asking to withdraw", chromedp.Click(chromedp.CSS(`#platforms .withdraw`)))
	b.WaitFor("the question", `!document.querySelector("#platforms .confirm").hidden`)
	if _, err := e.P.Store.GetConsent(ctx, cred.PersonID, "shop"); err != nil {
		t.Fatalf("asking withdrew already: %v", err)
	}
	b.Do("withdrawing", chromedp.Click(chromedp.CSS(`#platforms .withdraw-yes`)))
	b.WaitFor("the list empty", pagetest.Shown("platforms-none")+` && `+pagetest.Shown("done"))
	if _, err := e.P.Store.GetConsent(ctx, cred.PersonID, "shop"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the consent after withdrawing: %v", err)
	}
}

// Cancelling asks for the 口令, the tick and a last yes; then the
// platform has revoked the credential and cancelled the person, and the
// browser holds no wallet any more.
func TestSettingsCancel(t *testing.T) {
	e, b, w := openSettings(t)
	fill(b, "cancel-pw", w.Password)
	click(b, "cancel-go")
	b.WaitFor("the tick asked for", pagetest.Shown("error"))
	if c := credentialOf(t, e, w.CredentialID); c.Status != storage.CredentialActive {
		t.Fatalf("without the tick: %s", c.Status)
	}
	click(b, "cancel-understand")
	click(b, "cancel-go")
	b.WaitFor("the last question", pagetest.Shown("cancel-yes"))
	axeBothLanguages(b, "settings, cancel question", func() {
		fill(b, "cancel-pw", w.Password)
		click(b, "cancel-understand")
		click(b, "cancel-go")
		b.WaitFor("the last question", pagetest.Shown("cancel-yes"))
	})
	fill(b, "cancel-pw", w.Password)
	click(b, "cancel-understand")
	click(b, "cancel-go")
	b.WaitFor("the last question", pagetest.Shown("cancel-yes"))
	if c := credentialOf(t, e, w.CredentialID); c.Status != storage.CredentialActive {
		t.Fatalf("before the last yes: %s", c.Status)
	}
	click(b, "cancel-yes")
	b.WaitFor("the page saying it is done", pagetest.Shown("cancelled"))
	if c := credentialOf(t, e, w.CredentialID); c.Status != storage.CredentialRevoked {
		t.Fatalf("after cancelling: %s", c.Status)
	}
	p, err := e.P.Store.GetPerson(context.Background(), credentialOf(t, e, w.CredentialID).PersonID)
	if err != nil || p.State != storage.PersonCancelled {
		t.Fatalf("the person after cancelling: %+v, %v", p.State, err)
	}
	type left struct {
		Profile bool
		Keys    []string
		Secrets bool
	}
	l := pagetest.Eval[left](b, `return { Profile: (await wallet.profile()) !== null, Keys: await wc.listKeys(),
		Secrets: (await wc.loadSealed("secrets")) !== null };`, nil)
	if l.Profile || len(l.Keys) != 0 || l.Secrets {
		t.Fatalf("the browser still holds %+v", l)
	}
	b.Axe("settings, cancelled")
	b.Go("/wallet/settings")
	b.WaitFor("no wallet", pagetest.Shown("none"))
}

// reproofSteps walks the steps of a re-proofing application that starts
// from the 网号 in b: the SMS code to the linked phone, the face check by
// the fake camera, then the 口令 (the current one, or with newPassword a
// new one typed twice).
func reproofSteps(b *pagetest.Browser, w pagetest.Wallet, password string, isNew bool) {
	b.T.Helper()
	b.WaitFor("the phone step", pagetest.Shown("step-phone"))
	b.Axe("re-proofing, the phone step")
	fill(b, "step-phone", w.Phone)
	click(b, "step-phone-send")
	b.WaitFor("the code field", pagetest.Shown("step-code"))
	fill(b, "step-code", b.Env.SMSCode(w.Phone))
	click(b, "step-code-submit")
	b.WaitFor("the face step", pagetest.Shown("step-face-start"))
	click(b, "step-face-start")
	b.WaitFor("the camera", pagetest.Shown("step-face-capture"))
	click(b, "step-face-capture")
	b.WaitFor("the password step", pagetest.Shown("step-pw"))
	fill(b, "step-pw", password)
	if isNew {
		fill(b, "step-pw2", password)
	}
	click(b, "step-pw-submit")
}

// A move to a new device in a second browser profile: from the 网号, the
// linked phone's code, the face and the 口令, the new browser holds a
// working wallet with the same 网号, and the old device's credential is
// revoked.
func TestRecoverNewDevice(t *testing.T) {
	e := pagetest.New(t)
	old := e.Open(t)
	old.Go("/wallet")
	w := old.Seed(pagetest.NewApplicant(t))

	b := e.Open(t)
	b.Go("/wallet/settings")
	b.WaitFor("no wallet here", pagetest.Shown("none"))
	b.Go("/wallet/recover?kind=device")
	b.WaitFor("the page", settingsReady)
	axeBothLanguages(b, "recover, choosing", nil)
	fill(b, "wanghao", w.Wanghao[:4]+"-"+w.Wanghao[4:8]+"-"+w.Wanghao[8:12]+"-"+w.Wanghao[12:])
	click(b, "start")
	reproofSteps(b, w, w.Password, false)
	b.WaitFor("the move done", pagetest.Shown("finished")+` && document.documentElement.dataset.finished === "issued"`)
	b.Axe("recover, moved")

	type here struct {
		Credential string
		Wanghao    string
		Status     string
	}
	got := pagetest.Eval[here](b, `
		const p = await wallet.profile();
		const s = await wallet.unlock(args.pw);
		const a = await wallet.holderApi("GET", "/v1/holder/account");
		return { Credential: p.credentialId, Wanghao: s.wanghao, Status: a.status };`, map[string]any{"pw": w.Password})
	if got.Wanghao != w.Wanghao || got.Status != "active" || got.Credential == w.CredentialID || got.Credential == "" {
		t.Fatalf("the new browser holds %+v", got)
	}
	if c := credentialOf(t, e, w.CredentialID); c.Status != storage.CredentialRevoked {
		t.Fatalf("the old device's credential: %s", c.Status)
	}
	if c := credentialOf(t, e, got.Credential); c.Status != storage.CredentialActive {
		t.Fatalf("the new credential: %s", c.Status)
	}
	// The old browser's holder proofs no longer work.
	if _, err := pagetest.TryEval[any](old, `return await wallet.holderApi("GET", "/v1/holder/account");`, nil); err == nil {
		t.Fatal("the old device still reads the account")
	}
}

// A forgotten 口令: from the 网号, the linked phone's code and the face, a
// new 口令 the platform takes (and the old one no longer); the page says
// the wallet here stays locked with the old one.
func TestRecoverForgotPassword(t *testing.T) {
	e, b, w := openSettings(t)
	const newPW = "61829374"
	b.Go("/wallet/recover?kind=password")
	b.WaitFor("the page", settingsReady)
	if !pagetest.Eval[bool](b, `return document.getElementById("kind-password").getAttribute("aria-current") === "page" && document.getElementById("replace").hidden;`, nil) {
		t.Fatal("the kind from the link is not chosen, or a password reset asks to replace the wallet")
	}
	fill(b, "wanghao", w.Wanghao)
	click(b, "start")
	reproofSteps(b, w, newPW, true)
	b.WaitFor("the reset done", pagetest.Shown("finished")+` && `+pagetest.Shown("finished-stale"))
	b.Axe("recover, password reset")

	type reveal struct {
		New   string
		Stale int
	}
	got := pagetest.Eval[reveal](b, `
		const r = {};
		r.New = (await wallet.holderApi("POST", "/v1/holder/account/reveal", { body: { password: args.pw } })).wanghao;
		try { await wallet.holderApi("POST", "/v1/holder/account/reveal", { body: { password: args.old } }); } catch (e) { r.Stale = e.status; }
		return r;`, map[string]any{"pw": newPW, "old": w.Password})
	if strings.ReplaceAll(got.New, "-", "") != w.Wanghao || got.Stale == 0 {
		t.Fatalf("after the reset: %+v", got)
	}
	if c := credentialOf(t, e, w.CredentialID); c.Status != storage.CredentialActive {
		t.Fatalf("the credential after a password reset: %s", c.Status)
	}
}

// recoverSteps walks a recover application in b from the document: the
// chip file, the face, the linked phone's code, then the action (with the
// 口令 unless suspending).
func recoverSteps(b *pagetest.Browser, w pagetest.Wallet, chipFile, action string) {
	b.T.Helper()
	b.Go("/wallet/recover?kind=recover")
	b.WaitFor("the page", settingsReady)
	b.WaitFor("the actions shown", pagetest.Shown("actions"))
	b.Do("choosing "+action, chromedp.SetValue(chromedp.ID("action"), action))
	pagetest.Eval[bool](b, `document.getElementById("action").dispatchEvent(new Event("change")); return true;`, nil)
	click(b, "start")
	b.WaitFor("the document step", pagetest.Shown("step-chip-file"))
	b.Do("choosing the chip file", chromedp.SetUploadFiles(chromedp.CSS(`input#step-chip-file`), []string{chipFile}))
	click(b, "step-chip-submit")
	b.WaitFor("the face step", pagetest.Shown("step-face-start"))
	click(b, "step-face-start")
	b.WaitFor("the camera", pagetest.Shown("step-face-capture"))
	click(b, "step-face-capture")
	b.WaitFor("the phone step", pagetest.Shown("step-phone"))
	fill(b, "step-phone", w.Phone)
	click(b, "step-phone-send")
	b.WaitFor("the code field", pagetest.Shown("step-code"))
	fill(b, "step-code", b.Env.SMSCode(w.Phone))
	click(b, "step-code-submit")
	b.WaitFor("the action", pagetest.Shown("action-go"))
	if action != "suspend" {
		fill(b, "action-pw", w.Password)
	}
	click(b, "action-go")
}

// A lost device: in a second browser, from the document, the credential is
// suspended (and the lost device's holder proofs stop working), then
// issued again to this browser, which holds a working wallet; the lost
// device's credential is revoked.
func TestRecoverLostDevice(t *testing.T) {
	e := pagetest.New(t)
	lost := e.Open(t)
	lost.Go("/wallet")
	a := pagetest.NewApplicant(t)
	w := lost.Seed(a)
	chipFile := filepath.Join(t.TempDir(), "chip.json")
	if err := os.WriteFile(chipFile, e.Chip(a), 0o600); err != nil {
		t.Fatal(err)
	}

	b := e.Open(t)
	recoverSteps(b, w, chipFile, "suspend")
	b.WaitFor("the suspension done", pagetest.Shown("finished")+` && document.documentElement.dataset.finished === "done"`)
	if c := credentialOf(t, e, w.CredentialID); c.Status != storage.CredentialSuspended || c.StatusBy != storage.StatusByRecovery {
		t.Fatalf("after reporting the loss: %s by %q", c.Status, c.StatusBy)
	}
	if _, err := pagetest.TryEval[any](lost, `return await wallet.holderApi("GET", "/v1/holder/account");`, nil); err == nil {
		t.Fatal("the lost device still reads the account")
	}

	recoverSteps(b, w, chipFile, "reissue")
	b.WaitFor("the new credential here", pagetest.Shown("finished")+` && document.documentElement.dataset.finished === "issued"`)
	b.Axe("recover, issued again")
	type here struct {
		Credential, Wanghao, Status string
	}
	got := pagetest.Eval[here](b, `
		const p = await wallet.profile();
		const s = await wallet.unlock(args.pw);
		const a = await wallet.holderApi("GET", "/v1/holder/account");
		return { Credential: p.credentialId, Wanghao: s.wanghao, Status: a.status };`, map[string]any{"pw": w.Password})
	if got.Wanghao != w.Wanghao || got.Status != "active" || got.Credential == w.CredentialID {
		t.Fatalf("the new browser holds %+v", got)
	}
	if c := credentialOf(t, e, w.CredentialID); c.Status != storage.CredentialRevoked {
		t.Fatalf("the lost device's credential: %s", c.Status)
	}
}

// The linked number is gone: from the document, the face and the 口令, a
// new number is linked with its code.
func TestRecoverNewPhone(t *testing.T) {
	e, b, w := openSettings(t)
	chipFile := filepath.Join(t.TempDir(), "chip.json")
	if err := os.WriteFile(chipFile, e.Chip(w.Applicant), 0o600); err != nil {
		t.Fatal(err)
	}
	const newPhone = "+8613811113333"
	b.Go("/wallet/recover?kind=phone")
	b.WaitFor("the page", settingsReady+` && `+pagetest.Shown("document-type"))
	click(b, "start")
	b.WaitFor("the document step", pagetest.Shown("step-chip-file"))
	b.Do("choosing the chip file", chromedp.SetUploadFiles(chromedp.CSS(`input#step-chip-file`), []string{chipFile}))
	click(b, "step-chip-submit")
	b.WaitFor("the face step", pagetest.Shown("step-face-start"))
	click(b, "step-face-start")
	b.WaitFor("the camera", pagetest.Shown("step-face-capture"))
	click(b, "step-face-capture")
	b.WaitFor("the password step", pagetest.Shown("step-pw"))
	fill(b, "step-pw", w.Password)
	click(b, "step-pw-submit")
	b.WaitFor("the phone step", pagetest.Shown("step-phone"))
	fill(b, "step-phone", newPhone)
	click(b, "step-phone-send")
	b.WaitFor("the code field", pagetest.Shown("step-code"))
	fill(b, "step-code", e.SMSCode(newPhone))
	click(b, "step-code-submit")
	b.WaitFor("the number linked", pagetest.Shown("finished"))
	cred := credentialOf(t, e, w.CredentialID)
	a, err := e.P.Server.Lifecycle.Account(context.Background(), cred.PersonID, cred.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(a.Phone, newPhone[len(newPhone)-4:]) {
		t.Fatalf("the platform links %q, want the new number", a.Phone)
	}
}
