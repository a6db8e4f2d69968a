package lifecycle

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/sms"
	"github.com/netid-project/netid/internal/storage"
)

func TestAccount(t *testing.T) {
	f := newFixture(t)
	h := f.newHolder(adultBirth, "")
	a, err := f.svc.Account(f.ctx, h.person.ID, h.credential.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := Account{
		Wanghao: netnum.Mask(h.person.Wanghao), CredentialID: h.credential.ID, Status: StateActive,
		IssuedAt: h.credential.IssuedAt, ExpiresAt: h.credential.ExpiresAt,
		DocumentType: document.ResidentIDCard, DocumentValidUntil: "2040-01-01",
		Phone: sms.MaskPhone(h.phone), DeviceKeyThumbprint: h.credential.DeviceKeyID, DeviceKeyIssuedAt: h.credential.IssuedAt,
	}
	if a != want {
		t.Fatalf("account\n got %+v\nwant %+v", a, want)
	}
	if strings.Contains(a.Wanghao, h.person.Wanghao[4:12]) || !strings.Contains(a.Phone, "****") {
		t.Fatalf("not masked: %+v", a)
	}

	var wrong *password.WrongPasswordError
	if _, err := f.svc.Reveal(f.ctx, h.person.ID, h.credential.ID, "11223344"); !errors.As(err, &wrong) || wrong.Remaining != 4 {
		t.Fatalf("reveal with a wrong password: %v", err)
	}
	full, err := f.svc.Reveal(f.ctx, h.person.ID, h.credential.ID, h.password)
	if err != nil || full.Wanghao != netnum.Format(h.person.Wanghao) || !full.Full {
		t.Fatalf("reveal: %+v %v", full, err)
	}

	// Expired is computed from ExpiresAt.
	f.clock.Advance(366 * 24 * time.Hour)
	if a, _ := f.svc.Account(f.ctx, h.person.ID, h.credential.ID); a.Status != StateExpired {
		t.Fatalf("after expiry: %s", a.Status)
	}
	// Another person's credential is not shown.
	other := f.newHolder(adultBirth, "")
	if _, err := f.svc.Account(f.ctx, h.person.ID, other.credential.ID); !errors.Is(err, person.ErrNoCredential) {
		t.Fatalf("another person's credential: %v", err)
	}
}

func TestState(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		status storage.CredentialStatus
		exp    time.Time
		want   string
	}{
		{storage.CredentialActive, now.Add(time.Second), StateActive},
		{storage.CredentialActive, now, StateExpired},
		{storage.CredentialSuspended, now.Add(time.Hour), StateSuspended},
		{storage.CredentialSuspended, now.Add(-time.Hour), StateExpired},
		{storage.CredentialRevoked, now.Add(time.Hour), StateRevoked},
		{storage.CredentialRevoked, now.Add(-time.Hour), StateRevoked},
	} {
		if got := State(storage.Credential{Status: tc.status, ExpiresAt: tc.exp}, now); got != tc.want {
			t.Errorf("%s expiring %v: %s, want %s", tc.status, tc.exp, got, tc.want)
		}
	}
}

