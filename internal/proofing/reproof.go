package proofing

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// Re-proofing: the application kinds other than storage.KindApply. Each
// proves again that the person is present (a live face check against the
// face image of their document's chip, and an SMS code) before one change:
//
//	device   phone (the linked number) → face → password (the current one) → device → issued
//	password phone (the linked number) → face → password (a new one)                 → completed
//	phone    password (the current one) → face → phone (a new number)                 → completed
//	recover  document (chip) → face → phone (the linked number) → action:
//	           suspend | resume (+ password)                                           → completed
//	           reissue (+ password) → device                                           → issued
//
// device, password and phone start from the 网号; recover starts from the
// document, for a holder who lost the device that held the credential. An
// SMS code or the password comes before the face check in every kind, so
// knowing a 网号 alone does not let anyone start face checks against it.

// Actions of a recover application in state action.
const (
	// ActionSuspend suspends the person's credential (the device is lost).
	ActionSuspend = "suspend"
	// ActionResume lifts a suspension the holder set (the device was
	// found); it needs the credential password.
	ActionResume = "resume"
	// ActionReissue issues a new credential to a new device key (the old
	// device's credential is revoked); it needs the credential password.
	ActionReissue = "reissue"
)

// Errors of re-proofing.
var (
	// ErrKind: the kind of application is unknown, or the step does not
	// belong to it.
	ErrKind = errors.New("unknown or unsuitable kind of application")
	// ErrNoSuchHolder: the 网号 (or the document) belongs to no person with
	// a network identity in use.
	ErrNoSuchHolder = errors.New("no network identity in use for this 网号 or document")
	// ErrPhoneNotLinked: the number is not the phone linked to the 网号.
	ErrPhoneNotLinked = errors.New("this is not the phone number linked to the network identity")
	// ErrPhoneMisses: too many numbers that are not the linked one were
	// tried for this person today.
	ErrPhoneMisses = errors.New("too many wrong phone numbers for this network identity today")
	// ErrDocumentExpired: the document the person was proofed from has
	// expired; apply again with the renewed document.
	ErrDocumentExpired = errors.New("the identity document has expired: apply again with the renewed document")
)

// maxPhoneMisses bounds the numbers not linked to a person that may be
// tried for them per day, across applications.
const maxPhoneMisses = 5

// steps are the states of each re-proofing kind, in order; the state
// after the last is StateCompleted (or StateIssued after StateDevice).
var steps = map[storage.ApplicationKind][]storage.ApplicationState{
	storage.KindDevice:   {storage.StatePhone, storage.StateFace, storage.StatePassword, storage.StateDevice},
	storage.KindPassword: {storage.StatePhone, storage.StateFace, storage.StatePassword},
	storage.KindPhone:    {storage.StatePassword, storage.StateFace, storage.StatePhone},
	storage.KindRecover:  {storage.StateDocument, storage.StateFace, storage.StatePhone, storage.StateAction},
}

// isReproof reports whether an application re-proofs an existing person.
func isReproof(a storage.Application) bool {
	return a.Kind != "" && a.Kind != storage.KindApply
}

// nextState is the state after from in a re-proofing application.
func nextState(kind storage.ApplicationKind, from storage.ApplicationState) storage.ApplicationState {
	seq := steps[kind]
	for i, st := range seq {
		if st == from && i+1 < len(seq) {
			return seq[i+1]
		}
	}
	return storage.StateCompleted
}

// linkedPhone: the phone step checks the number against the person's.
func linkedPhone(kind storage.ApplicationKind) bool {
	return kind == storage.KindDevice || kind == storage.KindPassword || kind == storage.KindRecover
}

