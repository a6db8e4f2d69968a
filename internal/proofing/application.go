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
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// View is what the applicant sees of an application.
type View struct {
	ID string
	// Kind is what the application is for (apply, device, password,
	// phone, recover).
	Kind         storage.ApplicationKind
	State        storage.ApplicationState
	DocumentType document.Type
	ExpiresAt    time.Time
	// Minor is the applicant's minor band once the chip data verified.
	Minor string
	// OnBehalf is true when a guardian applies for a child under 14.
	OnBehalf bool
	// FaceChallenge is set in state face.
	FaceChallenge string
	// FaceImageHash is set in state face of a re-proofing application
	// (kinds other than apply): the SHA-256 of the face image of the
	// person's document chip (base64url), which the liveness attestation
	// must name. An applicant reads it from their own chip instead.
	FaceImageHash string
	// Actions are the choices of a recover application in state action.
	Actions []string
	// DeviceNonce is set in state device.
	DeviceNonce string
	// BatchSize is set in state device: how many batch keys the platform
	// takes with the device key (see Service.Issue).
	BatchSize int
	// CredentialID is set once issued.
	CredentialID string
}

// Started is a new application and its bearer token, which authenticates
// every later step. The token is shown once; the platform keeps its MAC.
type Started struct {
	View
	Token string
}

func appAAD(id, what string) []byte { return []byte("application:" + id + ":" + what) }

// Start begins an application for a document type. guardianID is the
// person ID of an authenticated guardian applying on a child's behalf, or
// empty for a person applying for themself.
func (s *Service) Start(ctx context.Context, t document.Type, guardianID string) (Started, error) {
	if !t.Valid() {
		return Started{}, fmt.Errorf("%w: unknown document type", ErrDocumentType)
	}
	if guardianID != "" {
		if err := s.checkGuardian(ctx, guardianID); err != nil {
			return Started{}, err
		}
	}
	token, err := s.randomToken(32)
	if err != nil {
		return Started{}, err
	}
	now := s.now()
	a := storage.Application{
		ID:           uuid.NewString(),
		Kind:         storage.KindApply,
		State:        storage.StateDocument,
		DocumentType: string(t),
		TokenHash:    s.Index.MAC("application-token", []byte(token)),
		GuardianID:   guardianID,
		CreatedAt:    now,
		UpdatedAt:    now,
		ExpiresAt:    now.Add(orDefault(s.ApplicationTTL, 30*time.Minute)),
	}
	if err := s.Store.CreateApplication(ctx, a); err != nil {
		return Started{}, fmt.Errorf("proofing: creating application: %w", err)
	}
	return Started{View: s.view(a, person.Proofed{}), Token: token}, nil
}

// Get returns the application's view.
func (s *Service) Get(ctx context.Context, id, token string) (View, error) {
	a, err := s.load(ctx, id, token)
	if err != nil {
		return View{}, err
	}
	p, _ := s.openProofed(a)
	return s.view(a, p), nil
}

func (s *Service) view(a storage.Application, p person.Proofed) View {
	v := View{
		ID:           a.ID,
		Kind:         a.Kind,
		State:        a.State,
		DocumentType: document.Type(a.DocumentType),
		ExpiresAt:    a.ExpiresAt,
		Minor:        p.Minor,
		OnBehalf:     a.GuardianID != "" && p.Minor != person.Minor14To17,
		CredentialID: a.CredentialID,
	}
	switch a.State {
	case storage.StateFace:
		v.FaceChallenge = string(a.FaceChallenge)
		// A re-proofing device, and a child's device going on with an
		// application its guardian started with the child's chip, do not
		// hold the chip whose face image the attestation must name.
		if isReproof(a) || v.OnBehalf {
			v.FaceImageHash = b64(p.FaceHash)
		}
	case storage.StateAction:
		v.Actions = []string{ActionSuspend, ActionResume, ActionReissue}
	case storage.StateDevice:
		v.DeviceNonce = string(a.DeviceNonce)
		v.BatchSize = s.BatchSize
	}
	return v
}

// load fetches the application and checks its token and expiry. A wrong
// token is reported as ErrNotFound so tokens cannot be probed.
func (s *Service) load(ctx context.Context, id, token string) (storage.Application, error) {
	a, err := s.Store.GetApplication(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("proofing: loading application: %w", err)
	}
	if subtle.ConstantTimeCompare(a.TokenHash, s.Index.MAC("application-token", []byte(token))) != 1 {
		return storage.Application{}, ErrNotFound
	}
	if err := s.checkLive(a); err != nil {
		return storage.Application{}, err
	}
	return a, nil
}