func TestHolderSuspendResume(t *testing.T) {
	f := newFixture(t)
	h := f.newHolder(adultBirth, "")
	id, cid := h.person.ID, h.credential.ID
	suspend := func(pw string) error {
		_, err := f.svc.SuspendByHolder(f.ctx, id, cid, pw, "")
		return err
	}
	resume := func(pw string) error {
		_, err := f.svc.ResumeByHolder(f.ctx, id, cid, pw)
		return err
	}
	operator := func(a Action) error {
		_, err := f.svc.Operator(f.ctx, h.person.Wanghao, a, "风控核查")
		return err
	}
	steps := []struct {
		name       string
		do         func() error
		want       error
		status     storage.CredentialStatus
		by         string
		invalidate bool
	}{
		{"resume an active credential", func() error { return resume(h.password) }, person.ErrNothingToResume, storage.CredentialActive, "", false},
		{"suspend with a wrong password", func() error { return suspend("11223344") }, password.ErrWrongPassword, storage.CredentialActive, "", false},
		{"suspend", func() error { return suspend(h.password) }, nil, storage.CredentialSuspended, storage.StatusByHolder, true},
		{"suspend again", func() error { return suspend(h.password) }, person.ErrAlreadySuspended, storage.CredentialSuspended, storage.StatusByHolder, false},
		{"resume with a wrong password", func() error { return resume("11223344") }, password.ErrWrongPassword, storage.CredentialSuspended, storage.StatusByHolder, false},
		{"resume", func() error { return resume(h.password) }, nil, storage.CredentialActive, "", true},
		{"operator suspends", func() error { return operator(ActionSuspend) }, nil, storage.CredentialSuspended, storage.StatusByOperator, true},
		{"the holder cannot resume an operator's suspension", func() error { return resume(h.password) }, person.ErrOperatorHold, storage.CredentialSuspended, storage.StatusByOperator, false},
		{"nor suspend over it", func() error { return suspend(h.password) }, person.ErrOperatorHold, storage.CredentialSuspended, storage.StatusByOperator, false},
		{"operator resumes", func() error { return operator(ActionResume) }, nil, storage.CredentialActive, "", true},
		{"holder suspends again", func() error { return suspend(h.password) }, nil, storage.CredentialSuspended, storage.StatusByHolder, true},
		{"operator resume leaves the holder's suspension", func() error { return operator(ActionResume) }, ErrNoOperatorSuspension, storage.CredentialSuspended, storage.StatusByHolder, false},
		{"operator suspension over the holder's", func() error { return operator(ActionSuspend) }, nil, storage.CredentialSuspended, storage.OperatorOver(storage.StatusByHolder), true},
		{"operator suspends twice", func() error { return operator(ActionSuspend) }, person.ErrNoCredential, storage.CredentialSuspended, storage.OperatorOver(storage.StatusByHolder), false},
		{"the holder cannot lift the hold over their own suspension", func() error { return resume(h.password) }, person.ErrOperatorHold, storage.CredentialSuspended, storage.OperatorOver(storage.StatusByHolder), false},
		{"operator resume gives the holder's suspension back", func() error { return operator(ActionResume) }, nil, storage.CredentialSuspended, storage.StatusByHolder, true},
		{"operator suspends over it again", func() error { return operator(ActionSuspend) }, nil, storage.CredentialSuspended, storage.OperatorOver(storage.StatusByHolder), true},
		{"operator revokes", func() error { return operator(ActionRevoke) }, nil, storage.CredentialRevoked, storage.StatusByOperator, true},
		{"a revoked credential cannot be resumed", func() error { return resume(h.password) }, person.ErrNoCredential, storage.CredentialRevoked, storage.StatusByOperator, false},
		{"nor revoked twice", func() error { return operator(ActionRevoke) }, person.ErrNoCredential, storage.CredentialRevoked, storage.StatusByOperator, false},
	}
	for _, st := range steps {
		err := st.do()
		if !errors.Is(err, st.want) || (st.want == nil && err != nil) {
			t.Fatalf("%s: %v, want %v", st.name, err, st.want)
		}
		c := f.credential(cid)
		if c.Status != st.status || c.StatusBy != st.by {
			t.Fatalf("%s: credential %s by %q, want %s by %q", st.name, c.Status, c.StatusBy, st.status, st.by)
		}
		if got := f.status.take(); st.invalidate != slices.Equal(got, []string{"1"}) {
			t.Fatalf("%s: invalidated %v", st.name, got)
		}
	}
	if got := f.credential(cid).StatusReason; got != "风控核查" {
		t.Fatalf("operator's reason: %q", got)
	}
	want := []string{OutcomeSuspendedByHolder, OutcomeResumedByHolder, OutcomeSuspendedByOperator, OutcomeResumedByOperator,
		OutcomeSuspendedByHolder, OutcomeSuspendedByOperator, OutcomeResumedByOperator, OutcomeSuspendedByOperator, OutcomeRevokedByOperator}
	if got := f.records.outcomes(); !slices.Equal(got, want) {
		t.Fatalf("records %v, want %v", got, want)
	}
}

