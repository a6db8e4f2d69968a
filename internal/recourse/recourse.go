package recourse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// Sealer encrypts personal data at rest (keys.Sealer).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(ciphertext, aad []byte) ([]byte, error)
}

// RecordLog appends to the record log (audit.Log) in the transaction of
// the change the record records.
type RecordLog interface {
	AppendIn(ctx context.Context, tx audit.Store, r storage.Record) (storage.Record, error)
}

// Channel is the record channel of a case's steps; the record's ID is the
// case's number.
const Channel = "case"

// Outcomes of the records of a case's steps.
const (
	OutcomeOpened   = "case_opened"
	OutcomeAnswered = "case_answered"
	OutcomeClosed   = "case_closed"
	// OutcomeRelyingPartyDisabled: closing the case, the operator disabled
	// the relying party it was about (the record names that party).
	OutcomeRelyingPartyDisabled = "case_rp_disabled"
)

// Ground is why a holder opens a case.
type Ground string

// Grounds, by the kind of case they fit (Fits).
const (
	// GroundNotMe: the holder did not make this check (a record).
	GroundNotMe Ground = "not_me"
	// GroundWrongDetails: the record is wrong in what it says (a record).
	GroundWrongDetails Ground = "wrong_details"
	// GroundWronglySuspended: the operator's suspension is wrong.
	GroundWronglySuspended Ground = "wrongly_suspended"
	// GroundPlaintextAgain: a relying party asked for plaintext identity
	// data again after a check through the network identity.
	GroundPlaintextAgain Ground = "plaintext_again"
	// GroundNoOtherWay: a relying party offered no other lawful way in.
	GroundNoOtherWay Ground = "no_other_way"
	// GroundOther: something else, said in the statement (any kind).
	GroundOther Ground = "other"
)

// Fits reports whether g is a ground for a case of kind k.
func (g Ground) Fits(k storage.CaseKind) bool {
	switch k {
	case storage.CaseRecord:
		return g == GroundNotMe || g == GroundWrongDetails || g == GroundOther
	case storage.CaseSuspension:
		return g == GroundWronglySuspended || g == GroundOther
	case storage.CaseRelyingParty:
		return g == GroundPlaintextAgain || g == GroundNoOtherWay || g == GroundOther
	}
	return false
}

// Resolution is how an operator closed a case.
type Resolution string

// Resolutions.
const (
	ResolutionUpheld    Resolution = "upheld"
	ResolutionNotUpheld Resolution = "not_upheld"
)

// Action is what an operator did about a case on closing it.
type Action string

// Actions; the empty Action does nothing beyond closing.
const (
	// ActionDisableRelyingParty disables the relying party the case is
	// about (relyingparty.Registry.Disable): it can no longer
	// authenticate, so it starts no verification.
	ActionDisableRelyingParty Action = "disable_rp"
	// ActionLiftSuspension lifts the operator's suspension the case
	// disputes (lifecycle's operator resume, with its own record in the
	// holder's history).
	ActionLiftSuspension Action = "lift_suspension"
)

// Limits of what people write into a case, in characters.
const (
	MaxStatement = 1000
	MaxAnswer    = 2000
)

// DefaultDeadline is the time an operator has to answer a case, unless
// Service.Deadline says otherwise; DefaultPerDay how many cases a holder
// may open a day.
const (
	DefaultDeadline = 15 * 24 * time.Hour
	DefaultPerDay   = 5
)

// Errors. Their messages carry no personal data.
var (
	// ErrInvalid: a request is malformed (a kind or ground that does not
	// fit, a statement or answer empty, too long or not plain text).
	ErrInvalid = errors.New("invalid case")
	// ErrNotFound: no case has this number (or it is another holder's).
	ErrNotFound = errors.New("case not found")
	// ErrNoSuchRecord: the holder's history holds no such record that a
	// case may dispute.
	ErrNoSuchRecord = errors.New("no such record in the holder's history")
	// ErrNoSuchRelyingParty: no relying party has this ID.
	ErrNoSuchRelyingParty = errors.New("no such relying party")
	// ErrNotSuspended: no credential of the holder is suspended by an
	// operator.
	ErrNotSuspended = errors.New("no credential of the holder is suspended by an operator")
	// ErrAlreadyOpen: a case about the same record, suspension or relying
	// party is still open.
	ErrAlreadyOpen = errors.New("a case about this is already open")
	// ErrState: the case is not in a state that allows this step (already
	// answered, already closed).
	ErrState = errors.New("the case is not in a state that allows this")
	// ErrTooMany: the holder opened as many cases today as allowed.
	ErrTooMany = errors.New("too many cases opened today")
)

