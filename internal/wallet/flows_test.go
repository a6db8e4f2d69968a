package wallet

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/deeplink"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/liveness"
)

// asker is a Prompter that records what it was asked and answers from
// its fields.
type asker struct {
	secrets   map[Secret]string
	answers   map[QuestionKind]bool
	askErr    error
	codes     map[SMS]string
	asked     []string
	shown     []EIDCode
	showErr   error
	progress  []string
	afterShow func(EIDCode)
}

func (a *asker) Secret(_ context.Context, s Secret) (string, error) {
	a.asked = append(a.asked, "secret:"+s.String())
	v, ok := a.secrets[s]
	if !ok {
		return "", ErrNoAnswer
	}
	return v, nil
}

func (a *asker) Code(_ context.Context, to SMS) (string, error) {
	a.asked = append(a.asked, "code:"+to.Number)
	v, ok := a.codes[to]
	if !ok {
		return "", ErrNoAnswer
	}
	return v, nil
}

func (a *asker) Confirm(_ context.Context, q Question) (bool, error) {
	a.asked = append(a.asked, "confirm:"+map[QuestionKind]string{QuestionVerification: "verification", QuestionPlaintext: "plaintext", QuestionCancel: "cancel"}[q.Kind])
	if a.askErr != nil {
		return false, a.askErr
	}
	return a.answers[q.Kind], nil
}

func (a *asker) ShowEIDCode(_ context.Context, c EIDCode) error {
	a.shown = append(a.shown, c)
	if a.afterShow != nil {
		a.afterShow(c)
	}
	return a.showErr
}

func (a *asker) Progress(step Step) { a.progress = append(a.progress, step.String()) }

var _ Prompter = (*asker)(nil)

// Session codes of the fake verification routes, one per level.
const (
	codePossession = "possession-code-0001"
	codePassword   = "password-code-00001"
	codeFace       = "face-code-000000001"
)

// verificationRoutes adds the holder's verification routes to f: open
// returns a request at the level its code names (password: with a
// plaintext field), answer records the answer.
func (f *fakePlatform) verificationRoutes(answers *[]api.AnswerRequest) {
	faceHash := sha256.Sum256(testFace)
	f.handle("POST /v1/wallet/verifications/open", func(w http.ResponseWriter, r *http.Request) error {
		if _, err := f.authenticate(r); err != nil {
			return err
		}
		var req struct{ Code string }
		if err := decode(r, &req); err != nil {
			return err
		}
		var p api.Prompt
		p.SessionID, p.Purpose, p.Claims = "sess-"+req.Code, "开户", []string{"verified", "sub", "age_over_18"}
		p.RelyingParty.Name, p.RelyingParty.Domains = "示例银行", []string{"bank.example"}
		switch req.Code {
		case codePossession:
			p.Level = api.LevelPossession
		case codePassword:
			p.Level, p.Plaintext = api.LevelPassword, []string{"name"}
		case codeFace:
			p.Level, p.FaceChallenge = api.LevelFace, "challenge-1"
			p.FaceImageHash = base64.RawURLEncoding.EncodeToString(faceHash[:])
		default:
			return problemOf(404, "session-not-found", "no such session")
		}
		httpx.WriteJSON(w, 200, p)
		return nil
	})
	f.handle("POST /v1/wallet/verifications/answer", func(w http.ResponseWriter, r *http.Request) error {
		if _, err := f.authenticate(r); err != nil {
			return err
		}
		var a api.AnswerRequest
		if err := decode(r, &a); err != nil {
			return err
		}
		*answers = append(*answers, a)
		state := api.SessionDeclined
		if a.Decision == api.DecisionApprove {
			state = api.SessionApproved
		}
		httpx.WriteJSON(w, 200, api.AnswerResult{State: state})
		return nil
	})
}