func TestHolderSuspendReasonAndExpiry(t *testing.T) {
	f := newFixture(t)
	h := f.newHolder(adultBirth, "")
	if _, err := f.svc.SuspendByHolder(f.ctx, h.person.ID, h.credential.ID, h.password, strings.Repeat("长", MaxReason+1)); !errors.Is(err, ErrReason) {
		t.Fatalf("long reason: %v", err)
	}
	c, err := f.svc.SuspendByHolder(f.ctx, h.person.ID, h.credential.ID, h.password, " 手机丢了 ")
	if err != nil || c.StatusReason != "手机丢了" {
		t.Fatalf("reason: %q %v", c.StatusReason, err)
	}
	f.clock.Advance(366 * 24 * time.Hour)
	if _, err := f.svc.ResumeByHolder(f.ctx, h.person.ID, h.credential.ID, h.password); !errors.Is(err, person.ErrNoCredential) {
		t.Fatalf("resume an expired credential: %v", err)
	}
	// A holder cannot act on another person's credential.
	other := f.newHolder(adultBirth, "")
	if _, err := f.svc.SuspendByHolder(f.ctx, h.person.ID, other.credential.ID, h.password, ""); !errors.Is(err, person.ErrNoCredential) {
		t.Fatalf("another person's credential: %v", err)
	}
}

func TestOperatorInputs(t *testing.T) {
	f := newFixture(t)
	h := f.newHolder(adultBirth, "")
	for _, tc := range []struct {
		wanghao string
		action  Action
		reason  string
		want    error
	}{
		{h.person.Wanghao, ActionSuspend, "", ErrReason},
		{h.person.Wanghao, ActionSuspend, "  ", ErrReason},
		{h.person.Wanghao, ActionSuspend, "a\x00b", ErrReason},
		{h.person.Wanghao, ActionSuspend, strings.Repeat("x", MaxReason+1), ErrReason},
		{h.person.Wanghao, "delete", "r", ErrAction},
		{"not-a-wanghao", ActionSuspend, "r", ErrNoSuchPerson},
		{strings.Repeat("2", 16), ActionSuspend, "r", ErrNoSuchPerson},
	} {
		if _, err := f.svc.Operator(f.ctx, tc.wanghao, tc.action, tc.reason); !errors.Is(err, tc.want) {
			t.Errorf("%q %s %q: %v, want %v", tc.wanghao, tc.action, tc.reason, err, tc.want)
		}
	}
	// The formatted 网号 works as well as the canonical one.
	v, err := f.svc.Operator(f.ctx, netnum.Format(h.person.Wanghao), ActionSuspend, strings.Repeat("x", MaxReason))
	if err != nil || len(v.Changed) != 1 || v.Credentials[0].State != StateSuspended || v.State != "active" {
		t.Fatalf("operator suspend: %+v %v", v, err)
	}
	shown, err := f.svc.OperatorView(f.ctx, h.person.Wanghao)
	if err != nil || shown.Wanghao != netnum.Format(h.person.Wanghao) || len(shown.Credentials) != 1 || shown.Credentials[0].StatusBy != storage.StatusByOperator {
		t.Fatalf("operator view: %+v %v", shown, err)
	}
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	h := f.newHolder(document.Date{Year: 1990, Month: 3, Day: 14}, "")
	id := h.person.ID
	for _, tc := range []struct {
		name, old, new string
		want           error
		rule           password.Rule
	}{
		{"too short", h.password, "1234", password.ErrWeak, password.RuleFormat},
		{"a run", h.password, "23456789", password.ErrWeak, password.RuleSequence},
		{"the birth date", h.password, "19900314", password.ErrWeak, password.RuleBirthDate},
		{"the same", h.password, h.password, ErrSamePassword, ""},
		{"a wrong old password", "11223344", "58203716", password.ErrWrongPassword, ""},
	} {
		err := f.svc.ChangePassword(f.ctx, id, tc.old, tc.new)
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
		}
		var weak *password.WeakError
		if tc.rule != "" && (!errors.As(err, &weak) || weak.Rule != tc.rule) {
			t.Fatalf("%s: %v, want rule %q", tc.name, err, tc.rule)
		}
	}
	// Only the wrong old password counted: 4 attempts are left.
	if p := f.person(id); p.PasswordFailures != 1 {
		t.Fatalf("failures %d, want 1", p.PasswordFailures)
	}
	if err := f.svc.ChangePassword(f.ctx, id, h.password, "58203716"); err != nil {
		t.Fatal(err)
	}
	if p := f.person(id); p.PasswordFailures != 0 {
		t.Fatalf("failures not reset: %d", p.PasswordFailures)
	}
	if err := f.svc.Passwords.Verify(f.ctx, id, h.password); !errors.Is(err, password.ErrWrongPassword) {
		t.Fatalf("old password still works: %v", err)
	}
	if err := f.svc.Passwords.Verify(f.ctx, id, "58203716"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	// Lockout: five wrong old passwords lock; then even the right one is
	// refused until the lock ends.
	var err error
	for range 5 {
		err = f.svc.ChangePassword(f.ctx, id, "11223344", "69314825")
	}
	var locked *password.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("fifth wrong password: %v", err)
	}
	if err := f.svc.ChangePassword(f.ctx, id, "58203716", "69314825"); !errors.Is(err, password.ErrLocked) {
		t.Fatalf("while locked: %v", err)
	}
	f.clock.Advance(time.Hour)
	if err := f.svc.ChangePassword(f.ctx, id, "58203716", "69314825"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	if got := f.records.outcomes(); !slices.Equal(got, []string{OutcomePasswordChanged, OutcomePasswordChanged}) {
		t.Fatalf("records %v", got)
	}
}