// Service opens, answers and closes cases. Store, Sealer and Records are
// required.
type Service struct {
	Store   storage.Storage
	Sealer  Sealer
	Records RecordLog
	// Deadline is how long operators have to answer; zero means
	// DefaultDeadline.
	Deadline time.Duration
	// PerDay is how many cases a holder may open per day (Beijing time);
	// zero means DefaultPerDay.
	PerDay int
	Now    func() time.Time
	// RelyingPartyChanged, if set, is called with a relying party's ID
	// after a closing that disabled it has committed: the platform's cache
	// of relying parties forgets it, so the disabling applies to the
	// relying party's next request.
	RelyingPartyChanged func(id string)
}

// Check reports every required dependency that is missing.
func (s *Service) Check() error {
	var errs []error
	if s.Store == nil {
		errs = append(errs, errors.New("recourse: Store is not set"))
	}
	if s.Sealer == nil {
		errs = append(errs, errors.New("recourse: Sealer is not set"))
	}
	if s.Records == nil {
		errs = append(errs, errors.New("recourse: Records is not set"))
	}
	return errors.Join(errs...)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) deadline() time.Duration {
	if s.Deadline > 0 {
		return s.Deadline
	}
	return DefaultDeadline
}

func (s *Service) perDay() int {
	if s.PerDay > 0 {
		return s.PerDay
	}
	return DefaultPerDay
}

// Case is a case as its holder and operators read it: the statement and
// answer opened.
type Case struct {
	Number    string
	PersonID  string
	Kind      storage.CaseKind
	Ground    Ground
	RecordSeq int64
	// RPID and RPName name the relying party concerned, if any.
	RPID, RPName string
	CredentialID string
	State        storage.CaseState
	Statement    string
	Answer       string
	Resolution   Resolution
	Action       Action
	DueAt        time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	AnsweredAt   time.Time
	ClosedAt     time.Time
	// Overdue: still waiting for an answer (open) past DueAt, or answered
	// after it.
	Overdue bool
}

// OpenRequest is what a holder says opening a case.
type OpenRequest struct {
	Kind   storage.CaseKind
	Ground Ground
	// RecordSeq names the disputed record (CaseRecord); RPID the relying
	// party complained about (CaseRelyingParty).
	RecordSeq int64
	RPID      string
	Statement string
}

// CheckText reports whether text is acceptable for a case's statement or
// answer of at most max characters: not empty once trimmed, valid UTF-8,
// no control characters but line breaks and tabs.
func CheckText(what, text string, max int) error {
	if !utf8.ValidString(text) {
		return fmt.Errorf("%w: the %s is not valid UTF-8", ErrInvalid, what)
	}
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("%w: the %s is empty", ErrInvalid, what)
	}
	if n := utf8.RuneCountInString(text); n > max {
		return fmt.Errorf("%w: the %s has %d characters, at most %d are allowed", ErrInvalid, what, n, max)
	}
	for _, r := range text {
		if (unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r') || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("%w: the %s holds a control character", ErrInvalid, what)
		}
	}
	return nil
}

// aad binds a sealed field to its case.
func aad(number, field string) []byte { return []byte("netid/case/" + number + "/" + field) }

func (s *Service) seal(number, field, text string) ([]byte, error) {
	if text == "" {
		return nil, nil
	}
	return s.Sealer.Seal([]byte(text), aad(number, field))
}

func (s *Service) open(number, field string, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	b, err := s.Sealer.Open(sealed, aad(number, field))
	if err != nil {
		return "", fmt.Errorf("recourse: opening the %s of case %s: %w", field, number, err)
	}
	return string(b), nil
}

// view opens c for reading.
func (s *Service) view(ctx context.Context, st storage.Storage, c storage.Case) (Case, error) {
	stmt, err := s.open(c.Number, "statement", c.Statement)
	if err != nil {
		return Case{}, err
	}
	answer, err := s.open(c.Number, "answer", c.Answer)
	if err != nil {
		return Case{}, err
	}
	v := Case{
		Number: c.Number, PersonID: c.PersonID, Kind: c.Kind, Ground: Ground(c.Ground), RecordSeq: c.RecordSeq,
		RPID: c.RPID, CredentialID: c.CredentialID, State: c.State, Statement: stmt, Answer: answer,
		Resolution: Resolution(c.Resolution), Action: Action(c.Action),
		DueAt: c.DueAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, AnsweredAt: c.AnsweredAt, ClosedAt: c.ClosedAt,
	}
	v.Overdue = overdue(c, s.now())
	if c.RPID != "" {
		if rp, err := st.GetRelyingParty(ctx, c.RPID); err == nil {
			v.RPName = rp.Name
		} else if !errors.Is(err, storage.ErrNotFound) {
			return Case{}, fmt.Errorf("recourse: loading relying party: %w", err)
		}
	}
	return v, nil
}

