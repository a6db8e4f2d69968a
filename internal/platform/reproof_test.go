package platform_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/storage"
)

// startKind starts a re-proofing application of kind for the holder of
// wanghao (or, for recover, of a document of docType).
func (e *env) startKind(kind, wanghao string, docType document.Type) app {
	e.t.Helper()
	body := map[string]any{"kind": kind}
	if wanghao != "" {
		body["wanghao"] = wanghao
	}
	if docType != "" {
		body["document_type"] = docType
	}
	var a app
	must(e.t, e.call("POST", "/v1/applications", "", body), http.StatusCreated).json(e.t, &a)
	return a
}

// credentialState is the stored credential's status and who set it.
func (e *env) credentialState(id string) (storage.CredentialStatus, string) {
	e.t.Helper()
	c, err := e.p.Store.GetCredential(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Status, c.StatusBy
}

// holderWorks reports whether the credential still authenticates its holder.
func (e *env) holderWorks(h *holderKey) bool {
	e.t.Helper()
	r := e.holderCall(h, "GET", "/v1/holder/credential", nil)
	if r.status != http.StatusOK && r.status != http.StatusForbidden {
		e.t.Fatalf("holder call: status %d: %s", r.status, r.body)
	}
	return r.status == http.StatusOK
}

// statusETag fetches the status list of the credential and returns its
// entity tag (it changes with the list's content).
func (e *env) statusETag(credentialID string) string {
	e.t.Helper()
	c, err := e.p.Store.GetCredential(e.ctx, credentialID)
	if err != nil {
		e.t.Fatal(err)
	}
	return must(e.t, e.call("GET", "/status/"+c.StatusList, "", nil), http.StatusOK).header.Get("ETag")
}

// deviceChangeAfterCode starts a device change for wanghao, sends the
// code to p's phone and answers the code's verification.
func (e *env) deviceChangeAfterCode(p person, wanghao string) response {
	e.t.Helper()
	a := e.startKind("device", wanghao, "")
	if v := e.get(a); v.DocumentType != "" || v.Minor != "" {
		e.t.Errorf("before the first factor the application tells %q, %q", v.DocumentType, v.Minor)
	}
	must(e.t, e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": p.phone}), http.StatusAccepted)
	return e.call("POST", "/v1/applications/"+a.ID+"/phone/verify", a.Token, map[string]any{"code": e.smsCode(p.phone)})
}

func (e *env) act(a app, action, password string, status int) view {
	e.t.Helper()
	var v view
	r := must(e.t, e.call("POST", "/v1/applications/"+a.ID+"/action", a.Token, map[string]any{"action": action, "password": password}), status)
	if status == http.StatusOK {
		r.json(e.t, &v)
	}
	return v
}

// TestReproofNewDevice: face + SMS to the linked phone + the password move
// the credential to a new device; the old device's credential is revoked
// and the 网号 stays.
func TestReproofNewDevice(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	old := e.apply(p)

	a := e.startKind("device", old.wanghao, "")
	if v := e.get(a); v.State != "phone" {
		t.Fatalf("a device change starts in state %s, want phone", v.State)
	}
	h := e.issue(a, e.through(p, a, "device"))
	if h.wanghao != old.wanghao {
		t.Errorf("new device got 网号 %s, want %s", h.wanghao, old.wanghao)
	}
	if st, _ := e.credentialState(old.credentialID); st != storage.CredentialRevoked {
		t.Errorf("old device's credential is %s, want revoked", st)
	}
	if e.holderWorks(old) {
		t.Error("the old device still authenticates")
	}
	if !e.holderWorks(h) {
		t.Error("the new device does not authenticate")
	}
}

// TestReproofFaceNeedsFaceHash: a re-proofing application's face step
// names the face image hash the attestation must carry, and only after the
// SMS step (knowing a 网号 is not enough to reach it).
func TestReproofFaceNeedsFaceHash(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	a := e.startKind("device", h.wanghao, "")
	r := e.call("POST", "/v1/applications/"+a.ID+"/face", a.Token, map[string]any{"attestation": "x"})
	if got := r.problemType(t); r.status != http.StatusConflict || got == "" {
		t.Errorf("face before SMS: status %d %s, want 409", r.status, got)
	}
	v := e.through(p, a, "face")
	var full api.Application
	must(t, e.call("GET", "/v1/applications/"+a.ID, a.Token, nil), http.StatusOK).json(t, &full)
	if full.FaceImageHash == "" || v.FaceChallenge == "" {
		t.Errorf("face state without face image hash (%q) or challenge", full.FaceImageHash)
	}
	// Someone else's face does not pass.
	other := adult(t)
	r = e.call("POST", "/v1/applications/"+a.ID+"/face", a.Token, map[string]any{"attestation": e.attest(a, v.FaceChallenge, other.face)})
	if r.status == http.StatusOK {
		t.Fatal("another person's face passed the device change")
	}
}

// TestReproofWrongPhone: only the linked number receives the code, and
// trying numbers against a 网号 is limited.
func TestReproofWrongPhone(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	a := e.startKind("password", h.wanghao, "")
	for i := range 5 {
		r := e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": "+8613900000" + string(rune('0'+i)) + "00"})
		if got := r.problemType(t); got != "phone-not-linked" {
			t.Fatalf("wrong number #%d: %d %s, want phone-not-linked", i+1, r.status, got)
		}
	}
	r := e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": "+8613900000900"})
	if got := r.problemType(t); r.status != http.StatusTooManyRequests || got != "phone-misses" {
		t.Errorf("sixth wrong number: %d %s, want 429 phone-misses", r.status, got)
	}
	if _, ok := e.p.Outbox.Latest("+8613900000100"); ok {
		t.Error("a code was sent to a number not linked to the 网号")
	}
}

// TestReproofForgottenPassword: face + SMS set a new password; the old one
// stops working and the credential stays.
func TestReproofForgottenPassword(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	q := p
	q.password = "58203614"
	a := e.startKind("password", h.wanghao, "")
	if v := e.through(q, a, "completed"); v.State != "completed" {
		t.Fatalf("state %s", v.State)
	}
	must(t, e.holderCall(h, "POST", "/v1/holder/password/verify", map[string]any{"password": q.password}), http.StatusNoContent)
	r := e.holderCall(h, "POST", "/v1/holder/password/verify", map[string]any{"password": p.password})
	if got := r.problemType(t); got != "wrong-password" {
		t.Errorf("old password after reset: %d %s", r.status, got)
	}
	// A weak new password is refused like at application.
	q.password = "12345678"
	a = e.startKind("password", h.wanghao, "")
	e.through(p, a, "password")
	r = e.call("PUT", "/v1/applications/"+a.ID+"/password", a.Token, map[string]any{"password": q.password})
	if got := r.problemType(t); got != "weak-password" {
		t.Errorf("weak new password: %d %s", r.status, got)
	}
}

// TestReproofNewPhone: when the old number is gone, the document's chip,
// a face check and the password link a new number, to which later codes
// go. The kind starts from the document, not from the 网号.
func TestReproofNewPhone(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	q := p
	q.phone = "+8613712345678"
	r := e.call("POST", "/v1/applications", "", map[string]any{"kind": "phone", "wanghao": h.wanghao})
	if got := r.problemType(t); got != "application-kind" {
		t.Errorf("a phone change from the 网号: %d %s, want application-kind", r.status, got)
	}
	a := e.startKind("phone", "", p.identity.Type)
	if v := e.get(a); v.State != "document" {
		t.Fatalf("a phone change starts in state %s, want document", v.State)
	}
	// Someone else's document is not the holder's.
	other := adult(t)
	r = e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": e.chip(other)})
	if got := r.problemType(t); got != "no-such-holder" {
		t.Errorf("a document of no holder: %d %s", r.status, got)
	}
	// The current number is no new number.
	e.through(p, a, "phone")
	r = e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": p.phone})
	if got := r.problemType(t); got != "same-phone" {
		t.Errorf("same number: %d %s", r.status, got)
	}
	if v := e.through(q, a, "completed"); v.State != "completed" {
		t.Fatal(v.State)
	}
	// The old number is no longer linked; the new one is.
	b := e.startKind("device", h.wanghao, "")
	r = e.call("POST", "/v1/applications/"+b.ID+"/phone", b.Token, map[string]any{"phone": p.phone})
	if got := r.problemType(t); got != "phone-not-linked" {
		t.Errorf("old number after the change: %d %s", r.status, got)
	}
	e.through(q, b, "device")

	// A wrong current password is counted in the application, not against
	// the holder's own password.
	a = e.startKind("phone", "", p.identity.Type)
	e.through(p, a, "password")
	r = e.call("PUT", "/v1/applications/"+a.ID+"/password", a.Token, map[string]any{"password": "58203614"})
	if got := r.problemType(t); got != "wrong-password" {
		t.Errorf("wrong password: %d %s", r.status, got)
	}
	if n, _ := e.holderLockout(h); n != 0 {
		t.Errorf("a wrong password in re-proofing counted %d against the holder's own", n)
	}
}

// TestRecoverLostDevice: from the document (chip, face, SMS), suspend the
// credential of a lost device, resume it, and re-issue to a new device.
func TestRecoverLostDevice(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)

	recoverTo := func() app {
		a := e.startKind("recover", "", p.identity.Type)
		if v := e.through(p, a, "action"); v.State != "action" {
			t.Fatal(v.State)
		}
		return a
	}
	etag := e.statusETag(h.credentialID)
	if v := e.act(recoverTo(), "suspend", "", http.StatusOK); v.State != "completed" {
		t.Fatalf("after suspend: %s", v.State)
	}
	if e.statusETag(h.credentialID) == etag {
		t.Error("the suspension is not in the published status list at once")
	}
	if st, by := e.credentialState(h.credentialID); st != storage.CredentialSuspended || by != storage.StatusByRecovery {
		t.Fatalf("after suspend: %s by %q", st, by)
	}
	if e.holderWorks(h) {
		t.Fatal("a suspended credential still authenticates")
	}
	// The lost device (in someone else's hands, perhaps with the password)
	// cannot lift the suspension, cancel the 网号 or read the full 网号.
	for _, call := range []struct{ method, path string }{
		{"POST", "/v1/holder/resume"}, {"POST", "/v1/holder/cancel"}, {"POST", "/v1/holder/account/reveal"},
	} {
		r := e.holderCall(h, call.method, call.path, map[string]any{"password": p.password})
		if r.status < 400 {
			t.Errorf("%s %s from the lost device: %d", call.method, call.path, r.status)
		}
	}
	if st, _ := e.credentialState(h.credentialID); st != storage.CredentialSuspended {
		t.Fatalf("after the lost device's attempts: %s", st)
	}

	// Resume needs the password.
	a := recoverTo()
	r := e.call("POST", "/v1/applications/"+a.ID+"/action", a.Token, map[string]any{"action": "resume", "password": "58203614"})
	if got := r.problemType(t); got != "wrong-password" {
		t.Errorf("resume with a wrong password: %d %s", r.status, got)
	}
	e.act(a, "resume", p.password, http.StatusOK)
	if !e.holderWorks(h) {
		t.Fatal("the resumed credential does not authenticate")
	}
	r = e.call("POST", "/v1/applications/"+a.ID+"/action", a.Token, map[string]any{"action": "suspend"})
	if r.status != http.StatusConflict {
		t.Errorf("a second action on a completed application: %d", r.status)
	}

	// Re-issue to a new device.
	a = recoverTo()
	v := e.act(a, "reissue", p.password, http.StatusOK)
	if v.State != "device" || v.DeviceNonce == "" {
		t.Fatalf("after reissue: %+v", v)
	}
	etag = e.statusETag(h.credentialID)
	n := e.issue(a, v)
	if e.statusETag(h.credentialID) == etag {
		t.Error("the revocation of the lost device's credential is not published at once")
	}
	if n.wanghao != h.wanghao {
		t.Errorf("re-issued 网号 %s, want %s", n.wanghao, h.wanghao)
	}
	if e.holderWorks(h) || !e.holderWorks(n) {
		t.Error("after re-issue the old device must fail and the new one work")
	}
	// The holder's history shows each step.
	var hist struct {
		Records []struct{ Channel, Outcome string }
	}
	must(t, e.holderCall(n, "GET", "/v1/wallet/history", nil), http.StatusOK).json(t, &hist)
	var got []string
	for _, r := range hist.Records {
		if r.Channel == "lifecycle" {
			got = append([]string{r.Outcome}, got...)
		}
	}
	if want := []string{"reported_lost", "resumed_after_recovery", "reissued_after_recovery"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("history %v, want %v", got, want)
	}
}

// TestRecoverOperatorHold: an operator's suspension is not lifted or
// bypassed by the holder's recovery or device change.
func TestRecoverOperatorHold(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	// An application already at its device step when the hold comes.
	pending := e.start(p.identity.Type)
	pendingView := e.through(p, pending, "device")
	if _, err := e.p.Store.UpdateCredential(e.ctx, h.credentialID, func(c storage.Credential) (storage.Credential, error) {
		c.Status, c.StatusBy, c.StatusReason = storage.CredentialSuspended, storage.StatusByOperator, "fraud check"
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	a := e.startKind("recover", "", p.identity.Type)
	e.through(p, a, "action")
	for _, action := range []string{"resume", "reissue"} {
		r := e.call("POST", "/v1/applications/"+a.ID+"/action", a.Token, map[string]any{"action": action, "password": p.password})
		if got := r.problemType(t); r.status != http.StatusForbidden || got != "operator-suspension" {
			t.Errorf("%s under an operator's suspension: %d %s", action, r.status, got)
		}
	}
	// A device change is refused once the SMS code proved the phone
	// (before, nothing of the holder's standing is told).
	if r := e.deviceChangeAfterCode(p, h.wanghao); r.problemType(t) != "operator-suspension" {
		t.Errorf("device change under an operator's suspension: %d %s", r.status, r.body)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := e.call("POST", "/v1/applications/"+pending.ID+"/credential", pending.Token, map[string]any{"proof": deviceProof(t, key, e.url, pendingView.DeviceNonce, e.clock.Now())})
	if got := r.problemType(t); got != "operator-suspension" {
		t.Errorf("issuing an application begun before the hold: %d %s", r.status, got)
	}
	// Nor does a new application with the document.
	b := e.start(p.identity.Type)
	r = e.call("PUT", "/v1/applications/"+b.ID+"/document", b.Token, map[string]any{"chip": e.chip(p)})
	if got := r.problemType(t); got != "operator-suspension" {
		t.Errorf("a new application under an operator's suspension: %d %s", r.status, got)
	}
	if st, by := e.credentialState(h.credentialID); st != storage.CredentialSuspended || by != storage.StatusByOperator {
		t.Errorf("credential now %s by %q", st, by)
	}
}

// TestReproofRefusals: unknown 网号s, documents of no holder, kinds that do
// not exist, and mixing the kinds' fields.
func TestReproofRefusals(t *testing.T) {
	e := newEnv(t, "")
	stranger := adult(t)
	tests := []struct {
		name string
		body map[string]any
		want string
	}{
		{"unknown kind", map[string]any{"kind": "upgrade", "wanghao": "X"}, "application-kind"},
		{"malformed 网号", map[string]any{"kind": "device", "wanghao": "not-a-wanghao"}, "no-such-holder"},
		{"recover without document type", map[string]any{"kind": "recover"}, "document-type-mismatch"},
		{"wanghao on an application", map[string]any{"document_type": "resident_id", "wanghao": "X"}, "application-kind"},
	}
	for _, tc := range tests {
		r := e.call("POST", "/v1/applications", "", tc.body)
		if got := r.problemType(t); got != tc.want {
			t.Errorf("%s: %d %s, want %s", tc.name, r.status, got, tc.want)
		}
	}
	// A document whose holder never applied.
	a := e.startKind("recover", "", stranger.identity.Type)
	r := e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": e.chip(stranger)})
	if got := r.problemType(t); r.status != http.StatusNotFound || got != "no-such-holder" {
		t.Errorf("recover for a stranger: %d %s", r.status, got)
	}
}

// TestRenewedDocument: applying with the renewed document (same number,
// new validity) re-issues with the same 网号 and revokes the old
// credential; a device change after the document expired is refused.
func TestRenewedDocument(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	p.identity.ValidUntil = document.Date{Year: 2027, Month: 3, Day: 1}
	old := e.apply(p)
	c, err := e.p.Store.GetCredential(e.ctx, old.credentialID)
	if err != nil {
		t.Fatal(err)
	}
	if end := time.Date(2027, 3, 2, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)); c.ExpiresAt.After(end) {
		t.Errorf("credential expires %v, after the document (%v)", c.ExpiresAt, end)
	}

	e.clock.Advance(c.ExpiresAt.Sub(e.clock.Now()) + time.Hour)
	if r := e.deviceChangeAfterCode(p, old.wanghao); r.problemType(t) != "document-expired-reapply" {
		t.Errorf("device change with an expired document: %d %s", r.status, r.body)
	}

	renewed := p
	renewed.identity.ValidFrom = document.DateOf(e.clock.Now())
	renewed.identity.ValidUntil = document.Date{Year: 2047, Month: 3, Day: 1}
	n := e.apply(renewed)
	if n.wanghao != old.wanghao {
		t.Errorf("renewal gave 网号 %s, want %s", n.wanghao, old.wanghao)
	}
	if st, _ := e.credentialState(old.credentialID); st != storage.CredentialRevoked {
		t.Errorf("old credential %s after renewal", st)
	}
	nc, err := e.p.Store.GetCredential(e.ctx, n.credentialID)
	if err != nil {
		t.Fatal(err)
	}
	if !nc.ExpiresAt.After(c.ExpiresAt) {
		t.Errorf("renewed credential expires %v", nc.ExpiresAt)
	}
}

// TestRacingPasswordGuesses: concurrent wrong guesses are all counted:
// four are told how many attempts remain, the fifth locks, the rest find
// it locked, and then even the right password is refused.
func TestRacingPasswordGuesses(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	const n = 12
	types := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := e.holderCall(h, "POST", "/v1/holder/password/verify", map[string]any{"password": "58203614"})
			types[i] = r.problemType(t)
		})
	}
	wg.Wait()
	count := map[string]int{}
	for _, typ := range types {
		count[typ]++
	}
	if count["wrong-password"] != 4 || count["password-locked"] != n-4 {
		t.Errorf("outcomes of %d racing wrong guesses: %v", n, count)
	}
	r := e.holderCall(h, "POST", "/v1/holder/password/verify", map[string]any{"password": p.password})
	if got := r.problemType(t); got != "password-locked" {
		t.Errorf("the right password after the lock: %d %s", r.status, got)
	}
}

