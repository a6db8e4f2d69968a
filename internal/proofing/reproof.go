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
//	phone    document (chip) → face → password (the current one) → phone (a new number) → completed
//	recover  document (chip) → face → phone (the linked number) → action:
//	           suspend | resume (+ password)                                           → completed
//	           reissue (+ password) → device                                           → issued
//
// device and password start from the 网号, which is not secret (relying
// parties receive it): their first factor is the SMS code to the linked
// phone. phone (whose holder lost the linked number) and recover (whose
// holder lost the device) start from the document type: their first factor
// is the document's chip, which must belong to a person with a network
// identity in use. Every kind asks for the current password only after the
// first factor and the face check, so someone who knows a 网号 can neither
// guess passwords nor start face checks against it.
//
// Password tries in re-proofing are counted apart from the holder's own
// (person.Passwords, reached only with the device key), whose lockout they
// never touch: per application (the third wrong try ends it), per client
// address and per person, in storage counters, so the limits hold across
// restarts and replicas. Each try is counted before the password is
// hashed, so racing tries are all counted and no more hashes are computed
// than the limits allow.
//
// Up to its first factor, an application started from a 网号 that no one
// uses is answered like one for a 网号 in use (see StartReproof).

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
	// ErrPasswordTries: the application's password tries are used up; it
	// has ended, and a new one starts from its first factor again.
	ErrPasswordTries = errors.New("too many wrong credential passwords in this application: start a new one")
	// ErrTriesFromClient: too many re-proofing password tries came from
	// this client address in the last hour.
	ErrTriesFromClient = errors.New("too many credential password tries from this address: try again later")
	// ErrTriesForHolder: too many re-proofing password tries were made for
	// this network identity today.
	ErrTriesForHolder = errors.New("too many credential password tries for this network identity today: try again tomorrow")
	// ErrCodeLimit: the phone linked to the network identity received the
	// most codes re-proofing sends it in an hour.
	ErrCodeLimit = errors.New("too many codes sent to the phone linked to this network identity: try again in an hour")
)

// maxPhoneMisses bounds the numbers not linked to a person that may be
// tried for them per day, across applications.
const maxPhoneMisses = 5

// Limits is how many tries re-proofing allows. A zero field takes the
// default shown.
type Limits struct {
	// PasswordPerApplication: password tries in one application (3); the
	// last wrong one ends it.
	PasswordPerApplication int
	// PasswordPerPerson: password tries for one person per 24 hours,
	// across applications (10).
	PasswordPerPerson int
	// PasswordPerClient: password tries from one client address per hour,
	// across applications and persons (30).
	PasswordPerClient int
	// CodesPerPerson: SMS codes sent to a person's linked phone per hour by
	// the kinds whose first factor is that code (3).
	CodesPerPerson int
}

func (l Limits) withDefaults() Limits {
	l.PasswordPerApplication = orDefault(l.PasswordPerApplication, 3)
	l.PasswordPerPerson = orDefault(l.PasswordPerPerson, 10)
	l.PasswordPerClient = orDefault(l.PasswordPerClient, 30)
	l.CodesPerPerson = orDefault(l.CodesPerPerson, 3)
	return l
}

// Counter keys and windows of the limits.
const (
	clientWindow = time.Hour
	personWindow = 24 * time.Hour
	codesWindow  = time.Hour
)