// StartReproof starts a re-proofing application of kind for the holder of
// wanghao (kinds device, password and phone) or, for kind recover, for the
// holder of a document of type t (wanghao empty).
func (s *Service) StartReproof(ctx context.Context, kind storage.ApplicationKind, wanghao string, t document.Type) (Started, error) {
	if _, ok := steps[kind]; !ok {
		return Started{}, ErrKind
	}
	now := s.now()
	a := storage.Application{
		ID:        uuid.NewString(),
		Kind:      kind,
		State:     steps[kind][0],
		CreatedAt: now,
		UpdatedAt: now,
		ExpiresAt: now.Add(orDefault(s.ApplicationTTL, 30*time.Minute)),
	}
	if kind == storage.KindRecover {
		if !t.Valid() {
			return Started{}, fmt.Errorf("%w: unknown document type", ErrDocumentType)
		}
		a.DocumentType = string(t)
	} else {
		wh, err := netnum.Parse(wanghao)
		if err != nil {
			return Started{}, fmt.Errorf("%w: the 网号 is not valid", ErrNoSuchHolder)
		}
		holder, err := s.Store.GetPersonByWanghao(ctx, wh)
		if errors.Is(err, storage.ErrNotFound) {
			return Started{}, ErrNoSuchHolder
		}
		if err != nil {
			return Started{}, fmt.Errorf("proofing: loading person: %w", err)
		}
		if holder.State != storage.PersonActive || len(holder.Identity) == 0 {
			return Started{}, ErrNoSuchHolder
		}
		p, err := person.Open(s.Sealer, holder)
		if err != nil {
			return Started{}, err
		}
		if kind == storage.KindDevice {
			if err := s.canReissue(ctx, holder.ID, p); err != nil {
				return Started{}, err
			}
		}
		sealed, err := s.sealProofed(a.ID, p)
		if err != nil {
			return Started{}, err
		}
		a.PersonID, a.PersonIndex, a.GuardianID = holder.ID, holder.Index, holder.GuardianID
		a.DocumentType, a.Identity = string(p.Identity.Type), sealed
	}
	token, err := s.randomToken(32)
	if err != nil {
		return Started{}, err
	}
	a.TokenHash = s.Index.MAC("application-token", []byte(token))
	if err := s.Store.CreateApplication(ctx, a); err != nil {
		return Started{}, fmt.Errorf("proofing: creating application: %w", err)
	}
	p, _ := s.openProofed(a)
	return Started{View: s.view(a, p), Token: token}, nil
}

func (s *Service) sealProofed(applicationID string, p person.Proofed) ([]byte, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("proofing: encoding identity: %w", err)
	}
	sealed, err := s.Sealer.Seal(plain, appAAD(applicationID, "identity"))
	if err != nil {
		return nil, fmt.Errorf("proofing: sealing identity: %w", err)
	}
	return sealed, nil
}

// canReissue checks that a new credential may be issued to the person
// without a new document: the document is still valid and no operator
// holds the current credential.
func (s *Service) canReissue(ctx context.Context, personID string, p person.Proofed) error {
	if !p.Identity.ValidUntil.IsZero() && p.Identity.ValidUntil.Before(s.today()) {
		return ErrDocumentExpired
	}
	return person.OperatorHoldOn(ctx, s.Store, personID)
}

// checkNoOperatorHold refuses to proof or issue for the person with blind
// index personIndex while an operator's suspension of one of their
// credentials stands: a new application must not work around it (nor
// silently revoke the held credential). A person not known yet has none.
func (s *Service) checkNoOperatorHold(ctx context.Context, personIndex string) error {
	holder, err := s.Store.GetPersonByIndex(ctx, personIndex)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("proofing: loading person: %w", err)
	}
	return person.OperatorHoldOn(ctx, s.Store, holder.ID)
}

// recoverPerson is the document step of a recover application: the chip
// must belong to a person whose network identity is in use.
func (s *Service) recoverPerson(ctx context.Context, index string) (storage.Person, error) {
	holder, err := s.Store.GetPersonByIndex(ctx, index)
	if errors.Is(err, storage.ErrNotFound) {
		return holder, ErrNoSuchHolder
	}
	if err != nil {
		return holder, fmt.Errorf("proofing: loading person: %w", err)
	}
	if holder.State != storage.PersonActive {
		return holder, ErrNoSuchHolder
	}
	return holder, nil
}

