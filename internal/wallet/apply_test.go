package wallet

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/credential/statuslist"
)

func TestApplyAdult(t *testing.T) {
	f := newFakePlatform(t)
	o := f.options(t, adultBirth)
	var steps []string
	prompts(o).ProgressFunc = func(s Step) { steps = append(steps, s.String()) }
	asked := 0
	prompts(o).SecretFunc = func(_ context.Context, s Secret) (string, error) {
		asked++
		if s != NewCredentialPassword {
			t.Errorf("an application asked for the %s, want the new credential password", s)
		}
		return testPassword, nil
	}

	res, err := Apply(context.Background(), f.client(), o)
	if err != nil {
		t.Fatal(err)
	}
	if asked != 1 {
		t.Errorf("password asked %d times, want 1", asked)
	}
	want := []string{"application started", "document accepted", "face check passed", "SMS code sent",
		"phone number verified", "credential password set", "credential issued", "credential saved in the wallet"}
	if !slices.Equal(steps, want) {
		t.Errorf("progress = %q\nwant %q", steps, want)
	}
	if _, err := LoadPending(o.Dir); !errors.Is(err, ErrNoPending) {
		t.Errorf("pending.json left behind: %v", err)
	}
	w, err := Open(o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if w.Wanghao != res.Wanghao || w.CredentialID != res.CredentialID || !w.ExpiresAt.Equal(res.ExpiresAt) || w.Server != f.srv.URL {
		t.Errorf("wallet %+v, result %+v", w, res)
	}
	u, err := w.Unlock(testPassword)
	if err != nil {
		t.Fatal(err)
	}

	// The saved credential presents and verifies at a relying party.
	p, err := Present(u, "https://rp.example.cn", "n-1", []string{"age_over_18"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := credential.VerifyPresentation(p, credential.PresentationOptions{
		Keys: f.jwks(), Audience: "https://rp.example.cn", Nonce: "n-1", Now: testNow,
	})
	if err != nil {
		t.Fatal(err)
	}
	if cred.Disclosed["age_over_18"] != true || len(cred.Disclosed) != 1 {
		t.Errorf("disclosed = %v", cred.Disclosed)
	}
	if _, err := Present(u, "https://rp.example.cn", "n-1", []string{"no_such_claim"}, testNow); !errors.Is(err, credential.ErrUnknownClaim) {
		t.Errorf("unknown claim: err = %v", err)
	}
}

func TestApplyOptionsChecked(t *testing.T) {
	f := newFakePlatform(t)
	for _, tc := range []struct {
		name string
		edit func(*ApplyOptions)
		c    *Client
	}{
		{"no dir", func(o *ApplyOptions) { o.Dir = "" }, f.client()},
		{"no prompter", func(o *ApplyOptions) { o.Prompter = nil }, f.client()},
		{"no liveness", func(o *ApplyOptions) { o.Liveness = nil }, f.client()},
		{"other server", func(o *ApplyOptions) { o.Server = "https://other.example" }, f.client()},
		{"no client", func(o *ApplyOptions) {}, &Client{}},
		{"bad guardian", func(o *ApplyOptions) { o.Guardian = "not-a-wanghao" }, f.client()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := f.options(t, adultBirth)
			tc.edit(&o)
			if _, err := Apply(context.Background(), tc.c, o); !errors.Is(err, ErrOptions) {
				t.Errorf("err = %v, want ErrOptions", err)
			}
		})
	}
	if n := f.count("POST /v1/applications"); n != 0 {
		t.Errorf("%d applications started with bad options", n)
	}
}

func TestApplyBadDocument(t *testing.T) {
	f := newFakePlatform(t)
	dir := t.TempDir()
	for _, tc := range []struct{ name, body string }{
		{"not json", "nope"},
		{"dg1 not identity", `{"dg1":"e30=","dg2":"/9j/","sod":"MA=="}`},
		{"missing file", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := f.options(t, adultBirth)
			o.DocumentPath = filepath.Join(dir, tc.name)
			if tc.body != "" {
				if err := os.WriteFile(o.DocumentPath, []byte(tc.body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := Apply(context.Background(), f.client(), o); !errors.Is(err, ErrDocument) {
				t.Errorf("err = %v, want ErrDocument", err)
			}
		})
	}
}

// TestApplyResumeAfterFailure: a step fails, the application stays
// pending, and Resume picks it up where it stood.
func TestApplyResumeAfterFailure(t *testing.T) {
	f := newFakePlatform(t)
	o := f.options(t, adultBirth)
	lv := &fakeLiveness{err: errBoom}
	o.Liveness = lv
	if _, err := Apply(context.Background(), f.client(), o); !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want the liveness error", err)
	}
	p, err := LoadPending(o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if p.DocumentPath != o.DocumentPath || p.Phone != testPhone || p.Server != f.srv.URL {
		t.Errorf("pending = %+v", p)
	}
	if st := f.app(p.ApplicationID).state; st != api.StateFace {
		t.Fatalf("state = %s, want face", st)
	}
	lv.err = nil
	res, err := Resume(context.Background(), f.client(), ApplyOptions{
		Dir: o.Dir, Prompter: o.Prompter, Liveness: lv, Now: o.Now, KDF: testKDF,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.CredentialID == "" || f.count("PUT /v1/applications/"+p.ApplicationID+"/document") != 1 {
		t.Errorf("result %+v; document uploaded %d times", res, f.count("PUT /v1/applications/"+p.ApplicationID+"/document"))
	}
	if _, err := Resume(context.Background(), f.client(), o); !errors.Is(err, ErrNoPending) {
		t.Errorf("second Resume: err = %v, want ErrNoPending", err)
	}
}

// TestResumeCodeAlreadySent: an interrupted run sent the SMS code; the
// platform refuses a resend, and the wallet asks for the code it sent.
func TestResumeCodeAlreadySent(t *testing.T) {
	f := newFakePlatform(t)
	o := f.options(t, adultBirth)
	prompts(o).CodeFunc = func(context.Context, SMS) (string, error) { return "", errBoom }
	if _, err := Apply(context.Background(), f.client(), o); !errors.Is(err, errBoom) {
		t.Fatalf("err = %v", err)
	}
	prompts(o).CodeFunc = func(context.Context, SMS) (string, error) { return testCode, nil }
	if _, err := Resume(context.Background(), f.client(), o); err != nil {
		t.Fatal(err)
	}
}

func TestApplyWrongCodeAskedAgain(t *testing.T) {
	f := newFakePlatform(t)
	o := f.options(t, adultBirth)
	codes := []string{"000000", "111111", testCode}
	prompts(o).CodeFunc = func(context.Context, SMS) (string, error) { c := codes[0]; codes = codes[1:]; return c, nil }
	if _, err := Apply(context.Background(), f.client(), o); err != nil {
		t.Fatal(err)
	}

	// Three wrong codes end the run; the application stays pending.
	o = f.options(t, adultBirth)
	prompts(o).CodeFunc = func(context.Context, SMS) (string, error) { return "000000", nil }
	_, err := Apply(context.Background(), f.client(), o)
	if !hasSlug(err, "wrong-code") {
		t.Errorf("err = %v, want wrong-code", err)
	}
	if _, err := LoadPending(o.Dir); err != nil {
		t.Errorf("pending: %v", err)
	}
}

func TestApplyRejectsMismatchedCredential(t *testing.T) {
	f := newFakePlatform(t)
	f.wrongHolderKey = true
	o := f.options(t, adultBirth)
	if _, err := Apply(context.Background(), f.client(), o); !errors.Is(err, ErrCredentialMismatch) {
		t.Fatalf("err = %v, want ErrCredentialMismatch", err)
	}
	if Exists(o.Dir) {
		t.Error("a mismatched credential was saved")
	}
}

// teenOptions are the options of a 15-year-old naming guardian.
func (f *fakePlatform) teenOptions(t *testing.T, guardian *Unlocked) ApplyOptions {
	o := f.options(t, teenBirth)
	o.Guardian = guardian.Wallet.Wanghao
	return o
}

func TestApplyTeenWaitZeroThenResume(t *testing.T) {
	f := newFakePlatform(t)
	g := f.adult(t)
	o := f.teenOptions(t, g)
	_, err := Apply(context.Background(), f.client(), o)
	if !errors.Is(err, ErrWaitingForGuardian) {
		t.Fatalf("err = %v, want ErrWaitingForGuardian", err)
	}
	p, err := LoadPending(o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if p.Guardian != g.Wallet.Wanghao {
		t.Errorf("pending guardian = %q", p.Guardian)
	}

	// The guardian sees the request and approves it from their wallet.
	c := f.client()
	reqs, err := GuardianRequests(context.Background(), c, g)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 || reqs[0].ApplicationID != p.ApplicationID {
		t.Fatalf("requests = %+v", reqs)
	}
	err = DecideGuardian(context.Background(), c, g, p.ApplicationID, true, "00000000")
	if n, ok := remaining(err); !hasSlug(err, "wrong-password") || !ok || n != 4 {
		t.Errorf("wrong password: err = %v", err)
	}
	if err := DecideGuardian(context.Background(), c, g, p.ApplicationID, true, testPassword); err != nil {
		t.Fatal(err)
	}

	// Resuming past the password step: the password is asked again and
	// confirmed with the platform before it locks the wallet; a wrong one
	// is asked again.
	answers := []string{"99999999", testPassword}
	prompts(o).SecretFunc = func(_ context.Context, s Secret) (string, error) {
		if s != CredentialPassword {
			t.Errorf("resuming asked for the %s, want the credential password", s)
		}
		a := answers[0]
		answers = answers[1:]
		return a, nil
	}
	res, err := Resume(context.Background(), f.client(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 0 {
		t.Errorf("%d password answers left", len(answers))
	}
	w, err := Open(o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if w.CredentialID != res.CredentialID {
		t.Error("wallet does not hold the result")
	}
	if _, err := w.Unlock(testPassword); err != nil {
		t.Errorf("Unlock: %v", err)
	}
}

func remaining(err error) (int, bool) {
	var ae *APIError
	if !errors.As(err, &ae) {
		return 0, false
	}
	return ae.RemainingAttempts()
}

func TestResumePasswordNeverConfirmed(t *testing.T) {
	f := newFakePlatform(t)
	g := f.adult(t)
	o := f.teenOptions(t, g)
	if _, err := Apply(context.Background(), f.client(), o); !errors.Is(err, ErrWaitingForGuardian) {
		t.Fatal(err)
	}
	p, _ := LoadPending(o.Dir)
	if err := DecideGuardian(context.Background(), f.client(), g, p.ApplicationID, true, testPassword); err != nil {
		t.Fatal(err)
	}
	asked := 0
	prompts(o).SecretFunc = func(context.Context, Secret) (string, error) { asked++; return "99999999", nil }
	if _, err := Resume(context.Background(), f.client(), o); !errors.Is(err, ErrPasswordNotConfirmed) {
		t.Errorf("err = %v, want ErrPasswordNotConfirmed", err)
	}
	if asked != maxPasswordTries {
		t.Errorf("asked %d times, want %d", asked, maxPasswordTries)
	}
	if Exists(o.Dir) {
		t.Error("wallet saved with an unconfirmed password")
	}
}

// TestApplyGuardianWait polls with an injected clock: each reading of the
// clock advances it, so Wait runs out after a few polls without sleeping
// beyond the tiny Poll interval.
func TestApplyGuardianWait(t *testing.T) {
	for _, tc := range []struct {
		name         string
		approveAfter int
		want         error
	}{
		{"approved while waiting", 3, nil},
		{"wait runs out", 0, ErrWaitingForGuardian},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakePlatform(t)
			g := f.adult(t)
			f.approveAfter = tc.approveAfter
			o := f.teenOptions(t, g)
			var tick atomic.Int64
			o.Now = func() time.Time { return testNow.Add(time.Duration(tick.Add(1)) * 10 * time.Second) }
			o.Wait, o.Poll = time.Minute, time.Millisecond
			_, err := Apply(context.Background(), f.client(), o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			p, perr := LoadPending(o.Dir)
			if tc.want == nil {
				if !errors.Is(perr, ErrNoPending) || !Exists(o.Dir) {
					t.Errorf("after issuance: pending %v, wallet %v", perr, Exists(o.Dir))
				}
				return
			}
			if perr != nil {
				t.Fatal(perr)
			}
			polls := f.app(p.ApplicationID).guardianGets
			if polls < 1 || polls > 6 {
				t.Errorf("%d polls within a minute of 10 s ticks", polls)
			}
		})
	}
}

func TestApplyDeclined(t *testing.T) {
	f := newFakePlatform(t)
	g := f.adult(t)
	o := f.teenOptions(t, g)
	if _, err := Apply(context.Background(), f.client(), o); !errors.Is(err, ErrWaitingForGuardian) {
		t.Fatal(err)
	}
	p, _ := LoadPending(o.Dir)
	if err := DecideGuardian(context.Background(), f.client(), g, p.ApplicationID, false, testPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := Resume(context.Background(), f.client(), o); !errors.Is(err, ErrDeclined) {
		t.Errorf("err = %v, want ErrDeclined", err)
	}
	if _, err := LoadPending(o.Dir); !errors.Is(err, ErrNoPending) {
		t.Errorf("a declined application stays pending: %v", err)
	}
}

func TestApplyTeenWithoutGuardian(t *testing.T) {
	f := newFakePlatform(t)
	g := f.adult(t)
	o := f.options(t, teenBirth)
	if _, err := Apply(context.Background(), f.client(), o); !errors.Is(err, ErrGuardianMissing) {
		t.Fatalf("err = %v, want ErrGuardianMissing", err)
	}
	o.Guardian = g.Wallet.Wanghao
	o.Wait, o.Poll = time.Minute, time.Millisecond
	f.approveAfter = 1
	if _, err := Resume(context.Background(), f.client(), o); err != nil {
		t.Fatal(err)
	}
}

func TestApplyOnBehalfOfChild(t *testing.T) {
	f := newFakePlatform(t)
	g := f.adult(t)
	o := f.options(t, childBirth)
	var gotGuardian string
	ev := o.Evidence
	o.Evidence = func(ctx context.Context, app, ref, guardian string) (string, error) {
		gotGuardian = guardian
		return ev(ctx, app, ref, guardian)
	}

	// Without the guardian the platform refuses the child's document.
	if _, err := Apply(context.Background(), f.client(), o); !hasSlug(err, "guardian-required") {
		t.Fatalf("err = %v, want guardian-required", err)
	}

	o.OnBehalfOf = g
	res, err := Apply(context.Background(), f.client(), o)
	if err != nil {
		t.Fatal(err)
	}
	if gotGuardian != g.Wallet.Wanghao {
		t.Errorf("evidence asked for guardian %q", gotGuardian)
	}
	if res.Wanghao == g.Wallet.Wanghao {
		t.Error("the child received the guardian's 网号")
	}
	w, err := Open(o.Dir)
	if err != nil || w.CredentialID != res.CredentialID {
		t.Errorf("child's wallet: %v", err)
	}
}

func TestResumeOtherServer(t *testing.T) {
	f := newFakePlatform(t)
	o := f.options(t, adultBirth)
	o.Liveness = &fakeLiveness{err: errBoom}
	if _, err := Apply(context.Background(), f.client(), o); !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	other := newFakePlatform(t)
	if _, err := Resume(context.Background(), other.client(), o); !errors.Is(err, ErrServerMismatch) {
		t.Errorf("err = %v, want ErrServerMismatch", err)
	}
}

func TestStatus(t *testing.T) {
	f := newFakePlatform(t)
	u := f.adult(t)
	idx := u.Wallet.statusIdx
	for _, tc := range []struct {
		value byte
		want  string
	}{
		{statuslist.Valid, StatusValid},
		{statuslist.Suspended, StatusSuspended},
		{statuslist.Invalid, StatusRevoked},
	} {
		f.mu.Lock()
		f.statusV[idx] = tc.value
		f.mu.Unlock()
		info, err := Status(context.Background(), f.client(), u.Wallet)
		if err != nil {
			t.Fatal(err)
		}
		if info.Status != tc.want || info.Expired || info.Usable() != (tc.want == StatusValid) || info.Wanghao != u.Wallet.Wanghao {
			t.Errorf("Status = %+v, want %s", info, tc.want)
		}
	}

	// A status list signed by another key is refused.
	other := newFakePlatform(t)
	c := f.client()
	w := *u.Wallet
	w.statusURI = other.srv.URL + "/status/1"
	if _, err := Status(context.Background(), c, &w); !errors.Is(err, statuslist.ErrUnknownKey) && !errors.Is(err, statuslist.ErrSignature) {
		t.Errorf("foreign list: err = %v, want a signature error", err)
	}

	// An expired credential still reports its status.
	w = *u.Wallet
	w.ExpiresAt = testNow.Add(-time.Hour)
	info, err := Status(context.Background(), c, &w)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Expired || info.Usable() {
		t.Errorf("expired: %+v", info)
	}

	// Another server's client is refused.
	if _, err := Status(context.Background(), other.client(), u.Wallet); !errors.Is(err, ErrServerMismatch) {
		t.Errorf("other server: err = %v, want ErrServerMismatch", err)
	}
}