// overdue reports whether c waits for its answer past its deadline, or
// was answered (or closed without an answer) after it.
func overdue(c storage.Case, now time.Time) bool {
	switch {
	case !c.AnsweredAt.IsZero():
		return c.AnsweredAt.After(c.DueAt)
	case !c.ClosedAt.IsZero():
		return c.ClosedAt.After(c.DueAt)
	default:
		return now.After(c.DueAt)
	}
}

// Number formats a case number: SS, the year, the sequence in six digits
// (more once a year passes a million cases).
func Number(year int, seq int64) string { return fmt.Sprintf("SS-%d-%06d", year, seq) }

// record appends the record of a case's step in tx.
func (s *Service) record(ctx context.Context, tx storage.Storage, c storage.Case, outcome string, rp *storage.RelyingParty) error {
	r := storage.Record{ID: c.Number, PersonID: c.PersonID, RPName: audit.PlatformName, Channel: Channel, Outcome: outcome}
	if rp != nil {
		r.RPID, r.RPName = rp.ID, rp.Name
	}
	if _, err := s.Records.AppendIn(ctx, tx, r); err != nil {
		return fmt.Errorf("recourse: recording the case's step: %w", err)
	}
	return nil
}

// Open opens a case for the holder personID (credentialID is the
// credential their request was signed with). The case, its number and
// its record commit together.
func (s *Service) Open(ctx context.Context, personID, credentialID string, req OpenRequest) (Case, error) {
	if !req.Ground.Fits(req.Kind) {
		return Case{}, fmt.Errorf("%w: ground %q does not fit a case of kind %q", ErrInvalid, req.Ground, req.Kind)
	}
	if err := CheckText("statement", req.Statement, MaxStatement); err != nil {
		return Case{}, err
	}
	now := s.now()
	c := storage.Case{
		PersonID: personID, Kind: req.Kind, Ground: string(req.Ground), State: storage.CaseOpen,
		DueAt: now.Add(s.deadline()), CreatedAt: now, UpdatedAt: now,
	}
	switch req.Kind {
	case storage.CaseRecord:
		if req.RPID != "" {
			return Case{}, fmt.Errorf("%w: a case about a record names no relying party (the record does)", ErrInvalid)
		}
		rec, err := s.personRecord(ctx, personID, req.RecordSeq)
		if err != nil {
			return Case{}, err
		}
		c.RecordSeq, c.RPID = rec.Seq, rec.RPID
	case storage.CaseSuspension:
		if req.RPID != "" || req.RecordSeq != 0 {
			return Case{}, fmt.Errorf("%w: a case about a suspension names no record or relying party", ErrInvalid)
		}
		cred, err := s.operatorHold(ctx, personID, credentialID)
		if err != nil {
			return Case{}, err
		}
		c.CredentialID = cred
	case storage.CaseRelyingParty:
		if req.RecordSeq != 0 {
			return Case{}, fmt.Errorf("%w: a complaint about a relying party names no record (dispute the record instead)", ErrInvalid)
		}
		if _, err := s.Store.GetRelyingParty(ctx, req.RPID); errors.Is(err, storage.ErrNotFound) || req.RPID == "" {
			return Case{}, ErrNoSuchRelyingParty
		} else if err != nil {
			return Case{}, fmt.Errorf("recourse: loading relying party: %w", err)
		}
		c.RPID = req.RPID
	}
	year := now.In(document.Zone).Year()
	day := document.Today(now)
	err := s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		tomorrow := time.Date(day.Year, time.Month(day.Month), day.Day+1, 0, 0, 0, 0, document.Zone)
		n, err := tx.Increment(ctx, fmt.Sprintf("cases-opened:%s:%04d-%02d-%02d", personID, day.Year, day.Month, day.Day), tomorrow)
		if err != nil {
			return fmt.Errorf("recourse: counting the holder's cases: %w", err)
		}
		if n > int64(s.perDay()) {
			return ErrTooMany
		}
		// The counter's row is held until the commit, so the holder's
		// racing openings are serialised here and each sees the cases
		// the others committed.
		if err := s.notOpenYet(ctx, tx, c); err != nil {
			return err
		}
		seq, err := tx.Increment(ctx, fmt.Sprintf("case-number:%d", year), time.Time{})
		if err != nil {
			return fmt.Errorf("recourse: drawing a case number: %w", err)
		}
		c.Number = Number(year, seq)
		if c.Statement, err = s.seal(c.Number, "statement", req.Statement); err != nil {
			return fmt.Errorf("recourse: sealing the statement: %w", err)
		}
		if err := tx.CreateCase(ctx, c); err != nil {
			return fmt.Errorf("recourse: storing the case: %w", err)
		}
		return s.record(ctx, tx, c, OutcomeOpened, nil)
	})
	if err != nil {
		return Case{}, err
	}
	return s.view(ctx, s.Store, c)
}