// checkLinkedPhone checks, for kinds that send the code to the linked
// phone, that phone is that number.
func (s *Service) checkLinkedPhone(ctx context.Context, a storage.Application, phone string) error {
	holder, err := s.Store.GetPerson(ctx, a.PersonID)
	if err != nil {
		return fmt.Errorf("proofing: loading person: %w", err)
	}
	same := subtle.ConstantTimeCompare([]byte(holder.PhoneIndex), []byte(s.Index.Index("phone", phone))) == 1
	switch {
	case linkedPhone(a.Kind) && !same:
		// Whoever knows a 网号 could otherwise test numbers against it.
		n, err := s.Store.Increment(ctx, "linked-phone-misses:"+a.PersonID, s.now().Add(24*time.Hour))
		if err != nil {
			return fmt.Errorf("proofing: counting phone mismatches: %w", err)
		}
		if n > maxPhoneMisses {
			return ErrPhoneMisses
		}
		return ErrPhoneNotLinked
	case a.Kind == storage.KindPhone && same:
		return person.ErrSamePhone
	}
	return nil
}

// complete is the last step of a re-proofing application that ends
// without a credential: in one transaction it moves the application out
// of state from (step), makes the change the application was for (change,
// on the person's rows) and records it (outcome). The application, the
// change and the record commit together or not at all.
func (s *Service) complete(ctx context.Context, a storage.Application, from storage.ApplicationState, step func(*storage.Application) error, outcome string, change func(tx storage.Storage) error) (storage.Application, error) {
	var out storage.Application
	err := s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		var err error
		if out, err = s.updateIn(ctx, tx, a.ID, []storage.ApplicationState{from}, step); err != nil {
			return err
		}
		if err := change(tx); err != nil {
			return err
		}
		return s.record(ctx, tx, a.PersonID, outcome)
	})
	return out, err
}

// completePhone links the application's verified phone number to the
// person (kind phone) as the phone step completes the application.
func (s *Service) completePhone(ctx context.Context, a storage.Application, step func(*storage.Application) error) (storage.Application, error) {
	phone, err := s.Sealer.Open(a.Phone, appAAD(a.ID, "phone"))
	if err != nil {
		return a, fmt.Errorf("proofing: opening phone: %w", err)
	}
	sealed, err := s.Sealer.Seal(phone, person.AAD(a.PersonID, person.FieldPhone))
	if err != nil {
		return a, fmt.Errorf("proofing: sealing phone: %w", err)
	}
	return s.complete(ctx, a, storage.StatePhone, step, OutcomePhoneReplaced, func(tx storage.Storage) error {
		_, err := tx.UpdatePerson(ctx, a.PersonID, func(p storage.Person) (storage.Person, error) {
			p.Phone, p.PhoneIndex, p.UpdatedAt = sealed, a.PhoneIndex, s.now()
			return p, nil
		})
		if err != nil {
			return fmt.Errorf("proofing: linking the new phone: %w", err)
		}
		return nil
	})
}

// completePassword replaces the person's credential password (kind
// password) and clears any lockout, as the password step completes the
// application.
func (s *Service) completePassword(ctx context.Context, a storage.Application, hash string, step func(*storage.Application) error) (storage.Application, error) {
	return s.complete(ctx, a, storage.StatePassword, step, OutcomePasswordReset, func(tx storage.Storage) error {
		_, err := tx.UpdatePerson(ctx, a.PersonID, func(p storage.Person) (storage.Person, error) {
			p.PasswordHash = hash
			p.PasswordFailures, p.PasswordLockedUntil = 0, time.Time{}
			p.UpdatedAt = s.now()
			return p, nil
		})
		if err != nil {
			return fmt.Errorf("proofing: setting the new password: %w", err)
		}
		return nil
	})
}

