package server

import (
	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/proofing"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
)

// The verification routes (verification.go): sessions, the wallet's
// answers, guardians' consents, the record history, the callback.

var levels = map[verification.Level]api.Level{
	verification.LevelPossession: api.LevelPossession,
	verification.LevelPassword:   api.LevelPassword,
	verification.LevelFace:       api.LevelFace,
}

var sessionStates = map[storage.SessionState]api.SessionState{
	storage.SessionPending:          api.SessionPending,
	storage.SessionClaimed:          api.SessionClaimed,
	storage.SessionAwaitingGuardian: api.SessionAwaitingGuardian,
	storage.SessionApproved:         api.SessionApproved,
	storage.SessionDeclined:         api.SessionDeclined,
	storage.SessionCancelled:        api.SessionCancelled,
	storage.SessionExpired:          api.SessionExpired,
	storage.SessionFailed:           api.SessionFailed,
}

// rpCategories maps storage's relying party categories (untyped strings).
var rpCategories = map[string]api.RPCategory{
	storage.CategoryInternetService: api.CategoryInternetService,
	storage.CategoryInPerson:        api.CategoryInPerson,
}

// recordChannels maps the channels the packages that write records
// declare.
var recordChannels = map[string]api.RecordChannel{
	verification.ChannelSession:      api.ChannelSession,
	verification.ChannelOIDC:         api.ChannelOIDC,
	verification.ChannelPresentation: api.ChannelPresentation,
	eidverify.Channel:                api.ChannelEID,
	audit.ChannelLifecycle:           api.ChannelLifecycle,
	proofing.ChannelCounter:          api.ChannelCounter,
}

// recordOutcomes maps the outcomes the packages that write records
// declare: a verification's final session state, an offline presentation,
// an in-person check, and the lifecycle's and proofing's actions.
// eidverify.OutcomeApproved and OutcomeFailed, and lifecycle.OutcomeCancelled,
// are the strings of the session states of the same names, so they share
// their entries (the tests check that they stay so).
var recordOutcomes = map[string]api.RecordOutcome{
	string(storage.SessionApproved):       api.OutcomeApproved,
	string(storage.SessionDeclined):       api.OutcomeDeclined,
	string(storage.SessionCancelled):      api.OutcomeCancelled,
	string(storage.SessionExpired):        api.OutcomeExpired,
	string(storage.SessionFailed):         api.OutcomeFailed,
	verification.OutcomeReportedByHolder:  api.OutcomeReportedByHolder,
	verification.OutcomeGuardianConsented: api.OutcomeGuardianConsented,
	// Offline presentations reported before the outcome above existed.
	"presented": api.OutcomePresented,

	lifecycle.OutcomeSuspendedByHolder:   api.OutcomeSuspendedByHolder,
	lifecycle.OutcomeResumedByHolder:     api.OutcomeResumedByHolder,
	lifecycle.OutcomeSuspendedByOperator: api.OutcomeSuspendedByOperator,
	lifecycle.OutcomeResumedByOperator:   api.OutcomeResumedByOperator,
	lifecycle.OutcomeRevokedByOperator:   api.OutcomeRevokedByOperator,
	lifecycle.OutcomePasswordChanged:     api.OutcomePasswordChanged,
	lifecycle.OutcomePhoneChanged:        api.OutcomePhoneChanged,
	lifecycle.OutcomeConsentWithdrawn:    api.OutcomeConsentWithdrawn,

	proofing.OutcomeIssued:        api.OutcomeCredentialIssued,
	proofing.OutcomeDeviceChanged: api.OutcomeDeviceChanged,
	proofing.OutcomeReportedLost:  api.OutcomeReportedLost,
	proofing.OutcomeRecovered:     api.OutcomeResumedAfterRecovery,
	proofing.OutcomeReissued:      api.OutcomeReissuedAfterRecovery,
	proofing.OutcomePasswordReset: api.OutcomePasswordReset,
	proofing.OutcomePhoneReplaced: api.OutcomePhoneReplaced,

	proofing.OutcomeAppliedAtCounter: api.OutcomeAppliedAtCounter,
	proofing.OutcomeWanghaoAtCounter: api.OutcomeWanghaoIssuedAtCounter,
}