func TestPhoneChange(t *testing.T) {
	f := newFixture(t)
	h := f.newHolder(adultBirth, "")
	id := h.person.ID
	const newPhone = "13812345678"
	const e164 = "+8613812345678"
	oldIndex := f.person(id).PhoneIndex

	for _, tc := range []struct {
		name, pw, phone string
		want            error
	}{
		{"invalid number", h.password, "12345", sms.ErrInvalidPhone},
		{"the linked number", h.password, h.phone, person.ErrSamePhone},
		{"wrong password", "11223344", newPhone, password.ErrWrongPassword},
	} {
		if err := f.svc.StartPhoneChange(f.ctx, id, tc.pw, tc.phone); !errors.Is(err, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, ok := f.outbox.Latest(h.phone); ok {
		t.Fatal("a code was sent before the password was checked")
	}
	// Confirming before any code was sent.
	var ce *CodeError
	if err := f.svc.ConfirmPhoneChange(f.ctx, id, newPhone, "000000", "000000"); !errors.As(err, &ce) || ce.Which != CodeOld || !errors.Is(err, sms.ErrNoCode) {
		t.Fatalf("confirm before start: %v", err)
	}
	if err := f.svc.StartPhoneChange(f.ctx, id, h.password, newPhone); err != nil {
		t.Fatal(err)
	}
	oldCode, newCode := f.code(h.phone), f.code(e164)
	// Resending is rate limited per subject.
	if err := f.svc.StartPhoneChange(f.ctx, id, h.password, newPhone); !errors.Is(err, sms.ErrTooSoon) {
		t.Fatalf("resend at once: %v", err)
	}
	wrongOf := func(c string) string { return string('0'+('9'-c[0])) + c[1:] }

	steps := []struct {
		name     string
		old, new string
		which    Which
		want     error
	}{
		{"no codes", "", "", CodeOld, sms.ErrWrongCode},
		{"both wrong", wrongOf(oldCode), wrongOf(newCode), CodeOld, sms.ErrWrongCode},
		{"codes swapped", newCode, oldCode, CodeOld, sms.ErrWrongCode},
		{"only the new code", wrongOf(oldCode), newCode, CodeOld, sms.ErrWrongCode},
		// The old code verifies (and is used up); the new one is wrong.
		{"only the old code", oldCode, wrongOf(newCode), CodeNew, sms.ErrWrongCode},
	}
	for _, st := range steps {
		err := f.svc.ConfirmPhoneChange(f.ctx, id, newPhone, st.old, st.new)
		if !errors.As(err, &ce) || ce.Which != st.which || !errors.Is(err, st.want) {
			t.Fatalf("%s: %v, want %s code %v", st.name, err, st.which, st.want)
		}
		if f.person(id).PhoneIndex != oldIndex {
			t.Fatalf("%s: the phone changed", st.name)
		}
	}
	// A confirmation for another new number does not ride on this one's
	// verified old code.
	if err := f.svc.ConfirmPhoneChange(f.ctx, id, "13812340000", oldCode, newCode); !errors.As(err, &ce) || ce.Which != CodeOld {
		t.Fatalf("another number: %v", err)
	}
	// The verified old code is remembered until it expires: the right new
	// code now completes the change.
	if err := f.svc.ConfirmPhoneChange(f.ctx, id, newPhone, "", newCode); err != nil {
		t.Fatal(err)
	}
	p := f.person(id)
	if p.PhoneIndex != f.index.Index("phone", e164) {
		t.Fatal("the new number's blind index did not replace the old one")
	}
	if plain, err := f.sealer.Open(p.Phone, person.AAD(id, "phone")); err != nil || string(plain) != e164 {
		t.Fatalf("sealed phone: %v", err)
	}
	if a, _ := f.svc.Account(f.ctx, id, h.credential.ID); a.Phone != "+86 138****5678" {
		t.Fatalf("account phone %q", a.Phone)
	}
	// Codes are one-time: replaying them fails.
	if err := f.svc.ConfirmPhoneChange(f.ctx, id, newPhone, oldCode, newCode); !errors.Is(err, person.ErrSamePhone) {
		t.Fatalf("replay: %v", err)
	}
	if got := f.records.outcomes(); !slices.Equal(got, []string{OutcomePhoneChanged}) {
		t.Fatalf("records %v", got)
	}
}

func TestPhoneChangeOldCodeExpires(t *testing.T) {
	f := newFixture(t)
	h := f.newHolder(adultBirth, "")
	const newPhone = "+8613812345678"
	if err := f.svc.StartPhoneChange(f.ctx, h.person.ID, h.password, newPhone); err != nil {
		t.Fatal(err)
	}
	oldCode, newCode := f.code(h.phone), f.code(newPhone)
	var ce *CodeError
	if err := f.svc.ConfirmPhoneChange(f.ctx, h.person.ID, newPhone, oldCode, "999999"); !errors.As(err, &ce) || ce.Which != CodeNew {
		t.Fatalf("wrong new code: %v", err)
	}
	f.clock.Advance(sms.DefaultTTL)
	// Both codes have expired: the verified old code no longer counts.
	if err := f.svc.ConfirmPhoneChange(f.ctx, h.person.ID, newPhone, oldCode, newCode); !errors.As(err, &ce) || ce.Which != CodeOld || !errors.Is(err, sms.ErrCodeUsed) {
		t.Fatalf("after expiry: %v", err)
	}
}

func TestPlatforms(t *testing.T) {
	f := newFixture(t)
	h := f.newHolder(adultBirth, "")
	now := f.clock.Now()
	if err := f.store.CreateRelyingParty(f.ctx, storage.RelyingParty{ID: "shop", Name: "商城", Category: storage.CategoryInternetService, Domains: []string{"shop.example"}, AuthMethod: storage.AuthClientSecret, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, rp := range []string{"shop", "gone"} {
		if err := f.store.PutConsent(f.ctx, storage.Consent{PersonID: h.person.ID, RPID: rp, Claims: []string{"verified", "age_over_18"}, GrantedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := f.svc.Platforms(f.ctx, h.person.ID)
	if err != nil || len(list) != 2 || list[1].Name != "商城" || list[1].Domains[0] != "shop.example" || list[0].Name != "gone" {
		t.Fatalf("platforms: %+v %v", list, err)
	}
	if err := f.svc.Withdraw(f.ctx, h.person.ID, "shop"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Withdraw(f.ctx, h.person.ID, "shop"); !errors.Is(err, ErrNoConsent) {
		t.Fatalf("withdraw twice: %v", err)
	}
	if _, err := f.store.GetConsent(f.ctx, h.person.ID, "shop"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("consent still stored: %v", err)
	}
	if list, _ := f.svc.Platforms(f.ctx, h.person.ID); len(list) != 1 || list[0].RPID != "gone" {
		t.Fatalf("after withdrawal: %+v", list)
	}
	if recs := f.records.all(); len(recs) != 1 || recs[0].Outcome != OutcomeConsentWithdrawn || recs[0].RPID != "shop" || recs[0].RPName != "商城" {
		t.Fatalf("records: %+v", recs)
	}
}

func TestCancel(t *testing.T) {
	f := newFixture(t)
	h := f.newHolder(adultBirth, "")
	other := f.newHolder(adultBirth, "")
	id := h.person.ID
	now := f.clock.Now()
	if err := f.store.PutConsent(f.ctx, storage.Consent{PersonID: id, RPID: "shop", GrantedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	// An operator's suspension blocks cancellation, before the password.
	if _, err := f.svc.Operator(f.ctx, h.person.Wanghao, ActionSuspend, "调查中"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Cancel(f.ctx, id, h.password); !errors.Is(err, person.ErrOperatorHold) {
		t.Fatalf("cancel under an operator's hold: %v", err)
	}
	if _, err := f.svc.Operator(f.ctx, h.person.Wanghao, ActionResume, "调查结束"); err != nil {
		t.Fatal(err)
	}
	// A holder's own suspension does not.
	if _, err := f.svc.SuspendByHolder(f.ctx, id, h.credential.ID, h.password, ""); err != nil {
		t.Fatal(err)
	}
	f.status.take()
	if err := f.svc.Cancel(f.ctx, id, "11223344"); !errors.Is(err, password.ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := f.svc.Cancel(f.ctx, id, h.password); err != nil {
		t.Fatal(err)
	}
	p := f.person(id)
	if p.State != storage.PersonCancelled || !p.CancelledAt.Equal(now) {
		t.Fatalf("person %s cancelled at %v", p.State, p.CancelledAt)
	}
	if p.Identity != nil || p.Photo != nil || p.Phone != nil || p.PhoneIndex != "" || p.PasswordHash != "" {
		t.Fatalf("sealed data kept: %+v", p)
	}
	if p.Index != h.person.Index || p.Wanghao != h.person.Wanghao {
		t.Fatal("the blind index and the 网号 must stay")
	}
	c := f.credential(h.credential.ID)
	if c.Status != storage.CredentialRevoked || c.StatusBy != storage.StatusByHolder || c.StatusReason != ReasonCancelled {
		t.Fatalf("credential %+v", c)
	}
	if got := f.status.take(); !slices.Equal(got, []string{"1"}) {
		t.Fatalf("invalidated %v", got)
	}
	if list, _ := f.store.ListConsents(f.ctx, id); len(list) != 0 {
		t.Fatalf("consents kept: %v", list)
	}
	if f.credential(other.credential.ID).Status != storage.CredentialActive || f.person(other.person.ID).Identity == nil {
		t.Fatal("another person was touched")
	}
	// Everything after is refused as cancelled.
	for name, err := range map[string]error{
		"cancel":   f.svc.Cancel(f.ctx, id, h.password),
		"password": f.svc.ChangePassword(f.ctx, id, h.password, "58203716"),
		"phone":    f.svc.StartPhoneChange(f.ctx, id, h.password, "13812345678"),
		"withdraw": f.svc.Withdraw(f.ctx, id, "shop"),
	} {
		if !errors.Is(err, ErrCancelled) {
			t.Errorf("%s after cancelling: %v", name, err)
		}
	}
	if _, err := f.svc.Account(f.ctx, id, h.credential.ID); !errors.Is(err, ErrCancelled) {
		t.Errorf("account after cancelling: %v", err)
	}
	if _, err := f.svc.Operator(f.ctx, h.person.Wanghao, ActionRevoke, "r"); !errors.Is(err, person.ErrNoCredential) {
		t.Errorf("revoke after cancelling: %v", err)
	}
	v, err := f.svc.OperatorView(f.ctx, h.person.Wanghao)
	if err != nil || v.State != "cancelled" || v.CancelledAt == nil || v.Credentials[0].State != StateRevoked {
		t.Fatalf("operator view after cancelling: %+v %v", v, err)
	}
	want := []string{OutcomeSuspendedByOperator, OutcomeResumedByOperator, OutcomeSuspendedByHolder, OutcomeCancelled}
	if got := f.records.outcomes(); !slices.Equal(got, want) {
		t.Fatalf("records %v, want %v", got, want)
	}
}

func TestWards(t *testing.T) {
	f := newFixture(t)
	g := f.newHolder(adultBirth, "")
	today := f.clock.Now().In(document.Zone)
	bornAgo := func(years, days int) document.Date {
		return document.DateOf(today.AddDate(-years, 0, days))
	}
	child := f.newHolder(bornAgo(14, 1), g.person.ID) // 14 tomorrow
	teen := f.newHolder(bornAgo(18, 2), g.person.ID)  // 18 in two days
	f.newHolder(bornAgo(18, 0), g.person.ID)          // 18 today
	f.newHolder(bornAgo(10, 0), "")                   // someone else's child
	gone := f.newHolder(bornAgo(9, 0), g.person.ID)
	if err := f.svc.Cancel(f.ctx, gone.person.ID, gone.password); err != nil {
		t.Fatal(err)
	}
	check := func(want ...Ward) {
		t.Helper()
		got, err := f.svc.Wards(f.ctx, g.person.ID)
		// Wards created at the same instant come in ID order.
		byID := func(a, b Ward) int { return strings.Compare(a.PersonID, b.PersonID) }
		slices.SortFunc(got, byID)
		slices.SortFunc(want, byID)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("wards\n got %+v %v\nwant %+v", got, err, want)
		}
	}
	ward := func(h holder, age int) Ward {
		pr, _ := person.Open(f.sealer, f.person(h.person.ID))
		return Ward{PersonID: h.person.ID, Name: person.MaskName(pr.Identity.Name), Age: age, ConsentNeeded: age < 14}
	}
	check(ward(child, 13), ward(teen, 17))
	f.clock.Advance(24 * time.Hour)
	check(ward(child, 14), ward(teen, 17))
	f.clock.Advance(24 * time.Hour)
	check(ward(child, 14))
	if got, _ := f.svc.Wards(f.ctx, ""); len(got) != 0 {
		t.Fatalf("no guardian: %v", got)
	}
}

func FuzzCheckReason(f *testing.F) {
	for _, s := range []string{"", " 手机丢了 ", "a\x00b", strings.Repeat("长", MaxReason+1), "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := checkReason(in, true)
		if err != nil {
			if !errors.Is(err, ErrReason) {
				t.Fatalf("error %v does not wrap ErrReason", err)
			}
			return
		}
		if out == "" || out != strings.TrimSpace(out) || len([]rune(out)) > MaxReason {
			t.Fatalf("accepted %q", out)
		}
		again, err := checkReason(out, true)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q %v", out, again, err)
		}
	})
}

// TestNoActionWithoutRecord: when the record log cannot be written, no
// holder or operator action takes effect (the change and its record commit
// together), and none is half done.
func TestNoActionWithoutRecord(t *testing.T) {
	f := newFixture(t)
	h := f.newHolder(adultBirth, "")
	id, cid := h.person.ID, h.credential.ID
	now := f.clock.Now()
	if err := f.store.PutConsent(f.ctx, storage.Consent{PersonID: id, RPID: "shop", GrantedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	errLog := errors.New("record log unavailable")
	f.records.failWith(errLog)
	before := f.person(id)
	actions := []struct {
		name string
		do   func() error
	}{
		{"suspend", func() error { _, err := f.svc.SuspendByHolder(f.ctx, id, cid, h.password, ""); return err }},
		{"change password", func() error { return f.svc.ChangePassword(f.ctx, id, h.password, "38164927") }},
		{"withdraw consent", func() error { return f.svc.Withdraw(f.ctx, id, "shop") }},
		{"operator suspend", func() error {
			_, err := f.svc.Operator(f.ctx, h.person.Wanghao, ActionSuspend, "风控核查")
			return err
		}},
		{"operator revoke", func() error {
			_, err := f.svc.Operator(f.ctx, h.person.Wanghao, ActionRevoke, "风控核查")
			return err
		}},
		{"cancel", func() error { return f.svc.Cancel(f.ctx, id, h.password) }},
	}
	for _, a := range actions {
		if err := a.do(); !errors.Is(err, errLog) {
			t.Fatalf("%s without a record log: %v", a.name, err)
		}
		if c := f.credential(cid); c.Status != storage.CredentialActive || c.StatusBy != "" {
			t.Fatalf("%s: the credential is %s by %q", a.name, c.Status, c.StatusBy)
		}
		p := f.person(id)
		if p.State != storage.PersonActive || p.PasswordHash != before.PasswordHash || !bytes.Equal(p.Identity, before.Identity) {
			t.Fatalf("%s: the person changed (state %s)", a.name, p.State)
		}
		if _, err := f.store.GetConsent(f.ctx, id, "shop"); err != nil {
			t.Fatalf("%s: the consent is gone: %v", a.name, err)
		}
		if got := f.status.take(); len(got) != 0 {
			t.Fatalf("%s: status lists dropped for a change that did not happen: %v", a.name, got)
		}
	}
	if recs := f.records.all(); len(recs) != 0 {
		t.Fatalf("records: %+v", recs)
	}
	// With the log back, the same action goes through with its record.
	f.records.failWith(nil)
	if err := f.svc.Cancel(f.ctx, id, h.password); err != nil {
		t.Fatal(err)
	}
	if got := f.records.outcomes(); !slices.Equal(got, []string{OutcomeCancelled}) {
		t.Fatalf("records after the log is back: %v", got)
	}
}