// reproofPassword is the password step of a re-proofing application: kind
// password sets a new password and completes; the others check the
// current one (with the lockout of every password check).
func (s *Service) reproofPassword(ctx context.Context, a storage.Application, p person.Proofed, pw string) (storage.Application, error) {
	var hash, nonce string
	if a.Kind == storage.KindPassword {
		if err := password.Check(pw, p.Identity.Birth); err != nil {
			return a, err
		}
		var err error
		if hash, err = password.Hash(pw, s.passwordParams(), s.rand()); err != nil {
			return a, fmt.Errorf("proofing: hashing password: %w", err)
		}
	} else if err := s.Passwords.Verify(ctx, a.PersonID, pw); err != nil {
		return a, err
	}
	next := nextState(a.Kind, storage.StatePassword)
	if next == storage.StateDevice {
		if err := s.canReissue(ctx, a.PersonID, p); err != nil {
			return a, err
		}
		var err error
		if nonce, err = s.randomToken(24); err != nil {
			return a, err
		}
	}
	challenge, err := s.faceChallenge(next)
	if err != nil {
		return a, err
	}
	step := func(a *storage.Application) error {
		a.State, a.FaceChallenge = next, challenge
		a.DeviceNonce = []byte(nonce)
		return nil
	}
	if hash != "" {
		return s.completePassword(ctx, a, hash, step)
	}
	return s.update(ctx, a.ID, []storage.ApplicationState{storage.StatePassword}, step)
}

// faceChallenge is a fresh face challenge when the next state is the face
// check (in a re-proofing application it follows the SMS or password
// step), and nil otherwise.
func (s *Service) faceChallenge(next storage.ApplicationState) ([]byte, error) {
	if next != storage.StateFace {
		return nil, nil
	}
	c, err := s.randomToken(32)
	if err != nil {
		return nil, err
	}
	return []byte(c), nil
}

// Act carries out the holder's choice in a recover application's action
// state: ActionSuspend, ActionResume or ActionReissue (the last two with
// the credential password).
func (s *Service) Act(ctx context.Context, id, token, action, pw string) (View, error) {
	a, err := s.load(ctx, id, token)
	if err != nil {
		return View{}, err
	}
	if a.Kind != storage.KindRecover {
		return View{}, ErrKind
	}
	if a.State != storage.StateAction {
		return View{}, wrongState(a.State, storage.StateAction)
	}
	p, err := s.openProofed(a)
	if err != nil {
		return View{}, err
	}
	completed := func(a *storage.Application) error {
		a.State, a.DeviceNonce = storage.StateCompleted, nil
		return nil
	}
	// The lists whose entries the action changed, published once it
	// committed.
	var lists []string
	switch action {
	case ActionSuspend:
		personID := a.PersonID
		a, err = s.complete(ctx, a, storage.StateAction, completed, OutcomeReportedLost, func(tx storage.Storage) error {
			var cerr error
			lists, cerr = s.suspendForHolder(ctx, tx, personID)
			return cerr
		})
	case ActionResume:
		if err := s.Passwords.Verify(ctx, a.PersonID, pw); err != nil {
			return View{}, err
		}
		personID := a.PersonID
		a, err = s.complete(ctx, a, storage.StateAction, completed, OutcomeRecovered, func(tx storage.Storage) error {
			var cerr error
			lists, cerr = s.resumeForHolder(ctx, tx, personID)
			return cerr
		})
	case ActionReissue:
		if err := s.Passwords.Verify(ctx, a.PersonID, pw); err != nil {
			return View{}, err
		}
		if err := s.canReissue(ctx, a.PersonID, p); err != nil {
			return View{}, err
		}
		nonce, nerr := s.randomToken(24)
		if nerr != nil {
			return View{}, nerr
		}
		a, err = s.update(ctx, id, []storage.ApplicationState{storage.StateAction}, func(a *storage.Application) error {
			a.State, a.DeviceNonce = storage.StateDevice, []byte(nonce)
			return nil
		})
	default:
		return View{}, fmt.Errorf("%w: the action must be %s, %s or %s", ErrKind, ActionSuspend, ActionResume, ActionReissue)
	}
	if err != nil {
		return View{}, err
	}
	for _, l := range lists {
		s.statusChanged(l)
	}
	return s.view(a, p), nil
}

