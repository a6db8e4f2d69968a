package api

import "time"

// Verifications (核验): the relying parties' session API
// (/v1/verifications, client authentication), the wallet's side of it
// (/v1/wallet/verifications/…, holder proofs), a guardian's consents for
// an under-14 ward (/v1/guardian/consents), the verification records a
// holder reads (/v1/wallet/history) and the callback a relying party
// receives.

// Level is an assurance level: what the holder proved.
type Level string

// The levels, from low to high.
const (
	// LevelPossession: the device key signed (eIDAS low).
	LevelPossession Level = "possession"
	// LevelPassword: and the credential password (substantial).
	LevelPassword Level = "password"
	// LevelFace: and a live face check (high).
	LevelFace Level = "face"
)

// The levels' OpenID Connect acr values, which VerificationRequest.Level
// also accepts.
const (
	ACRPossession = "urn:netid:acr:possession"
	ACRPassword   = "urn:netid:acr:password"
	ACRFace       = "urn:netid:acr:face"
)

// Valid reports whether l is one of the levels (by name).
func (l Level) Valid() bool {
	return l == LevelPossession || l == LevelPassword || l == LevelFace
}

// AtLeast reports whether l satisfies the minimum m: possession <
// password < face. An unknown level satisfies nothing.
func (l Level) AtLeast(m Level) bool { return l.rank() > 0 && l.rank() >= m.rank() }

func (l Level) rank() int {
	switch l {
	case LevelPossession:
		return 1
	case LevelPassword:
		return 2
	case LevelFace:
		return 3
	}
	return 0
}

// ParseLevel reads a requested level: a level's name or its acr value;
// empty means LevelPossession. ok is false for anything else.
func ParseLevel(s string) (l Level, ok bool) {
	switch s {
	case "", string(LevelPossession), ACRPossession:
		return LevelPossession, true
	case string(LevelPassword), ACRPassword:
		return LevelPassword, true
	case string(LevelFace), ACRFace:
		return LevelFace, true
	}
	return "", false
}

// SessionState is where a verification session stands.
type SessionState string

// Session states.
const (
	// SessionPending: created; no wallet opened the code yet.
	SessionPending SessionState = "pending"
	// SessionClaimed: a wallet opened the code; only it may answer.
	SessionClaimed SessionState = "claimed"
	// SessionAwaitingGuardian: an under-14 holder approved; the guardian
	// must consent for this relying party.
	SessionAwaitingGuardian SessionState = "awaiting_guardian"
	// Final states.
	SessionApproved  SessionState = "approved"
	SessionDeclined  SessionState = "declined"
	SessionCancelled SessionState = "cancelled"
	SessionExpired   SessionState = "expired"
	SessionFailed    SessionState = "failed"
)

// Valid reports whether s is one of the session states.
func (s SessionState) Valid() bool {
	switch s {
	case SessionPending, SessionClaimed, SessionAwaitingGuardian,
		SessionApproved, SessionDeclined, SessionCancelled, SessionExpired, SessionFailed:
		return true
	}
	return false
}

// Decision is a holder's or a guardian's answer.
type Decision string

// Decisions.
const (
	DecisionApprove Decision = "approve"
	DecisionDecline Decision = "decline"
)

// Valid reports whether d is approve or decline.
func (d Decision) Valid() bool { return d == DecisionApprove || d == DecisionDecline }

// RPCategory is a relying party's category.
type RPCategory string

// Relying party categories.
const (
	// CategoryInternetService verifies online.
	CategoryInternetService RPCategory = "internet_service"
	// CategoryInPerson checks the electronic ID card in person.
	CategoryInPerson RPCategory = "in_person"
)

// Valid reports whether c is one of the categories.
func (c RPCategory) Valid() bool { return c == CategoryInternetService || c == CategoryInPerson }

// VerificationRequest is a relying party's request, POST /v1/verifications.
type VerificationRequest struct {
	// Level is the minimum asked for: a Level's name or its acr value
	// (ParseLevel); empty means LevelPossession.
	Level       string   `json:"level,omitempty"`
	Claims      []string `json:"claims,omitempty"`
	Purpose     string   `json:"purpose"`
	CallbackURL string   `json:"callback_url,omitempty"`
	Nonce       string   `json:"nonce,omitempty"`
	// Subject pins the session to a known person (their pairwise sub).
	Subject string `json:"subject,omitempty"`
}