func (s *Service) checkLive(a storage.Application) error {
	switch a.State {
	case storage.StateIssued, storage.StateCompleted:
		return nil
	case storage.StateDeclined:
		return ErrDeclined
	}
	if !s.now().Before(a.ExpiresAt) {
		return ErrExpired
	}
	return nil
}

// update applies fn to the application if it is in one of the states.
func (s *Service) update(ctx context.Context, id string, states []storage.ApplicationState, fn func(*storage.Application) error) (storage.Application, error) {
	return s.updateIn(ctx, s.Store, id, states, fn)
}

// applications is where updateIn changes an application: the Store, or a
// transaction.
type applications interface {
	UpdateApplication(ctx context.Context, id string, fn func(storage.Application) (storage.Application, error)) (storage.Application, error)
}

// updateIn is update through st (a transaction in which the step's other
// changes happen too).
func (s *Service) updateIn(ctx context.Context, st applications, id string, states []storage.ApplicationState, fn func(*storage.Application) error) (storage.Application, error) {
	return st.UpdateApplication(ctx, id, func(a storage.Application) (storage.Application, error) {
		if err := s.checkLive(a); err != nil {
			return a, err
		}
		ok := false
		for _, st := range states {
			ok = ok || a.State == st
		}
		if !ok {
			return a, wrongState(a.State, states...)
		}
		if err := fn(&a); err != nil {
			return a, err
		}
		a.UpdatedAt = s.now()
		return a, nil
	})
}

func (s *Service) openProofed(a storage.Application) (person.Proofed, error) {
	var p person.Proofed
	if len(a.Identity) == 0 {
		return p, errors.New("proofing: no identity recorded yet")
	}
	b, err := s.Sealer.Open(a.Identity, appAAD(a.ID, "identity"))
	if err != nil {
		return p, fmt.Errorf("proofing: opening identity: %w", err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("proofing: decoding identity: %w", err)
	}
	return p, nil
}

// SubmitDocument verifies the document's chip data (passive authentication
// against the trust list, document validity, number rules and agreement of
// the number with the chip's sex and birth date) and records what it
// proved.
func (s *Service) SubmitDocument(ctx context.Context, id, token string, chipData []byte) (View, error) {
	a, err := s.load(ctx, id, token)
	if err != nil {
		return View{}, err
	}
	if a.State != storage.StateDocument {
		return View{}, wrongState(a.State, storage.StateDocument)
	}
	d, err := chip.Parse(chipData)
	if err != nil {
		return View{}, err
	}
	now := s.now()
	ver, err := chip.Verify(d, s.Documents, now)
	if err != nil {
		return View{}, err
	}
	idn := ver.Identity
	if string(idn.Type) != a.DocumentType {
		return View{}, ErrDocumentType
	}
	today := s.today()
	if err := document.CheckIdentity(idn, today); err != nil {
		return View{}, err
	}
	info, err := document.ValidateNumber(idn.Type, idn.Number, today)
	if err != nil {
		return View{}, err
	}
	idn.Number = info.Normalized
	minor := person.MinorBand(idn.Birth, today)
	personIndex := s.Index.Index("person", person.Key(idn.Type, idn.Number))
	var holder storage.Person
	if fromDocument(a.Kind) {
		// The chip names the person; guardians play no part.
		if holder, err = s.recoverPerson(ctx, personIndex); err != nil {
			return View{}, err
		}
	} else if err := s.checkNoOperatorHold(ctx, personIndex); err != nil {
		return View{}, err
	}
	switch {
	case fromDocument(a.Kind):
	case minor == person.MinorUnder14 && a.GuardianID == "":
		return View{}, ErrGuardianRequired
	case minor != person.MinorUnder14 && a.GuardianID != "":
		return View{}, ErrNotAChild
	}
	// The face image is sealed apart from the identity, in a row of its
	// own: every later step opens the identity, and only issuance needs the
	// image.
	p := person.Proofed{
		Identity:  idn,
		FaceHash:  ver.FaceImageHash[:],
		Minor:     minor,
		PersonKey: person.Key(idn.Type, idn.Number),
	}
	plain, err := json.Marshal(p)
	if err != nil {
		return View{}, fmt.Errorf("proofing: encoding identity: %w", err)
	}
	sealed, err := s.Sealer.Seal(plain, appAAD(a.ID, "identity"))
	if err != nil {
		return View{}, fmt.Errorf("proofing: sealing identity: %w", err)
	}
	var sealedPhoto []byte
	if len(ver.FaceImage) > 0 {
		if sealedPhoto, err = s.Sealer.Seal(ver.FaceImage, appAAD(a.ID, "photo")); err != nil {
			return View{}, fmt.Errorf("proofing: sealing photo: %w", err)
		}
	}
	challenge, err := s.randomToken(32)
	if err != nil {
		return View{}, err
	}
	err = s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		var err error
		if a, err = s.updateIn(ctx, tx, id, []storage.ApplicationState{storage.StateDocument}, documentProved(sealed, personIndex, challenge, holder, minor)); err != nil {
			return err
		}
		if sealedPhoto == nil {
			return nil
		}
		return tx.PutApplicationPhoto(ctx, id, sealedPhoto)
	})
	if err != nil {
		return View{}, err
	}
	return s.view(a, p), nil
}