func TestApprove(t *testing.T) {
	f := newFakePlatform(t)
	u := f.adult(t)
	var answers []api.AnswerRequest
	f.verificationRoutes(&answers)
	link := func(code string) string {
		return deeplink.Link{Action: deeplink.ActionVerify, Platform: f.srv.URL, Code: code}.String()
	}
	face := &fakeLiveness{}
	for _, tc := range []struct {
		name    string
		link    string
		approve bool
		share   bool
		face    liveness.Provider
		want    api.AnswerRequest
		asked   []string
		err     error
	}{
		{"decline asks nothing more", link(codePassword), false, true, face,
			api.AnswerRequest{Code: codePassword, Decision: api.DecisionDecline}, []string{"confirm:verification"}, nil},
		{"possession", link(codePossession), true, false, nil,
			api.AnswerRequest{Code: codePossession, Decision: api.DecisionApprove}, []string{"confirm:verification"}, nil},
		{"bare code", codePossession, true, false, nil,
			api.AnswerRequest{Code: codePossession, Decision: api.DecisionApprove}, []string{"confirm:verification"}, nil},
		{"password, plaintext withheld", link(codePassword), true, false, nil,
			api.AnswerRequest{Code: codePassword, Decision: api.DecisionApprove, Password: testPassword},
			[]string{"confirm:verification", "confirm:plaintext", "secret:credential password"}, nil},
		{"password, plaintext shared", deeplink.Link{Action: deeplink.ActionVerify, Platform: f.srv.URL, Code: codePassword}.HTTPS(), true, true, nil,
			api.AnswerRequest{Code: codePassword, Decision: api.DecisionApprove, Password: testPassword, PlaintextConsent: true},
			[]string{"confirm:verification", "confirm:plaintext", "secret:credential password"}, nil},
		{"face", link(codeFace), true, false, face,
			api.AnswerRequest{Code: codeFace, Decision: api.DecisionApprove, Password: testPassword, FaceAttestation: testAttestation(liveness.Request{
				Challenge: "challenge-1", ApplicationID: "sess-" + codeFace, FaceImageHash: sha256.Sum256(testFace)})},
			[]string{"confirm:verification", "secret:credential password"}, nil},
		{"face without a liveness provider", link(codeFace), true, false, nil, api.AnswerRequest{}, nil, ErrNoLiveness},
		{"another platform's link", deeplink.Link{Action: deeplink.ActionVerify, Platform: "https://other.example", Code: codePossession}.String(),
			true, false, nil, api.AnswerRequest{}, nil, ErrServerMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answers = nil
			a := &asker{secrets: map[Secret]string{CredentialPassword: testPassword},
				answers: map[QuestionKind]bool{QuestionVerification: tc.approve, QuestionPlaintext: tc.share}}
			res, err := Approve(context.Background(), f.client(), u, tc.link, a, tc.face)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				if len(answers) != 0 {
					t.Fatalf("answered %+v after an error", answers)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(answers) != 1 || answers[0] != tc.want {
				t.Fatalf("answers %+v, want %+v", answers, tc.want)
			}
			if !slices.Equal(a.asked, tc.asked) {
				t.Errorf("asked %q, want %q", a.asked, tc.asked)
			}
			if want := map[bool]api.SessionState{true: api.SessionApproved, false: api.SessionDeclined}[tc.approve]; res.State != want {
				t.Errorf("state %q, want %q", res.State, want)
			}
		})
	}
	// A prompter that cannot ask stops the flow without an answer.
	answers = nil
	if _, err := Approve(context.Background(), f.client(), u, link(codePossession), &asker{askErr: errBoom}, nil); !errors.Is(err, errBoom) || len(answers) != 0 {
		t.Fatalf("confirm failing: %v, answers %+v", err, answers)
	}
}