// VerificationCreated answers VerificationRequest (201, Location the
// session): the code as a netid:// link, its https form, and QRURL, where
// a PNG QR code of the link is rendered on demand (GET, no client
// authentication: the code in it makes it unguessable; usable as an <img>
// src; cached until the session expires).
type VerificationCreated struct {
	ID        string       `json:"id"`
	State     SessionState `json:"state"`
	Code      string       `json:"code"`
	Link      string       `json:"link"`
	HTTPSLink string       `json:"https_link"`
	QRURL     string       `json:"qr_url"`
	ExpiresAt time.Time    `json:"expires_at"`
}

// VerificationStatus is what a relying party reads,
// GET and DELETE /v1/verifications/{id}.
type VerificationStatus struct {
	ID    string       `json:"id"`
	State SessionState `json:"state"`
	// Level is the minimum asked for; LevelReached what the holder proved.
	Level        Level    `json:"level"`
	LevelReached Level    `json:"level_reached,omitempty"`
	Provided     []string `json:"provided,omitempty"`
	// Result is the signed result (a netid-result+jwt) of an approved
	// session.
	Result string `json:"result,omitempty"`
	// Error is the problem type slug of a failed session.
	Error     string    `json:"error,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// VerificationCallback is what the relying party's callback URL receives
// when a session ends: Result as in VerificationStatus.
type VerificationCallback struct {
	ID     string       `json:"id"`
	State  SessionState `json:"state"`
	Result string       `json:"result,omitempty"`
}

// SessionCodeRequest names a session by its code,
// POST /v1/wallet/verifications/open.
type SessionCodeRequest struct {
	Code string `json:"code"`
}

// Prompt is what the wallet shows before the holder answers: the answer
// to SessionCodeRequest.
type Prompt struct {
	SessionID    string             `json:"session_id"`
	RelyingParty PromptRelyingParty `json:"relying_party"`
	Purpose      string             `json:"purpose"`
	Level        Level              `json:"level"`
	// Claims are shared on approval: the result, the pairwise identifier,
	// and the identifiers and age markers asked for.
	Claims []string `json:"claims"`
	// Plaintext are plaintext fields asked for: shared only with the
	// holder's separate consent (AnswerRequest.PlaintextConsent).
	Plaintext []string `json:"plaintext,omitempty"`
	// FaceChallenge and FaceImageHash are set at LevelFace.
	FaceChallenge string    `json:"face_challenge,omitempty"`
	FaceImageHash string    `json:"face_image_hash,omitempty"`
	ExpiresAt     time.Time `json:"expires_at"`
	// GuardianConsent says a guardian must consent before the result is
	// given (an under-14 holder's first use of this relying party).
	GuardianConsent bool `json:"guardian_consent,omitempty"`
}

// PromptRelyingParty is who asks, as the wallet shows them.
type PromptRelyingParty struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Domains  []string   `json:"domains"`
	Category RPCategory `json:"category"`
	// LegalBasis is the law under which it may receive plaintext fields.
	LegalBasis string `json:"legal_basis,omitempty"`
	// Alternative is the other way in it offers people who do not use a
	// 网号; absent if it named none.
	Alternative *Alternative `json:"alternative,omitempty"`
}

// Alternative is a relying party's other way in for people who do not use
// a 网号: an address, a description, or both.
type Alternative struct {
	URL  string `json:"url,omitempty"`
	Text string `json:"text,omitempty"`
}

// AnswerRequest is the holder's answer, POST /v1/wallet/verifications/answer.
type AnswerRequest struct {
	Code     string   `json:"code"`
	Decision Decision `json:"decision"`
	// Password is needed from LevelPassword, FaceAttestation at LevelFace.
	Password        string `json:"password,omitempty"`
	FaceAttestation string `json:"face_attestation,omitempty"`
	// PlaintextConsent is the separate consent to the plaintext fields.
	PlaintextConsent bool `json:"plaintext_consent,omitempty"`
}

// AnswerResult tells the wallet how the session ended, or that it waits
// for the guardian: the answer to AnswerRequest and to a guardian's
// DecisionRequest on a consent.
type AnswerResult struct {
	State    SessionState `json:"state"`
	Level    Level        `json:"level_reached,omitempty"`
	Provided []string     `json:"provided,omitempty"`
}

// DecisionRequest is a guardian's decision on a minor's application
// (POST /v1/guardian/requests/{id}, answered 204) or on a ward's
// verification (POST /v1/guardian/consents/{id}, answered AnswerResult),
// confirmed with the guardian's credential password.
type DecisionRequest struct {
	Decision Decision `json:"decision"`
	Password string   `json:"password"`
}

// ConsentRequest is an under-14 ward's verification waiting for the
// guardian's consent.
type ConsentRequest struct {
	SessionID string `json:"session_id"`
	// Ward is the ward's name, masked (张*三).
	Ward         string    `json:"ward"`
	RelyingParty string    `json:"relying_party"`
	Domains      []string  `json:"domains"`
	Purpose      string    `json:"purpose"`
	Claims       []string  `json:"claims"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// ConsentRequestList answers GET /v1/guardian/consents.
type ConsentRequestList struct {
	Requests []ConsentRequest `json:"requests"`
}

// RecordChannel is how a verification record came about.
type RecordChannel string

// Record channels.
const (
	ChannelSession      RecordChannel = "session"
	ChannelOIDC         RecordChannel = "oidc"
	ChannelPresentation RecordChannel = "presentation"
	ChannelEID          RecordChannel = "eid"
	// ChannelLifecycle: the holder's, an operator's or the platform's
	// action on the network identity (RelyingParty is the platform).
	ChannelLifecycle RecordChannel = "lifecycle"
	// ChannelCounter: an application made at a counter (柜台), which
	// RelyingParty and RPID name.
	ChannelCounter RecordChannel = "counter"
)

// Valid reports whether c is one of the record channels.
func (c RecordChannel) Valid() bool {
	switch c {
	case ChannelSession, ChannelOIDC, ChannelPresentation, ChannelEID, ChannelLifecycle, ChannelCounter, ChannelCase:
		return true
	}
	return false
}

// RecordOutcome is how a recorded verification or action ended.
type RecordOutcome string

// Record outcomes.
const (
	// Verifications (channels session, oidc, eid; the final session
	// states).
	OutcomeApproved  RecordOutcome = "approved"
	OutcomeDeclined  RecordOutcome = "declined"
	OutcomeCancelled RecordOutcome = "cancelled" // also the network identity's cancellation (注销), channel lifecycle
	OutcomeExpired   RecordOutcome = "expired"
	OutcomeFailed    RecordOutcome = "failed"
	// OutcomeReportedByHolder is an offline presentation the holder
	// reported (本人申报): their own statement, not the relying party's
	// act (channel presentation, ReportedBy holder).
	OutcomeReportedByHolder RecordOutcome = "reported_by_holder"
	// OutcomePresented is an offline presentation reported by a wallet
	// before OutcomeReportedByHolder: the holder's statement as well.
	OutcomePresented RecordOutcome = "presented"

	// The holder's and operators' actions (channel lifecycle).
	OutcomeSuspendedByHolder   RecordOutcome = "suspended_by_holder"
	OutcomeResumedByHolder     RecordOutcome = "resumed_by_holder"
	OutcomeSuspendedByOperator RecordOutcome = "suspended_by_operator"
	OutcomeResumedByOperator   RecordOutcome = "resumed_by_operator"
	OutcomeRevokedByOperator   RecordOutcome = "revoked_by_operator"
	OutcomePasswordChanged     RecordOutcome = "password_changed"
	OutcomePhoneChanged        RecordOutcome = "phone_changed"
	OutcomeConsentWithdrawn    RecordOutcome = "consent_withdrawn"
	// OutcomeGuardianConsented: the guardian consented ahead to an
	// under-14 ward's use of a relying party (in the ward's history).
	OutcomeGuardianConsented RecordOutcome = "guardian_consented"

	// Issuance and re-proofing (channel lifecycle).
	OutcomeCredentialIssued      RecordOutcome = "credential_issued"
	OutcomeDeviceChanged         RecordOutcome = "device_changed"
	OutcomeReportedLost          RecordOutcome = "reported_lost"
	OutcomeResumedAfterRecovery  RecordOutcome = "resumed_after_recovery"
	OutcomeReissuedAfterRecovery RecordOutcome = "reissued_after_recovery"
	OutcomePasswordReset         RecordOutcome = "password_reset"
	OutcomePhoneReplaced         RecordOutcome = "phone_replaced"

	// Counter applications (channel counter).
	OutcomeAppliedAtCounter       RecordOutcome = "applied_at_counter"
	OutcomeWanghaoIssuedAtCounter RecordOutcome = "wanghao_issued_at_counter"
)

// Valid reports whether o is one of the record outcomes.
func (o RecordOutcome) Valid() bool {
	switch o {
	case OutcomeApproved, OutcomeDeclined, OutcomeCancelled, OutcomeExpired, OutcomeFailed, OutcomePresented, OutcomeReportedByHolder,
		OutcomeSuspendedByHolder, OutcomeResumedByHolder, OutcomeSuspendedByOperator, OutcomeResumedByOperator,
		OutcomeRevokedByOperator, OutcomePasswordChanged, OutcomePhoneChanged, OutcomeConsentWithdrawn, OutcomeGuardianConsented,
		OutcomeCredentialIssued, OutcomeDeviceChanged, OutcomeReportedLost, OutcomeResumedAfterRecovery,
		OutcomeReissuedAfterRecovery, OutcomePasswordReset, OutcomePhoneReplaced,
		OutcomeAppliedAtCounter, OutcomeWanghaoIssuedAtCounter:
		return true
	}
	return caseOutcome(o)
}

// Record is a verification record as the holder (or an under-14 ward's
// guardian) sees it. Records are history: a channel, level or outcome
// that this version does not name is shown as it was recorded.
type Record struct {
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
	// RelyingParty and RPID name who verified; both are empty in a
	// record the holder reported (ReportedBy), which names only the
	// Audience the holder gave.
	RelyingParty string `json:"relying_party"`
	RPID         string `json:"rp_id,omitempty"`
	// ReportedBy is ReportedByHolder when the record is the holder's own
	// statement (an offline presentation they reported, 本人申报), never
	// a relying party's act; empty otherwise.
	ReportedBy Reporter `json:"reported_by,omitempty"`
	// Audience is the audience a holder's report names, as they gave it.
	Audience string        `json:"audience,omitempty"`
	Channel  RecordChannel `json:"channel"`
	// Level is empty for the lifecycle channel.
	Level Level `json:"level"`
	// Provided are the claim names given; null when none were.
	Provided []string      `json:"provided"`
	Outcome  RecordOutcome `json:"outcome"`
	// Guardian reports that a guardian's consent was part of it.
	Guardian bool `json:"guardian_consent,omitempty"`
	// Case is the number of the case a record of channel case is a step
	// of.
	Case string `json:"case,omitempty"`
	// DisputedBy is the number of the holder's case disputing this
	// record, DisputeState where that case stands.
	DisputedBy   string    `json:"disputed_by,omitempty"`
	DisputeState CaseState `json:"dispute_state,omitempty"`
	// Hash is the record's hash in the log (base64url), its Merkle leaf
	// being SHA-256(0x00 || Hash) at index Seq-1; Inclusion is the RFC
	// 9162 inclusion proof of that leaf in the tree head given with the
	// record (base64url hashes). Both are absent when no tree head is
	// given.
	Hash      string   `json:"hash,omitempty"`
	Inclusion []string `json:"inclusion,omitempty"`
	// TreeHead is the tree head Inclusion leads to, on a record answered
	// alone (a history gives one head for all its records).
	TreeHead *TreeHead `json:"tree_head,omitempty"`
}

// Reporter is who stated what a record says, when it is not the platform
// recording a relying party's or its own act.
type Reporter string

// ReportedByHolder: the holder reported it (本人申报).
const ReportedByHolder Reporter = "holder"

// Valid reports whether r is one of the reporters.
func (r Reporter) Valid() bool { return r == ReportedByHolder }

// History answers GET /v1/wallet/history and
// GET /v1/guardian/wards/{id}/history (query before and limit page it),
// newest first.
type History struct {
	Records []Record `json:"records"`
	// TreeHead is the newest signed tree head of the record log; every
	// record comes with its inclusion proof in it.
	TreeHead *TreeHead `json:"tree_head,omitempty"`
}

// PresentationReport is the holder reporting an offline presentation for
// their own history, POST /v1/wallet/presentations (answered 201 with the
// Record, ReportedBy holder; 429 past the platform's daily limit per
// holder). The wallet sends it only when the holder asks.
type PresentationReport struct {
	Audience  string   `json:"audience"`
	Disclosed []string `json:"disclosed"`
}

// ConsentStatement is a guardian consent statement (a JWS of type
// netid-guardian-consent+jwt signed by the platform) for one audience and
// one credential's key: an under-14 holder's wallet puts it into the
// key-binding JWT of its presentations to that audience.
type ConsentStatement struct {
	Audience     string `json:"audience"`
	CredentialID string `json:"credential_id"`
	// KeyThumbprint is the RFC 7638 thumbprint of the credential's holder
	// key (the statement's cnf.jkt).
	KeyThumbprint string    `json:"key_thumbprint"`
	Statement     string    `json:"statement"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// ConsentStatements answers GET /v1/wallet/guardian-consents: the
// statements of every audience the holder's guardian consented to (none
// for a holder of 14 or more).
type ConsentStatements struct {
	Statements []ConsentStatement `json:"statements"`
}

// WardConsentRequest is POST /v1/guardian/wards/{id}/consents: a guardian
// consenting ahead to an under-14 ward's use of a relying party (its ID),
// or of in-person checks without the network ("netid:eid"), confirmed with
// the guardian's credential password (answered 201 with WardConsent).
type WardConsentRequest struct {
	Audience string `json:"audience"`
	Password string `json:"password"`
}

// WardConsent answers a WardConsentRequest.
type WardConsent struct {
	Audience string `json:"audience"`
}