// documentProved records on an application what its document proved:
// the sealed identity, the person's blind index, the face check's
// challenge and, from the chip, the holder (documents that name one) or
// the next step.
func documentProved(sealed []byte, personIndex, challenge string, holder storage.Person, minor string) func(*storage.Application) error {
	return func(a *storage.Application) error {
		a.Identity = sealed
		a.PersonIndex = personIndex
		a.FaceChallenge = []byte(challenge)
		switch {
		case fromDocument(a.Kind):
			a.PersonID, a.GuardianID = holder.ID, holder.GuardianID
			a.State = nextState(a.Kind, storage.StateDocument)
		case minor == person.MinorNone:
			a.State = storage.StateFace
		default:
			a.State = storage.StateRelationship
		}
		return nil
	}
}

// applicationPhoto is the chip's face image that application a proved,
// nil if there is none: in the identity p of an application begun before
// the image was kept apart, or else kept apart (PutApplicationPhoto),
// where take (GetApplicationPhoto, or TakeApplicationPhoto, which deletes
// it) finds it.
func (s *Service) applicationPhoto(ctx context.Context, a storage.Application, p person.Proofed, take func(context.Context, string) ([]byte, error)) ([]byte, error) {
	if len(p.Photo) > 0 {
		return p.Photo, nil
	}
	sealed, err := take(ctx, a.ID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("proofing: loading photo: %w", err)
	}
	photo, err := s.Sealer.Open(sealed, appAAD(a.ID, "photo"))
	if err != nil {
		return nil, fmt.Errorf("proofing: opening photo: %w", err)
	}
	return photo, nil
}

// SubmitRelationship records the guardian relationship evidence of a
// minor's application. For a 14–17 applicant, guardianWanghao names the
// guardian, who must hold an active 网证; for an under-14 application started
// by a guardian it may be empty (it must otherwise be that guardian's).
func (s *Service) SubmitRelationship(ctx context.Context, id, token, guardianWanghao, evidence string) (View, error) {
	a, err := s.load(ctx, id, token)
	if err != nil {
		return View{}, err
	}
	if a.State != storage.StateRelationship {
		return View{}, wrongState(a.State, storage.StateRelationship)
	}
	p, err := s.openProofed(a)
	if err != nil {
		return View{}, err
	}
	var g storage.Person
	if a.GuardianID != "" {
		if g, err = s.Store.GetPerson(ctx, a.GuardianID); err != nil {
			return View{}, fmt.Errorf("proofing: loading guardian: %w", err)
		}
		if wh, _ := netnum.Parse(guardianWanghao); guardianWanghao != "" && wh != g.Wanghao {
			return View{}, fmt.Errorf("%w: the named guardian is not the one who applies", guardian.ErrMismatch)
		}
	} else {
		wh, perr := netnum.Parse(guardianWanghao)
		if perr != nil {
			return View{}, fmt.Errorf("%w: the guardian's 网号 is not valid", ErrGuardianIneligible)
		}
		g, err = s.Store.GetPersonByWanghao(ctx, wh)
		if errors.Is(err, storage.ErrNotFound) {
			return View{}, fmt.Errorf("%w: no such 网号", ErrGuardianIneligible)
		}
		if err != nil {
			return View{}, fmt.Errorf("proofing: loading guardian: %w", err)
		}
	}
	if err := s.checkGuardian(ctx, g.ID); err != nil {
		return View{}, err
	}
	if g.Index == a.PersonIndex {
		return View{}, fmt.Errorf("%w: an applicant cannot be their own guardian", ErrGuardianIneligible)
	}
	want := guardian.Claim{Guardian: g.Wanghao, ChildRef: guardian.ChildRef(a.ID, p.Identity.Type, p.Identity.Number)}
	if err := s.Guardians.Verify(ctx, evidence, want, s.now()); err != nil {
		return View{}, err
	}
	a, err = s.update(ctx, id, []storage.ApplicationState{storage.StateRelationship}, func(a *storage.Application) error {
		a.GuardianID = g.ID
		a.State = storage.StateFace
		return nil
	})
	if err != nil {
		return View{}, err
	}
	return s.view(a, p), nil
}