// steps are the states of each re-proofing kind, in order; the state
// after the last is StateCompleted (or StateIssued after StateDevice).
var steps = map[storage.ApplicationKind][]storage.ApplicationState{
	storage.KindDevice:   {storage.StatePhone, storage.StateFace, storage.StatePassword, storage.StateDevice},
	storage.KindPassword: {storage.StatePhone, storage.StateFace, storage.StatePassword},
	storage.KindPhone:    {storage.StateDocument, storage.StateFace, storage.StatePassword, storage.StatePhone},
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

// fromDocument reports whether a kind starts from the document (its first
// factor the chip) rather than from the 网号 (its first factor the SMS code
// to the linked phone).
func fromDocument(kind storage.ApplicationKind) bool {
	return kind == storage.KindRecover || kind == storage.KindPhone
}

// beforeFirstFactor reports whether the application has not passed its
// first factor yet.
func beforeFirstFactor(a storage.Application) bool {
	seq := steps[a.Kind]
	return len(seq) > 0 && a.State == seq[0]
}

// linkedPhone: the phone step checks the number against the person's.
func linkedPhone(kind storage.ApplicationKind) bool {
	return kind == storage.KindDevice || kind == storage.KindPassword || kind == storage.KindRecover
}

// StartReproof starts a re-proofing application of kind for the holder of
// wanghao (kinds device and password) or, for kinds phone and recover, for
// the holder of a document of type t (wanghao empty), whom the chip will
// name.
//
// A 网号 is not secret, so starting from one reveals nothing: a well-formed
// 网号 that no one uses (never given, or cancelled) gets an application like
// any other, bound to no person, which its first factor refuses as it
// refuses a wrong number for a 网号 in use. Nothing of the holder (document
// type, minor band, guardian, standing) is read or shown before the first
// factor.
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
	if fromDocument(kind) {
		if wanghao != "" {
			return Started{}, fmt.Errorf("%w: kinds %s and %s start from the document, not the 网号", ErrKind, storage.KindPhone, storage.KindRecover)
		}
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
		switch {
		case err == nil && holder.State == storage.PersonActive && len(holder.Identity) > 0:
			a.PersonID = holder.ID
		case err == nil || errors.Is(err, storage.ErrNotFound):
			a.PersonID = s.nobody(wh)
		default:
			return Started{}, fmt.Errorf("proofing: loading person: %w", err)
		}
	}
	token, err := s.randomToken(32)
	if err != nil {
		return Started{}, err
	}
	a.TokenHash = s.Index.MAC("application-token", []byte(token))
	if err := s.Store.CreateApplication(ctx, a); err != nil {
		return Started{}, fmt.Errorf("proofing: creating application: %w", err)
	}
	return Started{View: s.view(a, person.Proofed{}), Token: token}, nil
}

// nobody is the person ID of a re-proofing application for a 网号 that no
// one uses: derived from the 网号 (so its limits count across applications
// like a person's) and found by no look-up.
func (s *Service) nobody(wanghao string) string {
	return "nobody:" + s.Index.Index("reproof-wanghao", wanghao)
}