// personRecord returns the holder's record seq, if a case may dispute it
// (any but a case's own records).
func (s *Service) personRecord(ctx context.Context, personID string, seq int64) (storage.Record, error) {
	if seq < 1 {
		return storage.Record{}, ErrNoSuchRecord
	}
	recs, err := s.Store.ListPersonRecords(ctx, personID, seq+1, 1)
	if err != nil {
		return storage.Record{}, fmt.Errorf("recourse: loading the record: %w", err)
	}
	if len(recs) == 0 || recs[0].Seq != seq || recs[0].Channel == Channel {
		return storage.Record{}, ErrNoSuchRecord
	}
	return recs[0], nil
}

// operatorHold returns the holder's credential an operator suspended:
// the one the request was signed with, else any other of theirs.
func (s *Service) operatorHold(ctx context.Context, personID, credentialID string) (string, error) {
	creds, err := s.Store.ListCredentials(ctx, personID)
	if err != nil {
		return "", fmt.Errorf("recourse: loading credentials: %w", err)
	}
	found := ""
	for _, c := range creds {
		if storage.OperatorHold(c) && (found == "" || c.ID == credentialID) {
			found = c.ID
		}
	}
	if found == "" {
		return "", ErrNotSuspended
	}
	return found, nil
}

// notOpenYet refuses a second case about the same thing while one is not
// closed.
func (s *Service) notOpenYet(ctx context.Context, tx storage.Storage, c storage.Case) error {
	open, err := tx.ListCases(ctx, storage.CaseFilter{
		PersonID: c.PersonID, States: []storage.CaseState{storage.CaseOpen, storage.CaseAnswered}, Limit: 1000,
	})
	if err != nil {
		return fmt.Errorf("recourse: listing the holder's cases: %w", err)
	}
	for _, o := range open {
		if o.Kind != c.Kind {
			continue
		}
		switch c.Kind {
		case storage.CaseRecord:
			if o.RecordSeq == c.RecordSeq {
				return ErrAlreadyOpen
			}
		case storage.CaseSuspension:
			if o.CredentialID == c.CredentialID {
				return ErrAlreadyOpen
			}
		case storage.CaseRelyingParty:
			if o.RPID == c.RPID && o.Ground == c.Ground {
				return ErrAlreadyOpen
			}
		}
	}
	return nil
}

// Mine returns the holder's cases, oldest first.
func (s *Service) Mine(ctx context.Context, personID string) ([]Case, error) {
	list, err := s.Store.ListCases(ctx, storage.CaseFilter{PersonID: personID, Limit: 1000})
	if err != nil {
		return nil, fmt.Errorf("recourse: listing cases: %w", err)
	}
	return s.views(ctx, list)
}

