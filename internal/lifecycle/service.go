package lifecycle

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/storage"
)

// Sealer encrypts personal data at rest (keys.Sealer).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(ciphertext, aad []byte) ([]byte, error)
}

// Indexer computes blind indexes (keys.Indexer).
type Indexer interface {
	Index(domain, value string) string
}

// Codes sends and checks SMS one-time codes (sms.Codes).
type Codes interface {
	Send(ctx context.Context, subject, phone string) error
	Verify(ctx context.Context, subject, phone, code string) error
}

// Passwords checks a person's credential password, counting failures
// towards the lockout (person.Passwords): it returns nil, a
// *password.WrongPasswordError or a *password.LockedError.
type Passwords interface {
	Verify(ctx context.Context, personID, pw string) error
}

// StatusCache is the status list publisher's cache (status.Publisher):
// Invalidate makes the next fetch of a list show its current statuses.
type StatusCache interface {
	Invalidate(list string)
}

// RecordLog appends to the verification record log (audit.Log) in the
// transaction of the change the record records.
type RecordLog interface {
	AppendIn(ctx context.Context, tx audit.Store, r storage.Record) (storage.Record, error)
}

// Service runs the lifecycle operations. The operator methods (Operator,
// OperatorView) need only Store (and, optionally, Status and Records); the
// holder methods need everything Check lists.
type Service struct {
	Store     storage.Storage
	Sealer    Sealer
	Index     Indexer
	Codes     Codes
	Passwords Passwords
	// Status, if set, has its cached list dropped after every status
	// change. Without it (a tool working on the database while a server
	// runs) a change is visible to relying parties within the list's
	// time-to-live: the server's cached token is at most one ttl old, and
	// the rp package caches a token for ttl from its signing.
	Status StatusCache
	// Records, if set, receives a record of every holder and operator
	// action.
	Records RecordLog

	// PasswordParams are the argon2id parameters of new passwords; zero
	// means password.DefaultParams.
	PasswordParams password.Params
	Now            func() time.Time
	Rand           io.Reader
}

// Check reports every dependency the holder methods need that is missing.
func (s *Service) Check() error {
	var errs []error
	need := func(ok bool, name string) {
		if !ok {
			errs = append(errs, fmt.Errorf("lifecycle: %s is not set", name))
		}
	}
	need(s.Store != nil, "Store")
	need(s.Sealer != nil, "Sealer")
	need(s.Index != nil, "Index")
	need(s.Codes != nil, "Codes")
	need(s.Passwords != nil, "Passwords")
	return errors.Join(errs...)
}

// Errors of the lifecycle operations. Each is returned as is or wrapped with
// detail that carries no personal data. The service also returns
// person.ErrOperatorHold (an operator's suspension the holder cannot
// lift or work around), person.ErrNothingToResume, person.ErrNoCredential,
// person.ErrSamePhone, and the errors of packages password and sms.
var (
	// ErrCancelled: the network identity was cancelled (注销).
	ErrCancelled = errors.New("the network identity was cancelled")
	// ErrNoSuchPerson: no person holds this 网号.
	ErrNoSuchPerson = errors.New("no person holds this 网号")
	// ErrNoOperatorSuspension: an operator asked to resume, and no
	// credential of the person is suspended by an operator.
	ErrNoOperatorSuspension = errors.New("no credential suspended by an operator")
	// ErrReason: a status reason is missing, too long or not plain text.
	ErrReason = errors.New("invalid status reason")
	// ErrAction: unknown operator action.
	ErrAction = errors.New("unknown action")
	// ErrSamePassword: the new credential password is the current one.
	ErrSamePassword = errors.New("the new credential password is the current one")
	// ErrNoPhone: the person has no linked phone number (re-proof with a
	// phone application instead).
	ErrNoPhone = errors.New("no phone number is linked")
	// ErrPhoneChanged: the linked phone changed while the change was
	// being confirmed; start again.
	ErrPhoneChanged = errors.New("the linked phone number changed meanwhile: start again")
	// ErrNoConsent: the holder has no consent for this relying party.
	ErrNoConsent = errors.New("no consent for this relying party")
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// today is the date in Beijing time, in which ages are counted.
func (s *Service) today() document.Date { return document.Today(s.now()) }

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

func (s *Service) passwordParams() password.Params {
	if s.PasswordParams == (password.Params{}) {
		return password.DefaultParams
	}
	return s.PasswordParams
}

// activePerson loads a person who has not cancelled.
func (s *Service) activePerson(ctx context.Context, personID string) (storage.Person, error) {
	p, err := s.Store.GetPerson(ctx, personID)
	if err != nil {
		return p, fmt.Errorf("lifecycle: loading person: %w", err)
	}
	if p.State != storage.PersonActive {
		return p, ErrCancelled
	}
	return p, nil
}

// Outcomes of lifecycle records.
const (
	OutcomeSuspendedByHolder   = "suspended_by_holder"
	OutcomeResumedByHolder     = "resumed_by_holder"
	OutcomeSuspendedByOperator = "suspended_by_operator"
	OutcomeResumedByOperator   = "resumed_by_operator"
	OutcomeRevokedByOperator   = "revoked_by_operator"
	OutcomePasswordChanged     = "password_changed"
	OutcomePhoneChanged        = "phone_changed"
	OutcomeConsentWithdrawn    = "consent_withdrawn"
	OutcomeCancelled           = "cancelled"
)

// commit runs change and appends the lifecycle record of outcome (for
// relying party rp, if set) in one transaction: the action and its record
// commit together, or neither does. Without Records (a tool that keeps no
// log) it runs change alone, still in one transaction.
func (s *Service) commit(ctx context.Context, personID, outcome string, rp *storage.RelyingParty, change func(tx storage.Storage) error) error {
	return s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		if err := change(tx); err != nil {
			return err
		}
		if s.Records == nil {
			return nil
		}
		r := storage.Record{PersonID: personID, RPName: audit.PlatformName, Channel: audit.ChannelLifecycle, Outcome: outcome}
		if rp != nil {
			r.RPID, r.RPName = rp.ID, rp.Name
		}
		if _, err := s.Records.AppendIn(ctx, tx, r); err != nil {
			return fmt.Errorf("lifecycle: recording the action: %w", err)
		}
		return nil
	})
}

// invalidate drops the cached status lists of the credentials changed:
// each credential's own list and the lists of its batch members, which
// show its status. Call it after the change committed.
func (s *Service) invalidate(ctx context.Context, creds ...storage.Credential) {
	if s.Status == nil {
		return
	}
	seen := map[string]bool{}
	drop := func(l string) {
		if l != "" && !seen[l] {
			seen[l] = true
			s.Status.Invalidate(l)
		}
	}
	for _, c := range creds {
		drop(c.StatusList)
		slots, err := s.Store.ListStatusSlots(ctx, c.ID)
		if err != nil {
			// The lists are signed afresh within one ttl anyway.
			continue
		}
		for _, sl := range slots {
			drop(sl.List)
		}
	}
}
