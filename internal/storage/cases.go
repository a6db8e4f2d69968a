package storage

import (
	"context"
	"time"
)

// CaseStore is what recourse keeps: the cases (申诉与投诉) holders open
// about a record in their history, an operator's suspension or a relying
// party's conduct. Storage embeds it; the rules of Storage hold (sentinels,
// UpdateCase in a transaction holding the row, fn's error returned
// unchanged with nothing written, UTC times to the microsecond, personal
// data sealed by the caller).
type CaseStore interface {
	// CreateCase stores a new case; ErrAlreadyExists if its Number is
	// taken.
	CreateCase(ctx context.Context, c Case) error
	// GetCase returns the case numbered number; ErrNotFound if there is
	// none.
	GetCase(ctx context.Context, number string) (Case, error)
	// UpdateCase replaces the case number with fn's result, in a
	// transaction holding the row (racing updates are serialised, the
	// second seeing the first's result). The Number cannot be changed.
	UpdateCase(ctx context.Context, number string, fn func(Case) (Case, error)) (Case, error)
	// ListCases returns up to f.Limit cases matching f, oldest first (by
	// CreatedAt, then Number); nothing for a limit below 1.
	ListCases(ctx context.Context, f CaseFilter) ([]Case, error)
}

// CaseFilter selects cases for ListCases; its zero fields select every
// case.
type CaseFilter struct {
	// PersonID, if set, selects the cases of one person.
	PersonID string
	// States, if set, selects the cases in one of these states.
	States []CaseState
	// DueBefore, if set, selects the cases whose DueAt is before it.
	DueBefore time.Time
	// After, if set, selects the cases after this Number in the order
	// (created later, or at the same time with a greater Number): the next
	// page starts after the last Number returned.
	After string
	Limit int
}

// CaseKind is what a case is about.
type CaseKind string

// Case kinds.
const (
	// CaseRecord disputes a record in the holder's history ("I did not do
	// this check"); RecordSeq names it.
	CaseRecord CaseKind = "record"
	// CaseSuspension disputes an operator's suspension of the holder's
	// credential; CredentialID names it.
	CaseSuspension CaseKind = "suspension"
	// CaseRelyingParty complains about a relying party's conduct (for
	// example asking for plaintext identity data again after a check);
	// RPID names it.
	CaseRelyingParty CaseKind = "relying_party"
)

// CaseState is where a case stands.
type CaseState string

// Case states: a case is opened, answered by an operator, and closed
// (with or without an answer before).
const (
	CaseOpen     CaseState = "open"
	CaseAnswered CaseState = "answered"
	CaseClosed   CaseState = "closed"
)

// Case is one case (申诉 or 投诉) a holder opened. What the holder and the
// operator wrote may hold personal data: it is sealed.
type Case struct {
	// Number is the case's number as people read it (SS-2026-000123);
	// unique.
	Number   string
	PersonID string
	Kind     CaseKind
	// Ground is why, a code of package recourse (not_me, plaintext_again…).
	Ground string
	// RecordSeq is the disputed record (CaseRecord); 0 otherwise.
	RecordSeq int64
	// RPID is the relying party concerned (the disputed record's, or the
	// one complained about); empty if none.
	RPID string
	// CredentialID is the suspended credential (CaseSuspension).
	CredentialID string
	State        CaseState
	// Statement is the holder's sealed text; Answer the operator's.
	Statement []byte
	Answer    []byte
	// Resolution is how the case was closed (upheld, not_upheld);
	// Action what the operator did about it (rp_disabled), empty for
	// nothing.
	Resolution string
	Action     string
	DueAt      time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	AnsweredAt time.Time
	ClosedAt   time.Time
}