// checkGuardian checks that a person may act as a guardian: an active
// person, an adult, with an active unexpired credential.
func (s *Service) checkGuardian(ctx context.Context, personID string) error {
	g, err := s.Store.GetPerson(ctx, personID)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrGuardianIneligible, err)
	}
	if g.State != storage.PersonActive {
		return ErrGuardianIneligible
	}
	idn, err := s.personIdentity(g)
	if err != nil {
		return err
	}
	if idn.Birth.AgeOn(s.today()) < 18 {
		return fmt.Errorf("%w: the guardian is not an adult", ErrGuardianIneligible)
	}
	if _, err := s.activeCredential(ctx, g.ID); err != nil {
		return err
	}
	return nil
}

func (s *Service) activeCredential(ctx context.Context, personID string) (storage.Credential, error) {
	creds, err := s.Store.ListCredentials(ctx, personID)
	if err != nil {
		return storage.Credential{}, fmt.Errorf("proofing: listing credentials: %w", err)
	}
	now := s.now()
	for _, c := range creds {
		if c.Status == storage.CredentialActive && now.Before(c.ExpiresAt) {
			return c, nil
		}
	}
	return storage.Credential{}, fmt.Errorf("%w: no active network credential", ErrGuardianIneligible)
}

func (s *Service) personIdentity(p storage.Person) (document.Identity, error) {
	pr, err := person.Open(s.Sealer, p)
	return pr.Identity, err
}

// SubmitFace checks a liveness attestation against the face challenge, this
// application and the chip's face image.
func (s *Service) SubmitFace(ctx context.Context, id, token, attestation string) (View, error) {
	a, err := s.load(ctx, id, token)
	if err != nil {
		return View{}, err
	}
	if a.State != storage.StateFace {
		return View{}, wrongState(a.State, storage.StateFace)
	}
	p, err := s.openProofed(a)
	if err != nil {
		return View{}, err
	}
	want := liveness.Expect{Challenge: string(a.FaceChallenge), ApplicationID: a.ID}
	copy(want.FaceImageHash[:], p.FaceHash)
	res, verr := s.Liveness.Verify(attestation, want, s.now())
	if verr != nil {
		n, err := s.Store.Increment(ctx, "face-failures:"+a.ID, a.ExpiresAt)
		if err != nil {
			return View{}, fmt.Errorf("proofing: counting face failures: %w", err)
		}
		if limit := orDefault(s.FaceAttempts, 3); n >= int64(limit) {
			// The application is dead: a new one must start from the chip.
			_, _ = s.update(ctx, id, []storage.ApplicationState{storage.StateFace}, func(a *storage.Application) error {
				a.ExpiresAt = s.now()
				return nil
			})
			return View{}, fmt.Errorf("%w (%w)", ErrFaceAttempts, verr)
		}
		return View{}, verr
	}
	a, err = s.update(ctx, id, []storage.ApplicationState{storage.StateFace}, func(a *storage.Application) error {
		if subtle.ConstantTimeCompare(a.FaceChallenge, []byte(want.Challenge)) != 1 {
			return fmt.Errorf("%w: the face challenge changed", liveness.ErrMismatch)
		}
		a.FaceChallenge = nil
		a.FaceScore = res.Score
		a.State = storage.StatePhone
		if isReproof(*a) {
			a.State = nextState(a.Kind, storage.StateFace)
		}
		return nil
	})
	if err != nil {
		return View{}, err
	}
	return s.view(a, p), nil
}

func (s *Service) codeSubject(id string) string { return "application:" + id }

