package platform_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/storage"
	sdk "github.com/netid-project/netid/rp"
)

// adminToken is the operators' bearer token of lifecycleEnv.
const adminToken = "test-admin-token-0123456789abcdef0123456789"

// lifecycleEnv is a platform with the admin API turned on.
func lifecycleEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "admin-token")
	if err := os.WriteFile(file, []byte(adminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return newEnvWith(t, "", func(c *config.Config) { c.AdminTokenFile = file })
}

// account is the holder's account view.
func (e *env) account(h *holderKey) api.Account {
	e.t.Helper()
	var a api.Account
	must(e.t, e.holderCall(h, "GET", "/v1/holder/account", nil), http.StatusOK).json(e.t, &a)
	return a
}

// admin is an operator's call to the credential admin API.
func (e *env) admin(method, path string, body any) response {
	e.t.Helper()
	return e.call(method, "/v1/admin/credentials/"+path, adminToken, body)
}

// presenter makes offline presentations of a holder's credential for a
// relying party verifying with the SDK.
type presenter struct {
	e *env
	h *holderKey
	v *sdk.Verifier
}

func (e *env) presenter(h *holderKey) *presenter {
	e.t.Helper()
	v, err := sdk.New(e.ctx, e.url, sdk.WithClock(e.clock.Now))
	if err != nil {
		e.t.Fatal(err)
	}
	return &presenter{e: e, h: h, v: v}
}

// verify presents the credential (age_over_18) with a fresh nonce.
func (p *presenter) verify() error {
	p.e.t.Helper()
	b := make([]byte, 16)
	rand.Read(b)
	nonce := base64.RawURLEncoding.EncodeToString(b)
	pres, err := credential.Present(p.h.credential, []string{"age_over_18"}, p.h.key, "shop", nonce, p.e.clock.Now())
	if err != nil {
		p.e.t.Fatal(err)
	}
	_, err = p.v.VerifyPresentation(p.e.ctx, pres, sdk.Expect{Audience: "shop", Nonce: nonce})
	return err
}

// usable reports whether the holder can still open a verification session
// and read the holder API, failing the test if the two disagree.
func (e *env) usable(h *holderKey, shop rp) bool {
	e.t.Helper()
	c := e.newSession(shop, map[string]any{"purpose": "登录"})
	r := e.open(h, c.Code)
	if r.status != http.StatusOK {
		if typ := r.problemType(e.t); typ != "credential-inactive" {
			e.t.Fatalf("open: %s", typ)
		}
	}
	if got := e.holderWorks(h); got != (r.status == http.StatusOK) {
		e.t.Fatalf("session API (%d) and holder API (%v) disagree", r.status, got)
	}
	hist := e.holderCall(h, "GET", "/v1/wallet/history", nil)
	if (hist.status == http.StatusOK) != (r.status == http.StatusOK) {
		e.t.Fatalf("history answered %d, open %d", hist.status, r.status)
	}
	return r.status == http.StatusOK
}

// TestLifecycleSuspendResume: a holder's suspension is refused by the
// session API and the holder API at once, and by the relying-party SDK's
// offline verifier once its cached status list's time-to-live has passed;
// a holder resumes only their own suspension, not an operator's.
func TestLifecycleSuspendResume(t *testing.T) {
	e := lifecycleEnv(t)
	p := adult(t)
	h := e.apply(p)
	shop := e.register("shop", "", "", "age_over_18")
	pres := e.presenter(h)
	ttl := e.p.Server.Status.TTL
	if err := pres.verify(); err != nil {
		t.Fatalf("before suspension: %v", err)
	}

	a := e.account(h)
	if a.Status != api.CredentialActive || a.Wanghao != netnum.Mask(h.wanghao) || a.Full || !strings.Contains(a.Phone, "****") ||
		a.DeviceKeyThumbprint == "" || a.CredentialID != h.credentialID || a.DocumentValidUntil != "2040-01-01" {
		t.Fatalf("account: %+v", a)
	}
	r := e.holderCall(h, "POST", "/v1/holder/account/reveal", map[string]any{"password": "00000001"})
	if typ := r.problemType(t); typ != "wrong-password" || !strings.Contains(string(r.body), `"remaining_attempts":4`) {
		t.Fatalf("reveal with a wrong password: %s %s", typ, r.body)
	}
	var full api.Account
	must(t, e.holderCall(h, "POST", "/v1/holder/account/reveal", map[string]any{"password": p.password}), http.StatusOK).json(t, &full)
	if !full.Full || full.Wanghao != netnum.Format(h.wanghao) {
		t.Fatalf("revealed: %+v", full)
	}

	// The holder suspends.
	if typ := e.holderCall(h, "POST", "/v1/holder/resume", map[string]any{"password": p.password}).problemType(t); typ != "nothing-to-resume" {
		t.Fatalf("resume an active credential: %s", typ)
	}
	must(t, e.holderCall(h, "POST", "/v1/holder/suspend", map[string]any{"password": p.password, "reason": "手机暂时不用"}), http.StatusOK).json(t, &a)
	if a.Status != api.CredentialSuspended || a.StatusBy != api.StatusByHolder || a.StatusReason != "手机暂时不用" {
		t.Fatalf("after suspending: %+v", a)
	}
	if e.usable(h, shop) {
		t.Fatal("a suspended credential still opens sessions")
	}
	if typ := e.holderCall(h, "POST", "/v1/holder/suspend", map[string]any{"password": p.password}).problemType(t); typ != "already-suspended" {
		t.Fatalf("suspend twice: %s", typ)
	}
	// The routes that need an active credential refuse.
	if typ := e.holderCall(h, "PUT", "/v1/holder/password", map[string]any{"old_password": p.password, "new_password": "58203716"}).problemType(t); typ != "credential-inactive" {
		t.Fatalf("password change while suspended: %s", typ)
	}
	// The relying party's cached list may say valid for at most its
	// time-to-live; after that the suspension shows.
	e.clock.Advance(ttl)
	if err := pres.verify(); !errors.Is(err, sdk.ErrSuspended) {
		t.Fatalf("offline verification after the ttl: %v", err)
	}
	// The published list shows it at once (the server dropped its cache).
	if v := statusOf(t, e, h); v != statuslist.Suspended {
		t.Fatalf("status list value %d, want suspended", v)
	}

	// An operator suspends over the holder's suspension; the holder cannot
	// lift it.
	if typ := e.call("GET", "/v1/admin/credentials/"+h.wanghao, "", nil).problemType(t); typ != "admin-unauthorized" {
		t.Fatalf("admin without token: %s", typ)
	}
	if typ := e.admin("POST", h.wanghao+"/suspend", map[string]any{}).problemType(t); typ != "invalid-reason" {
		t.Fatalf("operator without a reason: %s", typ)
	}
	var pv api.PersonView
	must(t, e.admin("POST", netnum.Format(h.wanghao)+"/suspend", map[string]any{"reason": "涉嫌冒用，核查中"}), http.StatusOK).json(t, &pv)
	if len(pv.Changed) != 1 || pv.Credentials[0].StatusBy != api.StatusByOperatorOverHolder {
		t.Fatalf("operator suspend: %+v", pv)
	}
	if typ := e.holderCall(h, "POST", "/v1/holder/resume", map[string]any{"password": p.password}).problemType(t); typ != "operator-suspension" {
		t.Fatalf("holder resuming an operator's suspension: %s", typ)
	}
	if typ := e.admin("POST", h.wanghao+"/delete", map[string]any{"reason": "x"}).problemType(t); typ != "unknown-action" {
		t.Fatalf("unknown action: %s", typ)
	}
	must(t, e.admin("POST", h.wanghao+"/resume", map[string]any{"reason": "核查完毕"}), http.StatusOK)
	if typ := e.admin("POST", h.wanghao+"/resume", map[string]any{"reason": "again"}).problemType(t); typ != "no-operator-suspension" {
		t.Fatalf("operator resume twice: %s", typ)
	}
	// The holder's own suspension, under the operator's hold, stands again
	// until the holder lifts it.
	if e.usable(h, shop) {
		t.Fatal("usable after the operator lifted a hold laid over the holder's suspension")
	}
	must(t, e.holderCall(h, "POST", "/v1/holder/resume", map[string]any{"password": p.password}), http.StatusOK)
	if !e.usable(h, shop) {
		t.Fatal("not usable after the operator and then the holder lifted their suspensions")
	}
	e.clock.Advance(ttl)
	if err := pres.verify(); err != nil {
		t.Fatalf("offline verification after resuming: %v", err)
	}

	// Suspend and resume by the holder.
	must(t, e.holderCall(h, "POST", "/v1/holder/suspend", map[string]any{"password": p.password}), http.StatusOK)
	if e.usable(h, shop) {
		t.Fatal("usable while suspended")
	}
	if typ := e.holderCall(h, "POST", "/v1/holder/resume", map[string]any{"password": "00000001"}).problemType(t); typ != "wrong-password" {
		t.Fatalf("resume with a wrong password: %s", typ)
	}
	var resumed api.Account // fresh: status_by is omitted when empty
	must(t, e.holderCall(h, "POST", "/v1/holder/resume", map[string]any{"password": p.password}), http.StatusOK).json(t, &resumed)
	if resumed.Status != api.CredentialActive || resumed.StatusBy != "" || resumed.StatusReason != "" || !e.usable(h, shop) {
		t.Fatalf("after resuming: %+v", resumed)
	}

	// Revoked by an operator: dead everywhere, also for the lifecycle
	// routes.
	must(t, e.admin("POST", h.wanghao+"/revoke", map[string]any{"reason": "证件挂失"}), http.StatusOK)
	if typ := e.holderCall(h, "GET", "/v1/holder/account", nil).problemType(t); typ != "credential-inactive" {
		t.Fatalf("account of a revoked credential: %s", typ)
	}
	if e.usable(h, shop) {
		t.Fatal("a revoked credential is usable")
	}
	e.clock.Advance(ttl)
	if err := pres.verify(); !errors.Is(err, sdk.ErrRevoked) {
		t.Fatalf("offline after revocation: %v", err)
	}
	must(t, e.admin("GET", h.wanghao, nil), http.StatusOK).json(t, &pv)
	if pv.Credentials[0].State != api.CredentialRevoked || pv.Credentials[0].StatusReason != "证件挂失" {
		t.Fatalf("operator view: %+v", pv)
	}
	// The holder's history shows what happened to their credential.
	recs, err := e.p.Store.ListPersonRecords(e.ctx, mustPersonOf(t, e, h), 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, r := range recs {
		if r.Channel == audit.ChannelLifecycle {
			outcomes = append([]string{r.Outcome}, outcomes...)
		}
	}
	want := []string{"suspended_by_holder", "suspended_by_operator", "resumed_by_operator", "resumed_by_holder", "suspended_by_holder", "resumed_by_holder", "revoked_by_operator"}
	if strings.Join(outcomes, ",") != strings.Join(want, ",") {
		t.Fatalf("records %v, want %v", outcomes, want)
	}
}

// TestLifecycleAdminAPIOff: without an admin token the credential admin
// routes do not exist.
func TestLifecycleAdminAPIOff(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	if r := e.call("GET", "/v1/admin/credentials/"+h.wanghao, adminToken, nil); r.status != http.StatusNotFound {
		t.Fatalf("status %d", r.status)
	}
}

// TestLifecycleCancel: after cancelling (注销) the credential is refused
// everywhere, the sealed data are gone, and applying again with the same
// document restores the same 网号.
func TestLifecycleCancel(t *testing.T) {
	e := lifecycleEnv(t)
	p := adult(t)
	h := e.apply(p)
	shop := e.register("shop", "", "", "age_over_18")
	if st, _ := e.verifyOnce(shop, h, map[string]any{"purpose": "登录"}, map[string]any{"decision": "approve"}); st.State != "approved" {
		t.Fatalf("verification: %s", st.State)
	}
	pres := e.presenter(h)
	if err := pres.verify(); err != nil {
		t.Fatal(err)
	}
	personID := mustPersonOf(t, e, h)

	// An operator's hold blocks cancellation.
	must(t, e.admin("POST", h.wanghao+"/suspend", map[string]any{"reason": "核查中"}), http.StatusOK)
	if typ := e.holderCall(h, "POST", "/v1/holder/cancel", map[string]any{"password": p.password}).problemType(t); typ != "operator-suspension" {
		t.Fatalf("cancel under an operator's hold: %s", typ)
	}
	must(t, e.admin("POST", h.wanghao+"/resume", map[string]any{"reason": "核查完毕"}), http.StatusOK)

	r := e.holderCall(h, "POST", "/v1/holder/cancel", map[string]any{"password": "00000001"})
	if typ := r.problemType(t); typ != "wrong-password" || !strings.Contains(string(r.body), `"remaining_attempts":4`) {
		t.Fatalf("cancel with a wrong password: %s %s", typ, r.body)
	}
	must(t, e.holderCall(h, "POST", "/v1/holder/cancel", map[string]any{"password": p.password}), http.StatusNoContent)

	for _, path := range []string{"/v1/holder/account", "/v1/holder/platforms"} {
		if typ := e.holderCall(h, "GET", path, nil).problemType(t); typ != "identity-cancelled" {
			t.Fatalf("%s after cancelling: %s", path, typ)
		}
	}
	if typ := e.holderCall(h, "POST", "/v1/holder/cancel", map[string]any{"password": p.password}).problemType(t); typ != "identity-cancelled" {
		t.Fatalf("cancel twice: %s", typ)
	}
	if e.usable(h, shop) {
		t.Fatal("a cancelled person's credential still works")
	}
	e.clock.Advance(e.p.Server.Status.TTL)
	if err := pres.verify(); !errors.Is(err, sdk.ErrRevoked) {
		t.Fatalf("offline after cancelling: %v", err)
	}
	// A re-proofing application for a cancelled 网号 goes no further than
	// its first factor: no number is linked to it any more.
	a := e.startKind("device", h.wanghao, "")
	if typ := e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": p.phone}).problemType(t); typ != "phone-not-linked" {
		t.Fatalf("re-proofing a cancelled 网号: %s", typ)
	}
	person, err := e.p.Store.GetPerson(e.ctx, personID)
	if err != nil {
		t.Fatal(err)
	}
	if person.State != storage.PersonCancelled || person.CancelledAt.IsZero() || person.Identity != nil || person.Photo != nil ||
		person.Phone != nil || person.PhoneIndex != "" || person.PasswordHash != "" || person.Wanghao != h.wanghao || person.Index == "" {
		t.Fatalf("cancelled person: state %s, identity %d bytes, photo %d, phone %d", person.State, len(person.Identity), len(person.Photo), len(person.Phone))
	}
	if cs, _ := e.p.Store.ListConsents(e.ctx, personID); len(cs) != 0 {
		t.Fatalf("consents kept: %v", cs)
	}
	// The verification records stay (the append-only log).
	if recs, _ := e.p.Store.ListPersonRecords(e.ctx, personID, 0, 10); len(recs) < 2 || recs[0].Outcome != lifecycle.OutcomeCancelled {
		t.Fatalf("records after cancelling: %+v", recs)
	}

	// Applying again restores the same 网号; the old credential stays dead.
	again := e.apply(p)
	if again.wanghao != h.wanghao {
		t.Fatalf("re-applied with 网号 %s, want %s", again.wanghao, h.wanghao)
	}
	if mustPersonOf(t, e, again) != personID {
		t.Fatal("re-applying made a new person")
	}
	if !e.usable(again, shop) || e.usable(h, shop) {
		t.Fatal("after re-applying: the new credential must work and the old one not")
	}
	if a := e.account(again); a.Status != api.CredentialActive || a.Phone == "" {
		t.Fatalf("account after re-applying: %+v", a)
	}
}

// TestLifecyclePassword: the password is changed with the old one, under
// the lockout and the password rules.
func TestLifecyclePassword(t *testing.T) {
	e := lifecycleEnv(t)
	p := adult(t)
	h := e.apply(p)
	change := func(old, new string) response {
		return e.holderCall(h, "PUT", "/v1/holder/password", map[string]any{"old_password": old, "new_password": new})
	}
	for _, tc := range []struct{ old, new, typ string }{
		{p.password, "12345678", "weak-password"},
		{p.password, "19850615", "weak-password"}, // the birth date
		{p.password, p.password, "same-password"},
		{"00000001", "58203716", "wrong-password"},
	} {
		if typ := change(tc.old, tc.new).problemType(t); typ != tc.typ {
			t.Fatalf("%s → %s: %s, want %s", tc.old, tc.new, typ, tc.typ)
		}
	}
	must(t, change(p.password, "58203716"), http.StatusNoContent)
	shop := e.register("shop", "", "", "age_over_18")
	for pw, want := range map[string]api.SessionState{p.password: "declined", "58203716": "approved"} {
		c := e.newSession(shop, map[string]any{"purpose": "登录", "level": "password"})
		must(t, e.open(h, c.Code), http.StatusOK)
		r := e.answer(h, c.Code, map[string]any{"decision": "approve", "password": pw})
		if want == "declined" {
			if typ := r.problemType(t); typ != "wrong-password" {
				t.Fatalf("the old password at password level: %s", typ)
			}
			continue
		}
		must(t, r, http.StatusOK)
		if st := e.poll(shop, c.ID); st.State != want || st.LevelReached != "password" {
			t.Fatalf("the new password: %+v", st)
		}
	}
	// Lockout: the fifth wrong password locks, even for the right one.
	var last response
	for range 5 {
		last = change("00000001", "69314825")
	}
	if typ := last.problemType(t); typ != "password-locked" {
		t.Fatalf("after five wrong passwords: %s", typ)
	}
	if typ := change("58203716", "69314825").problemType(t); typ != "password-locked" {
		t.Fatalf("the right password while locked: %s", typ)
	}
	e.clock.Advance(time.Hour)
	must(t, change("58203716", "69314825"), http.StatusNoContent)
}

// TestLifecyclePhone: a phone change needs the code sent to the linked
// number and the one sent to the new number.
func TestLifecyclePhone(t *testing.T) {
	e := lifecycleEnv(t)
	p := adult(t)
	h := e.apply(p)
	const newPhone = "+8613712345678"
	start := func(pw, phone string) response {
		return e.holderCall(h, "POST", "/v1/holder/phone", map[string]any{"password": pw, "phone": phone})
	}
	confirm := func(oldCode, newCode string) response {
		return e.holderCall(h, "POST", "/v1/holder/phone/verify", map[string]any{"phone": newPhone, "old_code": oldCode, "new_code": newCode})
	}
	if typ := start(p.password, p.phone).problemType(t); typ != "same-phone" {
		t.Fatalf("the linked number: %s", typ)
	}
	if typ := start(p.password, "12345").problemType(t); typ != "invalid-phone" {
		t.Fatalf("invalid number: %s", typ)
	}
	if typ := start("00000001", newPhone).problemType(t); typ != "wrong-password" {
		t.Fatalf("wrong password: %s", typ)
	}
	must(t, start(p.password, newPhone), http.StatusAccepted)
	r := start(p.password, newPhone)
	if typ := r.problemType(t); typ != "sms-too-soon" || r.header.Get("Retry-After") == "" {
		t.Fatalf("resend at once: %s", typ)
	}
	oldCode, newCode := e.smsCode(p.phone), e.smsCode(newPhone)
	flip := func(c string) string { return string('0'+('9'-c[0])) + c[1:] }

	r = confirm(flip(oldCode), newCode)
	if typ := r.problemType(t); typ != "wrong-code" || !strings.Contains(string(r.body), `"code":"old"`) || !strings.Contains(string(r.body), `"remaining_attempts":4`) {
		t.Fatalf("wrong old code: %s %s", typ, r.body)
	}
	r = confirm(oldCode, flip(newCode))
	if typ := r.problemType(t); typ != "wrong-code" || !strings.Contains(string(r.body), `"code":"new"`) {
		t.Fatalf("wrong new code: %s %s", typ, r.body)
	}
	if a := e.account(h); a.Phone != "+86 "+p.phone[3:6]+"****"+p.phone[10:] {
		t.Fatalf("the phone changed before both codes: %s", a.Phone)
	}
	must(t, confirm(oldCode, newCode), http.StatusNoContent)
	if a := e.account(h); a.Phone != "+86 137****5678" {
		t.Fatalf("account phone after the change: %s", a.Phone)
	}
	// The new number is the linked one: a re-proofing application now sends
	// its code there, and refuses the old one.
	a := e.startKind("device", h.wanghao, "")
	if typ := e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": p.phone}).problemType(t); typ != "phone-not-linked" {
		t.Fatalf("the old number in a re-proofing: %s", typ)
	}
	must(t, e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": newPhone}), http.StatusAccepted)
}

// TestLifecycleWithdrawConsent: the authorized platforms list the relying
// parties consented to; after withdrawing, the next verification asks
// again: an under-14 holder's guardian must consent again.
func TestLifecycleWithdrawConsent(t *testing.T) {
	e := lifecycleEnv(t)
	parent := e.apply(adult(t))
	today := document.Today(e.clock.Now())
	child := newPerson(t, document.Date{Year: today.Year - 10, Month: 4, Day: 1})
	kid := e.applyChild(parent, child)
	game := e.register("game", "", "", "age_band")

	consentRound := func() {
		t.Helper()
		c := e.newSession(game, map[string]any{"purpose": "防沉迷实名", "claims": []string{"age_band"}})
		var prompt api.Prompt
		must(t, e.open(kid, c.Code), http.StatusOK).json(t, &prompt)
		if !prompt.GuardianConsent {
			t.Fatal("the prompt does not ask for the guardian's consent")
		}
		must(t, e.answer(kid, c.Code, map[string]any{"decision": "approve"}), http.StatusOK)
		must(t, e.holderCall(parent, "POST", "/v1/guardian/consents/"+c.ID, map[string]any{"decision": "approve", "password": "27418596"}), http.StatusOK)
		if st := e.poll(game, c.ID); st.State != "approved" {
			t.Fatalf("after the guardian's consent: %s", st.State)
		}
	}
	consentRound()
	// With consent, the next verification does not wait for the guardian.
	c := e.newSession(game, map[string]any{"purpose": "登录"})
	var prompt api.Prompt
	must(t, e.open(kid, c.Code), http.StatusOK).json(t, &prompt)
	if prompt.GuardianConsent || prompt.SessionID != c.ID {
		t.Fatal("consent not remembered")
	}
	var list api.PlatformList
	must(t, e.holderCall(kid, "GET", "/v1/holder/platforms", nil), http.StatusOK).json(t, &list)
	if len(list.Platforms) != 1 || list.Platforms[0].RPID != "game" || list.Platforms[0].Name != "平台 game" || !list.Platforms[0].GuardianConsent ||
		len(list.Platforms[0].Domains) != 1 {
		t.Fatalf("platforms: %+v", list)
	}
	must(t, e.holderCall(kid, "DELETE", "/v1/holder/platforms/game", nil), http.StatusNoContent)
	if typ := e.holderCall(kid, "DELETE", "/v1/holder/platforms/game", nil).problemType(t); typ != "consent-not-found" {
		t.Fatalf("withdraw twice: %s", typ)
	}
	must(t, e.holderCall(kid, "GET", "/v1/holder/platforms", nil), http.StatusOK).json(t, &list)
	if len(list.Platforms) != 0 {
		t.Fatalf("platforms after withdrawing: %+v", list)
	}
	// The next verification asks the guardian again.
	consentRound()
}

// applyChild has parent apply for a child under 14.
func (e *env) applyChild(parent *holderKey, child person) *holderKey {
	e.t.Helper()
	var started app
	must(e.t, e.holderCall(parent, "POST", "/v1/applications", map[string]any{"document_type": child.identity.Type, "on_behalf": true}), http.StatusCreated).json(e.t, &started)
	must(e.t, e.call("PUT", "/v1/applications/"+started.ID+"/document", started.Token, map[string]any{"chip": e.chip(child)}), http.StatusOK)
	ev, err := e.p.Server.Dev.Relationships.Attest(guardianClaim(parent.wanghao, guardian.ChildRef(started.ID, child.identity.Type, child.identity.Number)), e.clock.Now(), 10*time.Minute)
	if err != nil {
		e.t.Fatal(err)
	}
	must(e.t, e.call("PUT", "/v1/applications/"+started.ID+"/relationship", started.Token, map[string]any{"evidence": ev}), http.StatusOK)
	return e.issue(started, e.through(child, started, "device"))
}

// applyTeen has a 14–17 minor apply with parent confirming.
func (e *env) applyTeen(parent *holderKey, teen person) *holderKey {
	e.t.Helper()
	a := e.start(teen.identity.Type)
	must(e.t, e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": e.chip(teen)}), http.StatusOK)
	ev, err := e.p.Server.Dev.Relationships.Attest(guardianClaim(parent.wanghao, guardian.ChildRef(a.ID, teen.identity.Type, teen.identity.Number)), e.clock.Now(), 10*time.Minute)
	if err != nil {
		e.t.Fatal(err)
	}
	must(e.t, e.call("PUT", "/v1/applications/"+a.ID+"/relationship", a.Token, map[string]any{"guardian": parent.wanghao, "evidence": ev}), http.StatusOK)
	e.through(teen, a, "guardian")
	must(e.t, e.holderCall(parent, "POST", "/v1/guardian/requests/"+a.ID, map[string]any{"decision": "approve", "password": "27418596"}), http.StatusNoContent)
	return e.issue(a, e.get(a))
}

func (e *env) wards(g *holderKey) []api.Ward {
	e.t.Helper()
	var out api.WardList
	must(e.t, e.holderCall(g, "GET", "/v1/holder/wards", nil), http.StatusOK).json(e.t, &out)
	return out.Wards
}

// TestLifecycleAgeTransitions: at 14 the guardian's consent is no longer
// needed and the ward's records become their own; at 18 supervision ends.
func TestLifecycleAgeTransitions(t *testing.T) {
	e := lifecycleEnv(t)
	parent := e.apply(adult(t))
	now := e.clock.Now().In(document.Zone)
	// Born so that the 14th birthday is tomorrow (Beijing time).
	child := newPerson(t, document.DateOf(now.AddDate(-14, 0, 1)))
	kid := e.applyChild(parent, child)
	kidID := mustPersonOf(t, e, kid)
	game := e.register("game", "", "", "age_band")

	if w := e.wards(parent); len(w) != 1 || w[0].PersonID != kidID || w[0].Age != 13 || !w[0].ConsentNeeded || w[0].Name == child.identity.Name {
		t.Fatalf("wards at 13: %+v", w)
	}
	c := e.newSession(game, map[string]any{"purpose": "登录"})
	var prompt api.Prompt
	must(t, e.open(kid, c.Code), http.StatusOK).json(t, &prompt)
	if !prompt.GuardianConsent {
		t.Fatal("at 13 the guardian must consent")
	}
	must(t, e.holderCall(parent, "GET", "/v1/guardian/wards/"+kidID+"/history", nil), http.StatusOK)

	// The 14th birthday: the credential, whose age markers changed, has
	// expired; the ward re-proofs on their device and from then on uses it
	// without the guardian.
	e.clock.Advance(24 * time.Hour)
	if e.holderWorks(kid) {
		t.Fatal("the credential outlived its age markers")
	}
	if a := e.account(kid); a.Status != api.CredentialExpired {
		t.Fatalf("account on the 14th birthday: %s", a.Status)
	}
	a := e.startKind("device", kid.wanghao, "")
	kid14 := e.issue(a, e.through(child, a, "device"))
	c = e.newSession(game, map[string]any{"purpose": "登录", "claims": []string{"age_band"}})
	prompt = api.Prompt{}
	must(t, e.open(kid14, c.Code), http.StatusOK).json(t, &prompt)
	if prompt.GuardianConsent {
		t.Fatal("at 14 the guardian's consent is still asked for")
	}
	must(t, e.answer(kid14, c.Code, map[string]any{"decision": "approve"}), http.StatusOK)
	if st := e.poll(game, c.ID); st.State != "approved" {
		t.Fatalf("at 14 without the guardian: %s", st.State)
	}
	if w := e.wards(parent); len(w) != 1 || w[0].Age != 14 || w[0].ConsentNeeded {
		t.Fatalf("wards at 14: %+v", w)
	}
	if typ := e.holderCall(parent, "GET", "/v1/guardian/wards/"+kidID+"/history", nil).problemType(t); typ != "guardian-request-not-found" {
		t.Fatalf("ward history at 14: %s", typ)
	}

	// A 17-year-old ward whose 18th birthday is tomorrow.
	teen := newPerson(t, document.DateOf(e.clock.Now().In(document.Zone).AddDate(-18, 0, 1)))
	e.applyTeen(parent, teen)
	if w := e.wards(parent); len(w) != 2 {
		t.Fatalf("wards with the teen: %+v", w)
	}
	e.clock.Advance(24 * time.Hour)
	if w := e.wards(parent); len(w) != 1 || w[0].PersonID != kidID {
		t.Fatalf("wards after the 18th birthday: %+v", w)
	}
}

// TestLifecycleStatusListVisibleWithinTTL: an operator's suspension through
// the server shows in the published list at once (its cache is dropped), so
// a relying party sees it within the list's time-to-live; one made on the
// database by another process shows once the server's cached list expires.
func TestLifecycleStatusListVisibleWithinTTL(t *testing.T) {
	e := lifecycleEnv(t)
	h := e.apply(adult(t))
	if v := statusOf(t, e, h); v != statuslist.Valid {
		t.Fatalf("status %d", v)
	}
	must(t, e.admin("POST", h.wanghao+"/suspend", map[string]any{"reason": "核查"}), http.StatusOK)
	if v := statusOf(t, e, h); v != statuslist.Suspended {
		t.Fatalf("after the admin API: %d, want suspended at once", v)
	}
	// Another process (netid admin credential on the database).
	other := &lifecycle.Service{Store: e.p.Store, Now: e.clock.Now}
	if _, err := other.Operator(context.Background(), h.wanghao, lifecycle.ActionRevoke, "挂失"); err != nil {
		t.Fatal(err)
	}
	if v := statusOf(t, e, h); v != statuslist.Suspended {
		t.Fatalf("within the server's cache: %d", v)
	}
	e.clock.Advance(e.p.Server.Status.TTL)
	if v := statusOf(t, e, h); v != statuslist.Invalid {
		t.Fatalf("after the ttl: %d, want invalid", v)
	}
}