// storedLevel maps a level stored as a string (sessions, records).
func storedLevel(s string) api.Level { return toAPI(levels, verification.Level(s)) }

// verificationCreated answers a new session; qrURL is where the QR code of
// its link is rendered.
func verificationCreated(c verification.Created, qrURL string) api.VerificationCreated {
	return api.VerificationCreated{
		ID: c.Session.ID, State: toAPI(sessionStates, c.Session.State), Code: c.Code,
		Link: c.Link.String(), HTTPSLink: c.Link.HTTPS(), QRURL: qrURL, ExpiresAt: c.Session.ExpiresAt,
	}
}

func verificationStatus(sess storage.Session, result string) api.VerificationStatus {
	return api.VerificationStatus{
		ID: sess.ID, State: toAPI(sessionStates, sess.State), Level: storedLevel(sess.Level), LevelReached: storedLevel(sess.LevelReached),
		Provided: sess.Provided, Result: result, Error: sess.Error, ExpiresAt: sess.ExpiresAt,
	}
}

func verificationCallback(sess storage.Session, result string) api.VerificationCallback {
	return api.VerificationCallback{ID: sess.ID, State: toAPI(sessionStates, sess.State), Result: result}
}

func answerResult(sess storage.Session) api.AnswerResult {
	return api.AnswerResult{State: toAPI(sessionStates, sess.State), Level: storedLevel(sess.LevelReached), Provided: sess.Provided}
}

func prompt(p verification.Prompt) api.Prompt {
	return api.Prompt{
		SessionID: p.SessionID,
		RelyingParty: api.PromptRelyingParty{
			ID: p.RP.ID, Name: p.RP.Name, Domains: p.RP.Domains, Category: toAPI(rpCategories, p.RP.Category), LegalBasis: p.RP.LegalBasis,
			Alternative: alternative(p.RP.AltURL, p.RP.AltText),
		},
		Purpose: p.Purpose, Level: toAPI(levels, p.Level), Claims: p.Claims, Plaintext: p.Plaintext,
		FaceChallenge: p.FaceChallenge, FaceImageHash: p.FaceImageHash, ExpiresAt: p.ExpiresAt, GuardianConsent: p.GuardianConsent,
	}
}

// alternative is a relying party's other way in, nil if it named none.
func alternative(url, text string) *api.Alternative {
	if url == "" && text == "" {
		return nil
	}
	return &api.Alternative{URL: url, Text: text}
}

func consentRequests(rs []verification.GuardianRequest) api.ConsentRequestList {
	out := api.ConsentRequestList{Requests: make([]api.ConsentRequest, 0, len(rs))}
	for _, r := range rs {
		out.Requests = append(out.Requests, api.ConsentRequest{
			SessionID: r.SessionID, Ward: r.Ward, RelyingParty: r.RPName, Domains: r.RPDomains,
			Purpose: r.Purpose, Claims: r.Claims, ExpiresAt: r.ExpiresAt,
		})
	}
	return out
}

// record is a record as its holder (or an under-14 ward's guardian) sees
// it. A record the holder reported names no relying party, only the
// audience the holder gave, so it never reads as the relying party's act
// (records reported before the platform stored them so named the relying
// party: they are shown the same way).
func record(r storage.Record) api.Record {
	out := api.Record{
		Seq: r.Seq, Time: r.Time, RelyingParty: r.RPName, RPID: r.RPID,
		Channel: toAPI(recordChannels, r.Channel), Level: storedLevel(r.Level), Provided: r.Provided,
		Outcome: toAPI(recordOutcomes, r.Outcome), Guardian: r.GuardianID != "",
	}
	if verification.ReportedByHolder(r) {
		out.ReportedBy, out.Audience = api.ReportedByHolder, r.RPName
		out.RelyingParty, out.RPID = "", ""
	}
	caseRecord(r, &out)
	return out
}

func history(rs []storage.Record) api.History {
	out := api.History{Records: make([]api.Record, 0, len(rs))}
	for _, r := range rs {
		out.Records = append(out.Records, record(r))
	}
	return out
}