// SendPhoneCode records the phone number to bind and sends it an SMS code.
// It may be called again to resend (subject to the resend interval) or to
// change the number before the code is verified.
func (s *Service) SendPhoneCode(ctx context.Context, id, token, phone string) error {
	a, err := s.load(ctx, id, token)
	if err != nil {
		return err
	}
	if a.State != storage.StatePhone {
		return wrongState(a.State, storage.StatePhone)
	}
	if isReproof(a) {
		if err := s.checkLinkedPhone(ctx, a, phone); err != nil {
			return err
		}
	}
	sealed, err := s.Sealer.Seal([]byte(phone), appAAD(a.ID, "phone"))
	if err != nil {
		return fmt.Errorf("proofing: sealing phone: %w", err)
	}
	if err := s.Codes.Send(ctx, s.codeSubject(a.ID), phone); err != nil {
		return err
	}
	_, err = s.update(ctx, id, []storage.ApplicationState{storage.StatePhone}, func(a *storage.Application) error {
		a.Phone = sealed
		a.PhoneIndex = s.Index.Index("phone", phone)
		return nil
	})
	return err
}

// ErrNoPhone: a code was submitted before a phone number.
var ErrNoPhone = errors.New("no phone number given yet")

// VerifyPhone checks the SMS code sent to the application's phone number.
func (s *Service) VerifyPhone(ctx context.Context, id, token, code string) (View, error) {
	a, err := s.load(ctx, id, token)
	if err != nil {
		return View{}, err
	}
	if a.State != storage.StatePhone {
		return View{}, wrongState(a.State, storage.StatePhone)
	}
	if len(a.Phone) == 0 {
		return View{}, ErrNoPhone
	}
	phone, err := s.Sealer.Open(a.Phone, appAAD(a.ID, "phone"))
	if err != nil {
		return View{}, fmt.Errorf("proofing: opening phone: %w", err)
	}
	if err := s.Codes.Verify(ctx, s.codeSubject(a.ID), string(phone), code); err != nil {
		return View{}, err
	}
	next := storage.StatePassword
	if isReproof(a) {
		next = nextState(a.Kind, storage.StatePhone)
	}
	// The code was the first factor of a re-proofing started from the
	// 网号: only now does the application learn who its person is.
	bind := func(*storage.Application) {}
	if isReproof(a) && beforeFirstFactor(a) {
		if bind, err = s.bindHolder(ctx, a); err != nil {
			return View{}, err
		}
	}
	challenge, err := s.faceChallenge(next)
	if err != nil {
		return View{}, err
	}
	step := func(a *storage.Application) error {
		a.State, a.FaceChallenge = next, challenge
		bind(a)
		return nil
	}
	if next == storage.StateCompleted {
		a, err = s.completePhone(ctx, a, step)
	} else {
		a, err = s.update(ctx, id, []storage.ApplicationState{storage.StatePhone}, step)
	}
	if err != nil {
		return View{}, err
	}
	p, _ := s.openProofed(a)
	return s.view(a, p), nil
}

// SetPassword checks the credential password against the rules (and the
// holder's birth date) and stores its argon2id hash. A 14–17 applicant's
// application then waits for the guardian; everyone else's for the device
// key. In a re-proofing application it sets the new password (kind
// password) or checks the current one (checkCurrentPassword, whose tries
// are also counted against client, the address the request came from).
func (s *Service) SetPassword(ctx context.Context, id, token, pw, client string) (View, error) {
	a, err := s.load(ctx, id, token)
	if err != nil {
		return View{}, err
	}
	if a.State != storage.StatePassword {
		return View{}, wrongState(a.State, storage.StatePassword)
	}
	p, err := s.openProofed(a)
	if err != nil {
		return View{}, err
	}
	if isReproof(a) {
		a, err := s.reproofPassword(ctx, a, p, pw, client)
		if err != nil {
			return View{}, err
		}
		return s.view(a, p), nil
	}
	if err := password.Check(pw, p.Identity.Birth); err != nil {
		return View{}, err
	}
	hash, err := s.hasher().Hash(pw)
	if err != nil {
		return View{}, fmt.Errorf("proofing: hashing password: %w", err)
	}
	nonce, err := s.randomToken(24)
	if err != nil {
		return View{}, err
	}
	a, err = s.update(ctx, id, []storage.ApplicationState{storage.StatePassword}, func(a *storage.Application) error {
		a.PasswordHash = hash
		if p.Minor == person.Minor14To17 {
			a.State = storage.StateGuardian
		} else {
			a.State = storage.StateDevice
			a.DeviceNonce = []byte(nonce)
		}
		return nil
	})
	if err != nil {
		return View{}, err
	}
	return s.view(a, p), nil
}