// bindHolder is, for the kinds that start from the 网号, what the
// application learns of its person once the SMS code proved the linked
// phone: the identity (sealed to the application, for the face check), the
// document type and the guardian. A device change also needs a document
// still valid and no operator's hold.
func (s *Service) bindHolder(ctx context.Context, a storage.Application) (func(*storage.Application), error) {
	holder, err := s.Store.GetPerson(ctx, a.PersonID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNoSuchHolder
	}
	if err != nil {
		return nil, fmt.Errorf("proofing: loading person: %w", err)
	}
	if holder.State != storage.PersonActive || len(holder.Identity) == 0 {
		return nil, ErrNoSuchHolder
	}
	p, err := person.Open(s.Sealer, holder)
	if err != nil {
		return nil, err
	}
	// The person keeps no minor band (it changes with time): today's.
	p.Minor = person.MinorBand(p.Identity.Birth, s.today())
	if a.Kind == storage.KindDevice {
		if err := s.canReissue(ctx, holder.ID, p); err != nil {
			return nil, err
		}
	}
	sealed, err := s.sealProofed(a.ID, p)
	if err != nil {
		return nil, err
	}
	return func(a *storage.Application) {
		a.PersonIndex, a.GuardianID = holder.Index, holder.GuardianID
		a.DocumentType, a.Identity = string(p.Identity.Type), sealed
	}, nil
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
// phone, that phone is that number; for the kinds whose first factor the
// code is, it also counts the codes sent to the person's phone.
func (s *Service) checkLinkedPhone(ctx context.Context, a storage.Application, phone string) error {
	var linked string
	holder, err := s.Store.GetPerson(ctx, a.PersonID)
	switch {
	case err == nil:
		linked = holder.PhoneIndex
	case errors.Is(err, storage.ErrNotFound):
		// An application for a 网号 no one uses: no number is linked.
	default:
		return fmt.Errorf("proofing: loading person: %w", err)
	}
	same := linked != "" && subtle.ConstantTimeCompare([]byte(linked), []byte(s.Index.Index("phone", phone))) == 1
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
	if beforeFirstFactor(a) {
		// Whoever knows a 网号 and its number could otherwise have codes
		// sent to it without end.
		n, err := s.Store.Increment(ctx, "reproof-codes:"+a.PersonID, s.now().Add(codesWindow))
		if err != nil {
			return fmt.Errorf("proofing: counting codes: %w", err)
		}
		if n > int64(s.Limits.withDefaults().CodesPerPerson) {
			return ErrCodeLimit
		}
	}
	return nil
}

// checkCurrentPassword checks the person's current credential password in
// a re-proofing application, which has passed its first factor and the
// face check. The try is counted, before any hash is computed, against the
// client address (client, a keyed index of it is stored; empty counts
// none), the application and the person; over a limit it is refused
// unhashed, and the try that uses the application's last one ends it. The
// holder's own lockout is neither read nor changed: it guards the password
// used with the device key, which this path does not have. The error wraps
// password.ErrWrongPassword (a *password.WrongPasswordError with the tries
// left in the application), ErrPasswordTries, ErrTriesFromClient or
// ErrTriesForHolder.
func (s *Service) checkCurrentPassword(ctx context.Context, a storage.Application, client, pw string) error {
	lim, now := s.Limits.withDefaults(), s.now()
	count := func(key string, until time.Time) (int64, error) {
		n, err := s.Store.Increment(ctx, key, until)
		if err != nil {
			return 0, fmt.Errorf("proofing: counting password tries: %w", err)
		}
		return n, nil
	}
	if client != "" {
		n, err := count("reproof-password-client:"+s.Index.Index("client-address", client), now.Add(clientWindow))
		if err != nil {
			return err
		}
		if n > int64(lim.PasswordPerClient) {
			return ErrTriesFromClient
		}
	}
	n, err := count("reproof-password-application:"+a.ID, a.ExpiresAt)
	if err != nil {
		return err
	}
	left := int64(lim.PasswordPerApplication) - n
	if left < 0 {
		// The wrong try that used the last one ended the application;
		// a right one racing it may still be carrying it on.
		return ErrPasswordTries
	}
	m, err := count("reproof-password-person:"+a.PersonID, now.Add(personWindow))
	if err != nil {
		return err
	}
	if m > int64(lim.PasswordPerPerson) {
		return ErrTriesForHolder
	}
	holder, err := s.Store.GetPerson(ctx, a.PersonID)
	if err != nil {
		return fmt.Errorf("proofing: loading person: %w", err)
	}
	ok, err := s.hasher().Verify(holder.PasswordHash, pw)
	if err != nil {
		return fmt.Errorf("proofing: stored password hash: %w", err)
	}
	switch {
	case ok:
		return nil
	case left == 0:
		s.end(ctx, a.ID, a.State)
		return ErrPasswordTries
	}
	return &password.WrongPasswordError{Remaining: int(left)}
}

// end ends a live application still in state at once (its tries are
// used up): a new one starts from the first factor again. An application
// that moved on or ended meanwhile stays as it is.
func (s *Service) end(ctx context.Context, id string, state storage.ApplicationState) {
	_, _ = s.Store.UpdateApplication(ctx, id, func(a storage.Application) (storage.Application, error) {
		if a.State == state && s.checkLive(a) == nil {
			a.ExpiresAt, a.UpdatedAt = s.now(), s.now()
		}
		return a, nil
	})
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
// current one (checkCurrentPassword, with the re-proofing limits).
func (s *Service) reproofPassword(ctx context.Context, a storage.Application, p person.Proofed, pw, client string) (storage.Application, error) {
	var hash, nonce string
	if a.Kind == storage.KindPassword {
		if err := password.Check(pw, p.Identity.Birth); err != nil {
			return a, err
		}
		var err error
		if hash, err = s.hasher().Hash(pw); err != nil {
			return a, fmt.Errorf("proofing: hashing password: %w", err)
		}
	} else if err := s.checkCurrentPassword(ctx, a, client, pw); err != nil {
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
// the credential password, checked with the re-proofing limits; client is
// the address the request came from).
func (s *Service) Act(ctx context.Context, id, token, action, pw, client string) (View, error) {
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
		if err := s.checkCurrentPassword(ctx, a, client, pw); err != nil {
			return View{}, err
		}
		personID := a.PersonID
		a, err = s.complete(ctx, a, storage.StateAction, completed, OutcomeRecovered, func(tx storage.Storage) error {
			var cerr error
			lists, cerr = s.resumeForHolder(ctx, tx, personID)
			return cerr
		})
	case ActionReissue:
		if err := s.checkCurrentPassword(ctx, a, client, pw); err != nil {
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