func (s *Service) views(ctx context.Context, list []storage.Case) ([]Case, error) {
	out := make([]Case, 0, len(list))
	for _, c := range list {
		v, err := s.view(ctx, s.Store, c)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Get returns the holder's case numbered number; ErrNotFound if it is no
// case of theirs.
func (s *Service) Get(ctx context.Context, personID, number string) (Case, error) {
	c, err := s.Store.GetCase(ctx, number)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && c.PersonID != personID) {
		return Case{}, ErrNotFound
	}
	if err != nil {
		return Case{}, fmt.Errorf("recourse: loading the case: %w", err)
	}
	return s.view(ctx, s.Store, c)
}

// Disputes returns the holder's cases disputing a record, by the record's
// Seq (the latest case for each).
func (s *Service) Disputes(ctx context.Context, personID string) (map[int64]storage.Case, error) {
	list, err := s.Store.ListCases(ctx, storage.CaseFilter{PersonID: personID, Limit: 1000})
	if err != nil {
		return nil, fmt.Errorf("recourse: listing cases: %w", err)
	}
	out := map[int64]storage.Case{}
	for _, c := range list {
		if c.Kind == storage.CaseRecord {
			out[c.RecordSeq] = c
		}
	}
	return out, nil
}

// Filter selects the operators' queue.
type Filter struct {
	// State, if set, selects one state.
	State storage.CaseState
	// Overdue selects the cases not yet answered past their deadline.
	Overdue bool
	After   string
	Limit   int
}

// MaxList is the most cases a queue page holds.
const MaxList = 500

// Queue returns the cases an operator asked for, oldest first.
func (s *Service) Queue(ctx context.Context, f Filter) ([]Case, error) {
	sf := storage.CaseFilter{After: f.After, Limit: f.Limit}
	if sf.Limit < 1 || sf.Limit > MaxList {
		sf.Limit = MaxList
	}
	if f.State != "" {
		sf.States = []storage.CaseState{f.State}
	}
	if f.Overdue {
		if f.State == "" {
			sf.States = []storage.CaseState{storage.CaseOpen}
		} else if f.State != storage.CaseOpen {
			return nil, nil
		}
		sf.DueBefore = s.now()
	}
	list, err := s.Store.ListCases(ctx, sf)
	if err != nil {
		return nil, fmt.Errorf("recourse: listing cases: %w", err)
	}
	return s.views(ctx, list)
}

// Wanghao is the 网号 (formatted) of the holder personID, which operators
// see beside the holder's cases.
func (s *Service) Wanghao(ctx context.Context, personID string) (string, error) {
	p, err := s.Store.GetPerson(ctx, personID)
	if err != nil {
		return "", fmt.Errorf("recourse: loading the holder: %w", err)
	}
	return netnum.Format(p.Wanghao), nil
}

// Show returns the case numbered number, for an operator.
func (s *Service) Show(ctx context.Context, number string) (Case, error) {
	c, err := s.Store.GetCase(ctx, number)
	if errors.Is(err, storage.ErrNotFound) {
		return Case{}, ErrNotFound
	}
	if err != nil {
		return Case{}, fmt.Errorf("recourse: loading the case: %w", err)
	}
	return s.view(ctx, s.Store, c)
}

// Answer gives an open case the operator's answer. Of racing answers one
// wins; the others get ErrState.
func (s *Service) Answer(ctx context.Context, number, answer string) (Case, error) {
	if err := CheckText("answer", answer, MaxAnswer); err != nil {
		return Case{}, err
	}
	return s.step(ctx, number, func(tx storage.Storage, c storage.Case) (storage.Case, func(storage.Case) error, error) {
		if c.State != storage.CaseOpen {
			return c, nil, fmt.Errorf("%w: the case is %s", ErrState, c.State)
		}
		sealed, err := s.seal(c.Number, "answer", answer)
		if err != nil {
			return c, nil, fmt.Errorf("recourse: sealing the answer: %w", err)
		}
		now := s.now()
		c.State, c.Answer, c.AnsweredAt, c.UpdatedAt = storage.CaseAnswered, sealed, now, now
		return c, func(c storage.Case) error { return s.record(ctx, tx, c, OutcomeAnswered, nil) }, nil
	})
}

// CloseRequest closes a case.
type CloseRequest struct {
	Resolution Resolution
	Action     Action
	// Answer is required when the case was not answered before: a holder
	// always learns why.
	Answer string
}

// Close closes an open or answered case with a resolution and, if asked,
// an action, all with their records in one transaction. Of racing closes
// one wins; the others get ErrState.
func (s *Service) Close(ctx context.Context, number string, req CloseRequest) (Case, error) {
	if req.Resolution != ResolutionUpheld && req.Resolution != ResolutionNotUpheld {
		return Case{}, fmt.Errorf("%w: resolution %q: want upheld or not_upheld", ErrInvalid, req.Resolution)
	}
	if req.Action != "" && req.Action != ActionDisableRelyingParty && req.Action != ActionLiftSuspension {
		return Case{}, fmt.Errorf("%w: action %q: want disable_rp, lift_suspension or none", ErrInvalid, req.Action)
	}
	if req.Action != "" && req.Resolution != ResolutionUpheld {
		return Case{}, fmt.Errorf("%w: an action follows only an upheld case", ErrInvalid)
	}
	if req.Answer != "" {
		if err := CheckText("answer", req.Answer, MaxAnswer); err != nil {
			return Case{}, err
		}
	}
	closed, err := s.step(ctx, number, func(tx storage.Storage, c storage.Case) (storage.Case, func(storage.Case) error, error) {
		if c.State == storage.CaseClosed {
			return c, nil, fmt.Errorf("%w: the case is closed", ErrState)
		}
		now := s.now()
		switch {
		case req.Answer != "" && c.State == storage.CaseOpen:
			sealed, err := s.seal(c.Number, "answer", req.Answer)
			if err != nil {
				return c, nil, fmt.Errorf("recourse: sealing the answer: %w", err)
			}
			c.Answer, c.AnsweredAt = sealed, now
		case req.Answer != "":
			return c, nil, fmt.Errorf("%w: the case was answered already; close it without a new answer", ErrInvalid)
		case c.State == storage.CaseOpen:
			return c, nil, fmt.Errorf("%w: closing a case that was not answered needs an answer", ErrInvalid)
		}
		c.State, c.Resolution, c.Action, c.ClosedAt, c.UpdatedAt = storage.CaseClosed, string(req.Resolution), string(req.Action), now, now
		var disabled *storage.RelyingParty
		if req.Action == ActionDisableRelyingParty {
			if c.RPID == "" {
				return c, nil, fmt.Errorf("%w: the case concerns no relying party to disable", ErrInvalid)
			}
			reg := &relyingparty.Registry{Store: tx, Now: s.Now}
			if err := reg.Disable(ctx, c.RPID); err != nil {
				if errors.Is(err, relyingparty.ErrNotFound) {
					return c, nil, ErrNoSuchRelyingParty
				}
				return c, nil, fmt.Errorf("recourse: disabling the relying party: %w", err)
			}
			rp, err := tx.GetRelyingParty(ctx, c.RPID)
			if err != nil {
				return c, nil, fmt.Errorf("recourse: loading relying party: %w", err)
			}
			disabled = &rp
		}
		if req.Action == ActionLiftSuspension && c.Kind != storage.CaseSuspension {
			return c, nil, fmt.Errorf("%w: only a case about a suspension can lift it", ErrInvalid)
		}
		return c, func(c storage.Case) error {
			if req.Action == ActionLiftSuspension {
				if err := s.liftSuspension(ctx, tx, c); err != nil {
					return err
				}
			}
			if err := s.record(ctx, tx, c, OutcomeClosed, nil); err != nil {
				return err
			}
			if disabled != nil {
				return s.record(ctx, tx, c, OutcomeRelyingPartyDisabled, disabled)
			}
			return nil
		}, nil
	})
	if err == nil && req.Action == ActionDisableRelyingParty && s.RelyingPartyChanged != nil {
		s.RelyingPartyChanged(closed.RPID)
	}
	return closed, err
}

// liftSuspension lifts the operator's suspension of c's holder in tx,
// with lifecycle's record of it. A running server's cached status list
// shows the change within its time-to-live.
func (s *Service) liftSuspension(ctx context.Context, tx storage.Storage, c storage.Case) error {
	p, err := tx.GetPerson(ctx, c.PersonID)
	if err != nil {
		return fmt.Errorf("recourse: loading the holder: %w", err)
	}
	lc := &lifecycle.Service{Store: tx, Records: s.Records, Now: s.Now}
	if _, err := lc.Operator(ctx, p.Wanghao, lifecycle.ActionResume, "申诉 "+c.Number+" 成立"); err != nil {
		if errors.Is(err, lifecycle.ErrNoOperatorSuspension) {
			return ErrNotSuspended
		}
		return fmt.Errorf("recourse: lifting the suspension: %w", err)
	}
	return nil
}

// step changes the case numbered number with fn, then appends the
// records fn asks for, in one transaction (records last: the transaction
// then holds the log's tail only until it commits).
func (s *Service) step(ctx context.Context, number string, fn func(tx storage.Storage, c storage.Case) (storage.Case, func(storage.Case) error, error)) (Case, error) {
	var out storage.Case
	err := s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		var records func(storage.Case) error
		var err error
		out, err = tx.UpdateCase(ctx, number, func(c storage.Case) (storage.Case, error) {
			next, rec, err := fn(tx, c)
			records = rec
			return next, err
		})
		if err != nil {
			return err
		}
		return records(out)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return Case{}, ErrNotFound
	}
	if err != nil {
		return Case{}, err
	}
	return s.view(ctx, s.Store, out)
}