// TestReproofNoChangeWithoutRecord: when the record log cannot be written,
// a re-proofing step that changes the person or their credential (a
// suspension after a lost device, a new password, a new phone, a re-issue)
// changes nothing and leaves the application where it was; once the log
// is back the same step goes through, with its record.
func TestReproofNoChangeWithoutRecord(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	records := e.p.Proofing.Records
	broken := func() { e.p.Proofing.Records = failingLog{} }
	fixed := func() { e.p.Proofing.Records = records }
	lifecycleRecords := func() []string {
		recs, err := e.p.Store.ListRecords(e.ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			if r.Channel == "lifecycle" {
				out = append(out, r.Outcome)
			}
		}
		return out
	}

	// Lost device: the suspension.
	a := e.startKind("recover", "", p.identity.Type)
	e.through(p, a, "action")
	broken()
	if r := e.call("POST", "/v1/applications/"+a.ID+"/action", a.Token, map[string]any{"action": "suspend"}); r.status < 500 {
		t.Fatalf("suspend without a record: %d %s", r.status, r.body)
	}
	if st, _ := e.credentialState(h.credentialID); st != storage.CredentialActive {
		t.Fatalf("suspended without a record: %s", st)
	}
	if v := e.get(a); v.State != "action" {
		t.Fatalf("the application moved on to %s", v.State)
	}
	fixed()
	e.act(a, "suspend", "", http.StatusOK)
	if st, _ := e.credentialState(h.credentialID); st != storage.CredentialSuspended {
		t.Fatalf("after the log is back: %s", st)
	}
	a = e.startKind("recover", "", p.identity.Type)
	e.through(p, a, "action")
	e.act(a, "resume", p.password, http.StatusOK)

	// A forgotten password.
	q := p
	q.password = "58203614"
	a = e.startKind("password", h.wanghao, "")
	e.through(q, a, "password")
	broken()
	if r := e.call("PUT", "/v1/applications/"+a.ID+"/password", a.Token, map[string]any{"password": q.password}); r.status < 500 {
		t.Fatalf("password reset without a record: %d %s", r.status, r.body)
	}
	fixed()
	must(t, e.holderCall(h, "POST", "/v1/holder/password/verify", map[string]any{"password": p.password}), http.StatusNoContent)
	if v := e.get(a); v.State != "password" {
		t.Fatalf("the application moved on to %s", v.State)
	}

	// A new device: the credential is not issued without its record.
	a = e.startKind("device", h.wanghao, "")
	v := e.through(p, a, "device")
	broken()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := e.call("POST", "/v1/applications/"+a.ID+"/credential", a.Token, map[string]any{"proof": deviceProof(t, key, e.url, v.DeviceNonce, e.clock.Now())})
	if r.status < 500 {
		t.Fatalf("a new device without a record: %d %s", r.status, r.body)
	}
	fixed()
	if !e.holderWorks(h) {
		t.Fatal("the old device's credential was revoked by an issuance that failed")
	}
	if got := e.get(a); got.State != "device" || got.DeviceNonce == "" || got.DeviceNonce == v.DeviceNonce {
		t.Fatalf("the application was not given back to the device step with a new nonce: %+v", got)
	}
	n := e.issue(a, e.get(a))
	if e.holderWorks(h) || !e.holderWorks(n) {
		t.Fatal("after the log is back the new device must work and the old one not")
	}
	if got, want := lifecycleRecords(), []string{"reported_lost", "resumed_after_recovery", "device_changed"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("lifecycle records %v, want %v", got, want)
	}
}

// TestRecoverRacingActions: of racing actions on one recover application
// exactly one is carried out; the others are told the application moved on.
func TestRecoverRacingActions(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	e.apply(p)
	for _, action := range []string{"reissue", "suspend"} {
		a := e.startKind("recover", "", p.identity.Type)
		e.through(p, a, "action")
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.call("POST", "/v1/applications/"+a.ID+"/action", a.Token, map[string]any{"action": action, "password": p.password}).status
			}()
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				ok++
			case http.StatusConflict, http.StatusForbidden: // moved on, or its tries taken by the racers
			default:
				t.Fatalf("%s: status %d", action, s)
			}
		}
		if ok != 1 {
			t.Fatalf("%s: %d racing actions carried out, want 1 (%v)", action, ok, statuses)
		}
	}
}