func TestVerificationCode(t *testing.T) {
	const server = "http://127.0.0.1:8080"
	l := deeplink.Link{Action: deeplink.ActionVerify, Platform: server, Code: codePassword}
	for _, in := range []string{l.String(), l.HTTPS(), codePassword} {
		if got, err := VerificationCode(in, server+"/"); err != nil || got != codePassword {
			t.Errorf("VerificationCode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := VerificationCode("netid://verify?code=x", server); !errors.Is(err, deeplink.ErrInvalid) {
		t.Errorf("malformed link: %v", err)
	}
	if _, err := VerificationCode(l.String(), "http://127.0.0.1:9090"); !errors.Is(err, ErrServerMismatch) {
		t.Errorf("another platform: %v", err)
	}
}

// holderRoutes adds the phone change and cancellation routes to f,
// recording their request bodies.
func (f *fakePlatform) holderRoutes(got *[]string) {
	record := func(pattern string, status int, out any) {
		f.handle(pattern, func(w http.ResponseWriter, r *http.Request) error {
			if _, err := f.authenticate(r); err != nil {
				return err
			}
			var body map[string]any
			if r.Method != http.MethodGet {
				if err := decode(r, &body); err != nil {
					return err
				}
			}
			*got = append(*got, pattern+" "+string(mustJSON(body)))
			if out == nil {
				w.WriteHeader(status)
				return nil
			}
			httpx.WriteJSON(w, status, out)
			return nil
		})
	}
	record("POST /v1/holder/phone", http.StatusNoContent, nil)
	record("POST /v1/holder/phone/verify", http.StatusNoContent, nil)
	record("GET /v1/holder/account", http.StatusOK, api.Account{Phone: "+86 139****3333"})
	record("POST /v1/holder/cancel", http.StatusNoContent, nil)
}

func TestChangePhone(t *testing.T) {
	f := newFakePlatform(t)
	u := f.adult(t)
	var got []string
	f.holderRoutes(&got)
	a := &asker{secrets: map[Secret]string{CredentialPassword: testPassword},
		codes: map[SMS]string{{Linked: true}: "111111", {Number: "13922223333"}: "222222"}}
	acc, err := ChangePhone(context.Background(), f.client(), u, "13922223333", a)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Phone != "+86 139****3333" {
		t.Errorf("account %+v", acc)
	}
	want := []string{
		`POST /v1/holder/phone {"password":"` + testPassword + `","phone":"13922223333"}`,
		`POST /v1/holder/phone/verify {"new_code":"222222","old_code":"111111","phone":"13922223333"}`,
		`GET /v1/holder/account null`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests\n%q\nwant\n%q", got, want)
	}
	if !slices.Equal(a.asked, []string{"secret:credential password", "code:", "code:13922223333"}) {
		t.Errorf("asked %q", a.asked)
	}
	// Without the second code nothing is confirmed.
	got = nil
	a = &asker{secrets: map[Secret]string{CredentialPassword: testPassword}, codes: map[SMS]string{{Linked: true}: "111111"}}
	if _, err := ChangePhone(context.Background(), f.client(), u, "13922223333", a); !errors.Is(err, ErrNoAnswer) || len(got) != 1 {
		t.Errorf("missing code: %v, requests %q", err, got)
	}
	if _, err := ChangePhone(context.Background(), f.client(), u, "", a); !errors.Is(err, ErrOptions) {
		t.Errorf("no new number: %v", err)
	}
}

func TestCancel(t *testing.T) {
	f := newFakePlatform(t)
	u := f.adult(t)
	var got []string
	f.holderRoutes(&got)
	// Not confirmed: nothing is done, no password is asked.
	a := &asker{secrets: map[Secret]string{CredentialPassword: testPassword}}
	if err := Cancel(context.Background(), f.client(), u, a); !errors.Is(err, ErrNotConfirmed) {
		t.Fatalf("not confirmed: %v", err)
	}
	if len(got) != 0 || !Exists(u.Wallet.Dir) || !slices.Equal(a.asked, []string{"confirm:cancel"}) {
		t.Fatalf("not confirmed, yet requests %q, asked %q", got, a.asked)
	}
	if err := Cancel(context.Background(), f.client(), u, &asker{askErr: errBoom}); !errors.Is(err, errBoom) || len(got) != 0 {
		t.Fatalf("cannot ask: %v, requests %q", err, got)
	}
	a.answers = map[QuestionKind]bool{QuestionCancel: true}
	if err := Cancel(context.Background(), f.client(), u, a); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{`POST /v1/holder/cancel {"password":"` + testPassword + `"}`}) || Exists(u.Wallet.Dir) {
		t.Errorf("requests %q; wallet file still there: %v", got, Exists(u.Wallet.Dir))
	}
}

func TestUnlockWith(t *testing.T) {
	f := newFakePlatform(t)
	u := f.adult(t)
	got, err := UnlockWith(context.Background(), u.Wallet.Dir, &asker{secrets: map[Secret]string{CredentialPassword: testPassword}})
	if err != nil || got.Wallet.CredentialID != u.Wallet.CredentialID {
		t.Fatalf("UnlockWith: %v", err)
	}
	if _, err := UnlockWith(context.Background(), u.Wallet.Dir, &asker{secrets: map[Secret]string{CredentialPassword: "99999999"}}); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := UnlockWith(context.Background(), u.Wallet.Dir, &asker{}); !errors.Is(err, ErrNoAnswer) {
		t.Errorf("no password: %v", err)
	}
	if _, err := UnlockWith(context.Background(), t.TempDir(), &asker{}); !errors.Is(err, ErrNoWallet) {
		t.Errorf("no wallet: %v", err)
	}
}

// TestApplyRefusesToReplace: a directory holding a credential is not
// applied into without Replace, and nothing is started.
func TestApplyRefusesToReplace(t *testing.T) {
	f := newFakePlatform(t)
	o := f.options(t, adultBirth)
	if _, err := Apply(context.Background(), f.client(), o); err != nil {
		t.Fatal(err)
	}
	started := f.count("POST /v1/applications")
	if _, err := Apply(context.Background(), f.client(), o); !errors.Is(err, ErrCredentialExists) {
		t.Fatalf("applying over a credential: %v", err)
	}
	if f.count("POST /v1/applications") != started {
		t.Fatal("an application was started although the wallet holds a credential")
	}
	o.Replace = true
	if _, err := Apply(context.Background(), f.client(), o); err != nil {
		t.Fatalf("with Replace: %v", err)
	}
}

func TestAddAndOpenEID(t *testing.T) {
	p := newEIDPKI(t)
	dir, _ := eidWallet(t, eidIdentity)
	doc := p.writeChipFile(t, eidIdentity, nil)
	a := &asker{secrets: map[Secret]string{CredentialPassword: testPassword, NewUsagePassword: testUsagePassword, UsagePassword: testUsagePassword}}
	card, err := AddEID(context.Background(), dir, doc, p.trust, testNow, a, SaveOptions{KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	if !card.Authenticated || !slices.Equal(a.asked, []string{"secret:credential password", "secret:new eID usage password"}) {
		t.Fatalf("card authenticated %v; asked %q", card.Authenticated, a.asked)
	}
	a.asked = nil
	opened, err := OpenEIDWith(context.Background(), dir, a)
	if err != nil || opened.Identity != eidIdentity || !slices.Equal(a.asked, []string{"secret:eID usage password"}) {
		t.Fatalf("OpenEIDWith: %v, asked %q", err, a.asked)
	}
	// Another person's document: refused after unlocking, before the
	// usage password is asked.
	other := eidIdentity
	other.Number, other.Name = "11010119900307001X", "王五"
	a.asked = nil
	if _, err := AddEID(context.Background(), dir, p.writeChipFile(t, other, nil), p.trust, testNow, a, SaveOptions{KDF: testKDF}); !errors.Is(err, ErrEIDMismatch) {
		t.Fatalf("another person's document: %v", err)
	}
	if slices.Contains(a.asked, "secret:new eID usage password") {
		t.Error("asked for a usage password for another person's document")
	}
	// No card: ErrNoEID, nothing asked.
	empty, _ := eidWallet(t, eidIdentity)
	a.asked = nil
	if _, err := OpenEIDWith(context.Background(), empty, a); !errors.Is(err, ErrNoEID) || len(a.asked) != 0 {
		t.Fatalf("no card: %v, asked %q", err, a.asked)
	}
}

// TestShowEIDCodes: a code per renewal, each fresh and valid for the
// window from its own time, until the context ends.
func TestShowEIDCodes(t *testing.T) {
	_, u := eidWallet(t, eidIdentity)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks := make(chan time.Time)
	a := &asker{}
	go func() {
		for i := 1; i <= 2; i++ {
			ticks <- testNow.Add(time.Duration(i) * EIDRefresh)
		}
		cancel()
	}()
	if err := ShowEIDCodes(ctx, u, EIDCodeOptions{Now: func() time.Time { return testNow }, Ticks: ticks}, a); err != nil {
		t.Fatal(err)
	}
	if len(a.shown) != 3 {
		t.Fatalf("%d codes shown, want 3", len(a.shown))
	}
	seen := map[string]bool{}
	for i, c := range a.shown {
		at := testNow.Add(time.Duration(i) * EIDRefresh)
		if c.Seq != i || c.Offline || !c.ValidUntil.Equal(at.Add(eid.Window)) || !c.Next.Equal(at.Add(EIDRefresh)) || seen[c.Payload] {
			t.Fatalf("code %d: %+v", i, c)
		}
		seen[c.Payload] = true
		o, err := eid.ParseOnline(c.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Verify(&u.DeviceKey.PublicKey, at); err != nil {
			t.Fatalf("code %d at its own time: %v", i, err)
		}
	}

	// Once, offline, with the claims asked for.
	a = &asker{}
	if err := ShowEIDCodes(context.Background(), u, EIDCodeOptions{Once: true, Offline: true, Disclose: []string{"name"}, Now: func() time.Time { return testNow }}, a); err != nil {
		t.Fatal(err)
	}
	if len(a.shown) != 1 || !a.shown[0].Offline || !a.shown[0].Next.IsZero() || !strings.HasPrefix(a.shown[0].Payload, eid.PrefixOffline) {
		t.Fatalf("once offline: %+v", a.shown)
	}
	// Refusals: claims without offline, an expired credential, a display
	// that fails.
	if err := ShowEIDCodes(context.Background(), u, EIDCodeOptions{Once: true, Disclose: []string{"name"}}, &asker{}); !errors.Is(err, ErrOptions) {
		t.Errorf("disclose online: %v", err)
	}
	late := func() time.Time { return u.Wallet.ExpiresAt }
	if err := ShowEIDCodes(context.Background(), u, EIDCodeOptions{Once: true, Now: late}, &asker{}); !errors.Is(err, ErrCredentialExpired) {
		t.Errorf("expired: %v", err)
	}
	if err := ShowEIDCodes(context.Background(), u, EIDCodeOptions{Once: true, Now: func() time.Time { return testNow }}, &asker{showErr: errBoom}); !errors.Is(err, errBoom) {
		t.Errorf("display failing: %v", err)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
