package api

import "time"

// Recourse (申诉与投诉): a holder's cases, /v1/holder/cases (holder
// proofs), and the operators' queue, /v1/admin/cases (the admin token).

// CaseKind is what a case is about.
type CaseKind string

// Case kinds.
const (
	// CaseAboutRecord disputes a record of the holder's history
	// (RecordSeq).
	CaseAboutRecord CaseKind = "record"
	// CaseAboutSuspension disputes an operator's suspension of the
	// holder's credential.
	CaseAboutSuspension CaseKind = "suspension"
	// CaseAboutRelyingParty complains about a relying party's conduct
	// (RPID).
	CaseAboutRelyingParty CaseKind = "relying_party"
)

// Valid reports whether k is one of the case kinds.
func (k CaseKind) Valid() bool {
	return k == CaseAboutRecord || k == CaseAboutSuspension || k == CaseAboutRelyingParty
}

// CaseGround is why a holder opens a case.
type CaseGround string

// Grounds. A record: not_me, wrong_details, other; a suspension:
// wrongly_suspended, other; a relying party: plaintext_again,
// no_other_way, other.
const (
	GroundNotMe            CaseGround = "not_me"
	GroundWrongDetails     CaseGround = "wrong_details"
	GroundWronglySuspended CaseGround = "wrongly_suspended"
	// GroundPlaintextAgain: the relying party asked for plaintext
	// identity data again after a check through the network identity.
	GroundPlaintextAgain CaseGround = "plaintext_again"
	// GroundNoOtherWay: the relying party offered no other lawful way in.
	GroundNoOtherWay CaseGround = "no_other_way"
	GroundOther      CaseGround = "other"
)

// Valid reports whether g is one of the grounds.
func (g CaseGround) Valid() bool {
	switch g {
	case GroundNotMe, GroundWrongDetails, GroundWronglySuspended, GroundPlaintextAgain, GroundNoOtherWay, GroundOther:
		return true
	}
	return false
}

// CaseState is where a case stands: open → answered → closed, or open →
// closed with the answer.
type CaseState string

// Case states.
const (
	CaseOpen     CaseState = "open"
	CaseAnswered CaseState = "answered"
	CaseClosed   CaseState = "closed"
)

// Valid reports whether s is one of the case states.
func (s CaseState) Valid() bool { return s == CaseOpen || s == CaseAnswered || s == CaseClosed }

// CaseResolution is how an operator closed a case.
type CaseResolution string

// Resolutions.
const (
	ResolutionUpheld    CaseResolution = "upheld"
	ResolutionNotUpheld CaseResolution = "not_upheld"
)

// Valid reports whether r is one of the resolutions.
func (r CaseResolution) Valid() bool { return r == ResolutionUpheld || r == ResolutionNotUpheld }

// CaseAction is what an operator did about an upheld case on closing it;
// absent for nothing.
type CaseAction string

// Actions.
const (
	// ActionDisableRelyingParty disables the relying party the case is
	// about.
	ActionDisableRelyingParty CaseAction = "disable_rp"
	// ActionLiftSuspension lifts the operator's suspension the case
	// disputes (a resumed_by_operator record follows in the history).
	ActionLiftSuspension CaseAction = "lift_suspension"
)

// Valid reports whether a is one of the actions.
func (a CaseAction) Valid() bool { return a == ActionDisableRelyingParty || a == ActionLiftSuspension }

// CaseOpenRequest opens a case, POST /v1/holder/cases (answered 201 with
// the Case). The statement is at most 1000 characters of plain text.
type CaseOpenRequest struct {
	Kind      CaseKind   `json:"kind"`
	Ground    CaseGround `json:"ground"`
	RecordSeq int64      `json:"record_seq,omitempty"`
	RPID      string     `json:"rp_id,omitempty"`
	Statement string     `json:"statement"`
}

// Case is a case as its holder (GET /v1/holder/cases/{number}) and
// operators (GET /v1/admin/cases/{number}) see it.
type Case struct {
	// Number is the case's number, to quote (SS-2026-000123).
	Number string     `json:"number"`
	Kind   CaseKind   `json:"kind"`
	Ground CaseGround `json:"ground"`
	// RecordSeq is the disputed record's seq (kind record).
	RecordSeq int64 `json:"record_seq,omitempty"`
	// RPID and RelyingParty name the relying party concerned, if any.
	RPID         string    `json:"rp_id,omitempty"`
	RelyingParty string    `json:"relying_party,omitempty"`
	State        CaseState `json:"state"`
	Statement    string    `json:"statement"`
	Answer       string    `json:"answer,omitempty"`
	// Resolution and Action are set once the case is closed.
	Resolution CaseResolution `json:"resolution,omitempty"`
	Action     CaseAction     `json:"action,omitempty"`
	// DueAt is the deadline of the operator's answer; Overdue reports
	// that it passed without one (or that the answer came after it).
	DueAt      time.Time  `json:"due_at"`
	Overdue    bool       `json:"overdue,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	// Wanghao is the holder's 网号, in operators' views only.
	Wanghao string `json:"wanghao,omitempty"`
}

// CaseList answers GET /v1/holder/cases (the holder's cases, oldest
// first) and GET /v1/admin/cases (the queue: query state=open|answered|
// closed, overdue=true, after=<number>, limit=1…500).
type CaseList struct {
	Cases []Case `json:"cases"`
}

// CaseAnswerRequest answers an open case, POST
// /v1/admin/cases/{number}/answer (answered with the Case; 409 case-state
// if it was answered or closed meanwhile). At most 2000 characters,
// shown to the holder.
type CaseAnswerRequest struct {
	Answer string `json:"answer"`
}

// CaseCloseRequest closes a case, POST /v1/admin/cases/{number}/close
// (answered with the Case; 409 case-state if it was closed meanwhile). A
// case not answered before needs Answer.
type CaseCloseRequest struct {
	Resolution CaseResolution `json:"resolution"`
	Action     CaseAction     `json:"action,omitempty"`
	Answer     string         `json:"answer,omitempty"`
}

// The record channel and outcomes of a case's steps (Record.Case names
// the case).
const (
	ChannelCase RecordChannel = "case"

	OutcomeCaseOpened   RecordOutcome = "case_opened"
	OutcomeCaseAnswered RecordOutcome = "case_answered"
	OutcomeCaseClosed   RecordOutcome = "case_closed"
	// OutcomeCaseRPDisabled: closing the case, the operator disabled the
	// relying party the record names.
	OutcomeCaseRPDisabled RecordOutcome = "case_rp_disabled"
)

// caseOutcome reports whether o is the outcome of a case's step.
func caseOutcome(o RecordOutcome) bool {
	return o == OutcomeCaseOpened || o == OutcomeCaseAnswered || o == OutcomeCaseClosed || o == OutcomeCaseRPDisabled
}
