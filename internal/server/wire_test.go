package server

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/proofing"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/verification"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/wire/*.json from the current encoding")

// Fixed times in a zone other than UTC and with nanoseconds, so that the
// golden files pin how times are written.
var (
	wireT1 = time.Date(2025, 7, 15, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	wireT2 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

func wireView() proofing.View {
	return proofing.View{
		ID: "app-1", Kind: storage.KindRecover, State: storage.StateFace, DocumentType: document.ResidentIDCard,
		ExpiresAt: wireT1, Minor: "14_to_17", OnBehalf: true, FaceChallenge: "challenge-1", FaceImageHash: "hash-1",
		Actions: []string{proofing.ActionSuspend, proofing.ActionResume, proofing.ActionReissue}, DeviceNonce: "nonce-1", CredentialID: "cred-1",
	}
}

func wireAccount() lifecycle.Account {
	return lifecycle.Account{
		Wanghao: "AB12****XYZ", Full: false, CredentialID: "cred-1", Status: lifecycle.StateSuspended,
		StatusBy: storage.OperatorOver(storage.StatusByHolder), StatusReason: "手机丢失", IssuedAt: wireT1, ExpiresAt: wireT2,
		DocumentType: document.Passport, DocumentValidUntil: "2030-01-01", Phone: "138****0000",
		DeviceKeyThumbprint: "thumb-1", DeviceKeyIssuedAt: wireT1,
	}
}

func wirePersonView() lifecycle.PersonView {
	at := wireT2
	return lifecycle.PersonView{
		Wanghao: "AB12-CD34-EF56-GH78", State: string(storage.PersonCancelled), CreatedAt: wireT1, CancelledAt: &at, Guardian: true,
		Credentials: []lifecycle.CredentialView{
			{ID: "cred-2", State: lifecycle.StateRevoked, StatusBy: storage.StatusByOperator, StatusReason: "挂失", StatusList: "list-1", StatusIndex: 7, DeviceKeyID: "thumb-2", IssuedAt: wireT1, ExpiresAt: wireT2, UpdatedAt: wireT2},
			{ID: "cred-1", State: lifecycle.StateActive, StatusList: "list-1", StatusIndex: 3, DeviceKeyID: "thumb-1", IssuedAt: wireT1, ExpiresAt: wireT2, UpdatedAt: wireT1},
		},
		Changed: []string{"cred-2"},
	}
}

func wirePrompt() verification.Prompt {
	p := verification.Prompt{
		SessionID: "sess-1", Purpose: "开户", Level: verification.LevelFace, Claims: []string{"verified", "sub", "age_over_18"},
		Plaintext: []string{"name"}, FaceChallenge: "challenge-2", FaceImageHash: "hash-2", ExpiresAt: wireT1, GuardianConsent: true,
	}
	p.RP.ID, p.RP.Name, p.RP.Domains, p.RP.Category, p.RP.LegalBasis = "bank", "银行", []string{"bank.example"}, storage.CategoryInternetService, "反洗钱法"
	return p
}

func wireEIDResult() eidverify.Result {
	yes := true
	return eidverify.Result{
		Verified: true, Kind: relyingparty.KindHotel, CheckedAt: wireT1,
		Provided:   []eidverify.Field{eidverify.FieldName, eidverify.FieldNumber, eidverify.FieldPhoto, eidverify.FieldSex, eidverify.FieldAdult, eidverify.FieldValidUntil},
		NameMasked: "张*三", NumberPartial: "110101********1234", Photo: "data:image/png;base64,AAAA", Sex: "M", AgeOver18: &yes,
		DocumentValidUntil: eidverify.LongTerm,
	}
}

func wireRecords() []storage.Record {
	return []storage.Record{
		{Seq: 9, ID: "rec-9", Time: wireT1, PersonID: "p-1", RPID: "bank", RPName: "银行", Channel: verification.ChannelSession, Level: string(verification.LevelPassword), Provided: []string{"verified", "sub"}, Outcome: string(storage.SessionApproved), GuardianID: "g-1"},
		{Seq: 8, ID: "rec-8", Time: wireT2, PersonID: "p-1", RPName: "netid", Channel: "lifecycle", Outcome: lifecycle.OutcomeSuspendedByHolder},
	}
}

// wireCases are representative responses as the server writes them.
func wireCases() map[string]any {
	view := wireView()
	minimal := proofing.View{ID: "app-2", Kind: storage.KindApply, State: storage.StateDocument, DocumentType: document.ResidentIDCard, ExpiresAt: wireT2}
	active := lifecycle.Account{Wanghao: "AB12****XYZ", CredentialID: "cred-1", Status: lifecycle.StateActive, IssuedAt: wireT1, ExpiresAt: wireT2, DeviceKeyThumbprint: "thumb-1", DeviceKeyIssuedAt: wireT1}
	ageCheck := eidverify.Result{Verified: true, Kind: relyingparty.KindAgeCheck, CheckedAt: wireT2, Provided: []eidverify.Field{eidverify.FieldAdult}, AgeOver18: new(bool)}
	return map[string]any{
		"application":         application(view),
		"application-minimal": application(minimal),
		"application-started": startedApplication(proofing.Started{View: minimal, Token: "token-1"}),
		"credential-issued":   issuedCredential(proofing.Issued{Wanghao: "AB12CD34EF56GH78", CredentialID: "cred-1", Credential: "eyJ~", ExpiresAt: wireT2}),
		"guardian-requests": guardianRequests([]proofing.GuardianRequest{
			{ApplicationID: "app-3", DocumentType: document.ResidentIDCard, Name: "李*", Age: 15, CreatedAt: wireT1, ExpiresAt: wireT2},
		}),
		"guardian-requests-empty": guardianRequests([]proofing.GuardianRequest{}),
		"account":                 account(wireAccount()),
		"account-active":          account(active),
		"platforms": platforms([]lifecycle.Platform{
			{RPID: "bank", Name: "银行", Domains: []string{"bank.example"}, Category: storage.CategoryInternetService, Claims: []string{"age_over_18"}, Plaintext: []string{"name"}, GuardianConsent: true, GrantedAt: wireT1, UpdatedAt: wireT2},
			{RPID: "gone", Name: "gone", Claims: []string{}, GrantedAt: wireT1, UpdatedAt: wireT1},
		}),
		"wards":                 wards([]lifecycle.Ward{{PersonID: "p-2", Name: "李*", Age: 9, ConsentNeeded: true}, {PersonID: "p-3", Name: "王*", Age: 15}}),
		"operator-view":         personView(wirePersonView()),
		"operator-view-minimal": personView(lifecycle.PersonView{Wanghao: "AB12-CD34-EF56-GH78", State: string(storage.PersonActive), CreatedAt: wireT1, Credentials: []lifecycle.CredentialView{}}),
		"prompt":                prompt(wirePrompt()),
		"prompt-minimal":        prompt(verification.Prompt{SessionID: "sess-2", Purpose: "登录", Level: verification.LevelPossession, Claims: []string{"verified", "sub"}, ExpiresAt: wireT2}),
		"consent-requests": consentRequests([]verification.GuardianRequest{
			{SessionID: "sess-3", Ward: "李*", RPName: "游戏", RPDomains: []string{"game.example"}, Purpose: "注册", Claims: []string{"verified", "sub"}, ExpiresAt: wireT1},
		}),
		"callback":          verificationCallback(storage.Session{ID: "sess-1", State: storage.SessionApproved}, "eyJ.x.y"),
		"callback-declined": verificationCallback(storage.Session{ID: "sess-1", State: storage.SessionDeclined}, ""),
		"history":           history(wireRecords()),
		"history-empty":     history(nil),
		"eid-result":        eidResult(wireEIDResult()),
		"eid-result-age":    eidResult(ageCheck),

		"verification-created":       api.VerificationCreated{ID: "sess-1", State: toAPI(sessionStates, storage.SessionPending), Code: "code-1", Link: "netid://verify?code=code-1", HTTPSLink: "https://netid.example/wallet/verify?code=code-1", QRURL: "https://netid.example/v1/verifications/sess-1/qr?code=code-1", ExpiresAt: wireT1},
		"verification-status":        verificationStatus(storage.Session{ID: "sess-1", State: storage.SessionApproved, Level: string(verification.LevelPassword), LevelReached: string(verification.LevelFace), Provided: []string{"verified", "sub"}, ExpiresAt: wireT1}, "eyJ.x.y"),
		"verification-status-failed": verificationStatus(storage.Session{ID: "sess-2", State: storage.SessionFailed, Level: string(verification.LevelPossession), Error: "no-longer-usable", ExpiresAt: wireT2}, ""),
		"answer-result":              answerResult(storage.Session{State: storage.SessionAwaitingGuardian}),
		"answer-result-approved":     answerResult(storage.Session{State: storage.SessionApproved, LevelReached: string(verification.LevelPassword), Provided: []string{"verified", "sub", "age_over_18"}}),
		"credential-info":            api.CredentialInfo{CredentialID: "cred-1", Wanghao: "AB12CD34EF56GH78", Status: toAPI(credentialStatuses, storage.CredentialActive), IssuedAt: wireT1.Format(timeFormat), ExpiresAt: wireT2.Format(timeFormat)},
		"sms-message":                api.SMSMessage{To: "+8613800000000", Text: "验证码 123456", Code: "123456"},
	}
}

type fakeHeads []storage.Head

func (h fakeHeads) ListHeads(context.Context) ([]storage.Head, error) { return h, nil }

// TestWireGoldenHandlers pins the responses that handlers build on their
// own: the discovery document, health and the audit head.
func TestWireGoldenHandlers(t *testing.T) {
	s := &Server{PublicURL: "https://netid.example", Dev: &Dev{}, Heads: fakeHeads{{Seq: 100, Hash: []byte{1, 2, 3}, Time: wireT1, Signature: "eyJ.h.s"}}}
	for name, h := range map[string]func(http.ResponseWriter, *http.Request) error{
		"configuration": s.configuration,
		"healthz":       s.healthz,
		"audit-head":    s.auditHead,
	} {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := h(w, httptest.NewRequest(http.MethodGet, "/", nil)); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".json", w.Body.Bytes())
		})
	}
}

// TestConfigurationNamesTheSuite: the discovery document's
// signing_alg_values_supported is the one algorithm of the platform's
// crypto suite, from which wallets choose their device keys' suite.
func TestConfigurationNamesTheSuite(t *testing.T) {
	for st, want := range map[suite.Suite]string{{}: "ES256", suite.ES256: "ES256", suite.SM: "SM2"} {
		s := &Server{PublicURL: "https://netid.example", Suite: st}
		w := httptest.NewRecorder()
		if err := s.configuration(w, httptest.NewRequest(http.MethodGet, "/", nil)); err != nil {
			t.Fatal(err)
		}
		var c api.Configuration
		if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		if len(c.SigningAlgorithms) != 1 || c.SigningAlgorithms[0] != want {
			t.Errorf("suite %q: signing algorithms %q, want [%q]", st, c.SigningAlgorithms, want)
		}
	}
}

// TestWireGoldenProblem pins a problem document as WriteError writes it
// for an English-speaking client.
func TestWireGoldenProblem(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept-Language", "en")
	httpx.WriteError(w, r, nil, problem(fmt.Errorf("proofing: %w", &proofing.StateError{Have: storage.StateFace, Want: []storage.ApplicationState{storage.StatePhone}})))
	golden(t, "problem-wrong-state.json", w.Body.Bytes())
}

// golden compares got with testdata/wire/file, or writes it there with
// -update.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "wire", file)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed:\ngot  %s\nwant %s", path, got, want)
	}
}

// TestWireGolden pins the encoding of representative responses: the
// golden files were written from the encoding the platform has always
// used, so a change to a type or a mapping that alters one byte fails.
func TestWireGolden(t *testing.T) {
	for name, v := range wireCases() {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(v) // as httpx.WriteJSON
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".json", append(got, '\n'))
		})
	}
}