// reasonLost is the status reason of a suspension from a recover
// application.
const reasonLost = "device reported lost"

// suspendForHolder suspends the person's usable credentials on the
// holder's behalf, in tx, and returns the status lists it changed. A
// credential already suspended stays as it is.
func (s *Service) suspendForHolder(ctx context.Context, tx storage.Storage, personID string) ([]string, error) {
	creds, err := tx.ListCredentials(ctx, personID)
	if err != nil {
		return nil, fmt.Errorf("proofing: listing credentials: %w", err)
	}
	now, found := s.now(), false
	var lists []string
	for _, c := range creds {
		if !now.Before(c.ExpiresAt) {
			continue
		}
		switch c.Status {
		case storage.CredentialSuspended:
			found = true
		case storage.CredentialActive:
			found = true
			_, err := tx.UpdateCredential(ctx, c.ID, func(c storage.Credential) (storage.Credential, error) {
				if c.Status != storage.CredentialActive {
					return c, nil // changed meanwhile: leave it
				}
				c.Status, c.StatusBy, c.StatusReason, c.UpdatedAt = storage.CredentialSuspended, storage.StatusByRecovery, reasonLost, now
				return c, nil
			})
			if err != nil {
				return nil, fmt.Errorf("proofing: suspending credential: %w", err)
			}
			if lists, err = appendLists(ctx, tx, lists, c); err != nil {
				return nil, err
			}
		}
	}
	if !found {
		return nil, person.ErrNoCredential
	}
	return lists, nil
}

// resumeForHolder lifts the suspensions the holder set, in tx, and returns
// the status lists it changed. An operator's suspension is not the
// holder's to lift.
func (s *Service) resumeForHolder(ctx context.Context, tx storage.Storage, personID string) ([]string, error) {
	creds, err := tx.ListCredentials(ctx, personID)
	if err != nil {
		return nil, fmt.Errorf("proofing: listing credentials: %w", err)
	}
	now := s.now()
	var lists []string
	for _, c := range creds {
		if c.Status != storage.CredentialSuspended || !now.Before(c.ExpiresAt) {
			continue
		}
		if storage.OperatorHold(c) {
			return nil, person.ErrOperatorHold
		}
		if !person.LiftableAfterReproof(c.StatusBy) {
			continue
		}
		_, err := tx.UpdateCredential(ctx, c.ID, func(c storage.Credential) (storage.Credential, error) {
			if c.Status != storage.CredentialSuspended || !person.LiftableAfterReproof(c.StatusBy) {
				return c, person.ErrNothingToResume
			}
			c.Status, c.StatusBy, c.StatusReason, c.UpdatedAt = storage.CredentialActive, "", "", now
			return c, nil
		})
		if err != nil {
			return nil, fmt.Errorf("proofing: resuming credential: %w", err)
		}
		if lists, err = appendLists(ctx, tx, lists, c); err != nil {
			return nil, err
		}
	}
	if len(lists) == 0 {
		return nil, person.ErrNothingToResume
	}
	return lists, nil
}

// appendLists appends to lists the status lists that show c's status: its
// own and those of its batch members.
func appendLists(ctx context.Context, tx storage.Storage, lists []string, c storage.Credential) ([]string, error) {
	lists = append(lists, c.StatusList)
	slots, err := tx.ListStatusSlots(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("proofing: listing status slots: %w", err)
	}
	for _, sl := range slots {
		if sl.List != c.StatusList {
			lists = append(lists, sl.List)
		}
	}
	return lists, nil
}
