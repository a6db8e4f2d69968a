package eidverify

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// Errors of an in-person check. Their messages never carry personal data
// or the payload.
var (
	// ErrMalformed: the text is not an eID payload of this platform (it
	// also wraps eid.ErrMalformed when the format is wrong).
	ErrMalformed = errors.New("eidverify: malformed eID payload")
	// ErrSignature: the payload's signature does not verify with the
	// device key of the credential it names (or names no credential).
	ErrSignature = errors.New("eidverify: eID payload signature invalid")
	// ErrWindow: the payload's validity window has passed (or it is dated
	// ahead of the platform's clock by more than eid.Skew); it also wraps
	// eid.ErrExpired or eid.ErrNotYetValid.
	ErrWindow = errors.New("eidverify: eID payload outside its validity window")
	// ErrReplay: the payload was already submitted once.
	ErrReplay = errors.New("eidverify: eID payload already used")
	// ErrSuspended: the credential is suspended.
	ErrSuspended = errors.New("eidverify: network credential suspended")
	// ErrRevoked: the credential is revoked (re-issued, or withdrawn).
	ErrRevoked = errors.New("eidverify: network credential revoked")
	// ErrExpired: the credential (or its document) has expired.
	ErrExpired = errors.New("eidverify: network credential expired")
	// ErrCancelled: the person cancelled (注销) their 网号.
	ErrCancelled = errors.New("eidverify: network identity cancelled")
	// ErrGuardianConsent: the holder is under 14 and their guardian has
	// not consented to checks by this verifier.
	ErrGuardianConsent = errors.New("eidverify: the holder is under 14 and their guardian has not consented to this verifier")
)

// Record values of an in-person check.
const (
	// Channel is the Channel of its verification records.
	Channel = "eid"
	// Level is the assurance level: possession of the device key.
	Level = "possession"
	// OutcomeApproved and OutcomeFailed are the record outcomes.
	OutcomeApproved = "approved"
	OutcomeFailed   = "failed"
)

// Store is what the service reads and writes (storage.Storage satisfies
// it).
type Store interface {
	GetCredential(ctx context.Context, id string) (storage.Credential, error)
	GetPerson(ctx context.Context, id string) (storage.Person, error)
	GetConsent(ctx context.Context, personID, rpID string) (storage.Consent, error)
	UseNonce(ctx context.Context, key string, expiresAt time.Time) error
	// InTransaction runs fn in one transaction (see storage.Storage).
	InTransaction(ctx context.Context, fn func(tx storage.Storage) error) error
}

// Sealer opens personal data sealed at rest (keys.Sealer).
type Sealer interface {
	Open(sealed, aad []byte) ([]byte, error)
}

// RecordLog appends verification records (audit.Log): AppendIn in the
// transaction of the change the record records, Append on its own.
type RecordLog interface {
	Append(ctx context.Context, r storage.Record) (storage.Record, error)
	AppendIn(ctx context.Context, tx audit.Store, r storage.Record) (storage.Record, error)
}

// Service verifies online eID payloads for in-person relying parties. Set
// its fields once; it is then safe for concurrent use.
type Service struct {
	Store   Store
	Sealer  Sealer
	Records RecordLog
	// Issuer is the platform's URL: a payload's iss must be it.
	Issuer string
	// Full keeps full-data checks (fulldata.go); nil: none can be asked
	// for (ErrFullDataNotAllowed).
	Full FullStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Suite is the deployment's crypto suite, whose keys device keys
	// are; default suite.ES256.
	Suite suite.Suite
}

// Check reports every missing dependency at once.
func (s *Service) Check() error {
	var errs []error
	need := func(ok bool, name string) {
		if !ok {
			errs = append(errs, fmt.Errorf("eidverify: %s is not set", name))
		}
	}
	need(s.Store != nil, "Store")
	need(s.Sealer != nil, "Sealer")
	need(s.Records != nil, "Records")
	need(s.Issuer != "", "Issuer")
	return errors.Join(errs...)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Result is what an in-person verifier learns from a verified payload:
// the verdict and exactly the fields its policy gives (Provided); the
// other fields are empty.
type Result struct {
	Verified  bool
	Kind      relyingparty.InPersonKind
	CheckedAt time.Time
	// Provided lists the fields given, in canonical order.
	Provided []Field

	NameMasked    string
	NumberPartial string
	// Photo is the face image as a data: URI (RFC 2397) with its sniffed
	// media type.
	Photo string
	Sex   string
	// AgeOver18 is set when FieldAdult is provided.
	AgeOver18 *bool
	// DocumentValidUntil is YYYY-MM-DD or LongTerm.
	DocumentValidUntil string
	// FullData is set when the check asked for a full-data check: the
	// holder's answer is collected with CollectFullData.
	FullData *FullDataRequest
}

// Has reports whether the field was provided.
func (r Result) Has(f Field) bool {
	for _, p := range r.Provided {
		if p == f {
			return true
		}
	}
	return false
}

// PhotoMediaType returns the media type of the photo's data URI ("" if
// there is none).
func (r Result) PhotoMediaType() string {
	rest, ok := strings.CutPrefix(r.Photo, "data:")
	if !ok {
		return ""
	}
	mt, _, _ := strings.Cut(rest, ";")
	return mt
}

// Verify checks an online payload (eid.PrefixOnline) submitted by the
// authenticated relying party rp and returns what rp's policy gives:
//
//  1. rp is an in-person relying party of a known kind (relyingparty.ErrNotInPerson);
//  2. the payload parses (ErrMalformed) and names this platform as iss;
//  3. its credential exists and the signature verifies with the credential's
//     device key (ErrSignature);
//  4. now is within its window (ErrWindow);
//  5. the credential is active (ErrSuspended, ErrRevoked) and unexpired
//     (ErrExpired), its person not cancelled (ErrCancelled);
//  6. a holder under 14 has their guardian's consent to checks by rp
//     (ErrGuardianConsent): given to a verification by rp, or ahead from
//     the guardian's wallet; the platform checks it, so no wallet can
//     skip it;
//  7. its jti was never used (ErrReplay; kept until exp + eid.Skew).
//
// From step 4 on the holder is identified, and every outcome, failures
// included, is appended to the record log for the holder's history. The
// payload's use and the record of a successful check commit together: if
// the record cannot be written the check fails and the code stays unused.
func (s *Service) Verify(ctx context.Context, rp storage.RelyingParty, payload string) (Result, error) {
	return s.VerifyWith(ctx, rp, payload, CheckOptions{})
}

// VerifyWith is Verify with options: with FullData, a verifier whose kind and
// registration allow it (FullDataAllowed; ErrFullDataNotAllowed otherwise,
// before the payload is looked at) also starts a full-data request, in the
// transaction of the check, which the holder then answers on their device.
func (s *Service) VerifyWith(ctx context.Context, rp storage.RelyingParty, payload string, opt CheckOptions) (Result, error) {
	kind, fields, err := Policy(rp)
	if err != nil {
		return Result{}, err
	}
	if opt.FullData && (s.Full == nil || !FullDataAllowed(rp)) {
		return Result{}, ErrFullDataNotAllowed
	}
	o, err := eid.ParseOnline(strings.TrimSpace(payload))
	if err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if o.Claims.Issuer != s.Issuer {
		return Result{}, fmt.Errorf("%w: the payload is from another platform", ErrMalformed)
	}
	now := s.now()
	cred, err := s.Store.GetCredential(ctx, o.Claims.CredentialID)
	if errors.Is(err, storage.ErrNotFound) {
		return Result{}, fmt.Errorf("%w: no such credential", ErrSignature)
	}
	if err != nil {
		return Result{}, fmt.Errorf("eidverify: loading the credential: %w", err)
	}
	key, err := s.deviceKey(cred.DeviceKey)
	if err != nil {
		return Result{}, fmt.Errorf("%w: the credential's device key is unusable: %w", ErrSignature, err)
	}
	verr := o.Verify(key, now)
	if errors.Is(verr, eid.ErrSignature) {
		return Result{}, fmt.Errorf("%w: %w", ErrSignature, verr)
	}
	// The device key signed: the holder is identified, and what follows
	// goes into their history.
	fail := func(err error) (Result, error) {
		if rerr := s.record(ctx, nil, rp, cred.PersonID, nil, OutcomeFailed); rerr != nil {
			return Result{}, fmt.Errorf("%w (writing the record failed: %w)", err, rerr)
		}
		return Result{}, err
	}
	if verr != nil {
		return fail(fmt.Errorf("%w: %w", ErrWindow, verr))
	}
	if err := credentialState(cred, now); err != nil {
		return fail(err)
	}
	person, err := s.Store.GetPerson(ctx, cred.PersonID)
	if err != nil {
		return Result{}, fmt.Errorf("eidverify: loading the person: %w", err)
	}
	if person.State != storage.PersonActive {
		return fail(fmt.Errorf("%w: the 网号 is %s", ErrCancelled, person.State))
	}
	id, err := s.identity(person)
	if err != nil {
		return Result{}, err
	}
	if id.Birth.AgeOn(document.Today(now)) < 14 {
		c, err := s.Store.GetConsent(ctx, person.ID, rp.ID)
		switch {
		case errors.Is(err, storage.ErrNotFound) || (err == nil && (c.GuardianAt.IsZero() || c.GuardianID != person.GuardianID)):
			return fail(fmt.Errorf("%w: the guardian consents from their wallet (netid wallet guardian allow)", ErrGuardianConsent))
		case err != nil:
			return Result{}, fmt.Errorf("eidverify: loading the guardian's consent: %w", err)
		}
	}
	res, err := s.fill(person, id, kind, fields, now)
	if errors.Is(err, ErrExpired) {
		return fail(err)
	}
	if err != nil {
		return Result{}, err
	}
	errUsed := errors.New("used")
	err = s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		switch err := tx.UseNonce(ctx, "eid:"+o.Claims.ID, o.Claims.ExpiresAt.Add(eid.Skew)); {
		case errors.Is(err, storage.ErrAlreadyExists):
			return errUsed
		case err != nil:
			return fmt.Errorf("eidverify: recording the payload's use: %w", err)
		}
		if err := s.record(ctx, tx, rp, person.ID, res.Provided, OutcomeApproved); err != nil {
			return err
		}
		if !opt.FullData {
			return nil
		}
		fr, err := s.newFullRequest(person.ID, cred.ID, rp, opt, now)
		if err != nil {
			return err
		}
		if err := tx.CreateEIDFullRequest(ctx, fr); err != nil {
			return fmt.Errorf("eidverify: storing the full-data request: %w", err)
		}
		res.FullData = &FullDataRequest{ID: fr.ID, ExpiresAt: fr.ExpiresAt}
		return nil
	})
	if errors.Is(err, errUsed) {
		return fail(fmt.Errorf("%w: show a fresh code", ErrReplay))
	}
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// credentialState checks that the credential is usable at now.
func credentialState(c storage.Credential, now time.Time) error {
	switch c.Status {
	case storage.CredentialActive:
	case storage.CredentialSuspended:
		return ErrSuspended
	case storage.CredentialRevoked:
		return ErrRevoked
	default:
		return fmt.Errorf("%w: unknown status", ErrRevoked)
	}
	if !now.Before(c.ExpiresAt) {
		return ErrExpired
	}
	return nil
}

// deviceKey reads a credential's device key: a public JWK of the
// deployment's suite (P-256 on es256, SM2 on sm).
func (s *Service) deviceKey(jwk []byte) (*ecdsa.PublicKey, error) {
	_, pub, err := s.Suite.Or(suite.ES256).ParsePublicJWK(jwk)
	return pub, err
}

// identity opens the person's identity.
func (s *Service) identity(p storage.Person) (document.Identity, error) {
	pr, err := person.Open(s.Sealer, p)
	if err != nil {
		return document.Identity{}, fmt.Errorf("eidverify: %w", err)
	}
	return pr.Identity, nil
}

// fill fills in the fields from the person's identity id (and photo, if
// given).
func (s *Service) fill(p storage.Person, id document.Identity, kind relyingparty.InPersonKind, fields []Field, now time.Time) (Result, error) {
	res := Result{Verified: true, Kind: kind, CheckedAt: now, Provided: []Field{}}
	if len(fields) == 0 {
		return res, nil
	}
	today := document.Today(now)
	if !id.ValidUntil.IsZero() && id.ValidUntil.Before(today) {
		// The credential never outlives its document; should it, the
		// document decides.
		return Result{}, fmt.Errorf("%w: the identity document has expired", ErrExpired)
	}
	for _, f := range fields {
		switch f {
		case FieldName:
			res.NameMasked = person.MaskName(id.Name)
		case FieldNumber:
			res.NumberPartial = MaskNumber(id.Number)
		case FieldPhoto:
			if len(p.Photo) == 0 {
				continue // proofed before photos were kept
			}
			img, err := s.Sealer.Open(p.Photo, person.AAD(p.ID, "photo"))
			if err != nil {
				return Result{}, fmt.Errorf("eidverify: opening the photo: %w", err)
			}
			mt, _, _ := strings.Cut(http.DetectContentType(img), ";")
			res.Photo = "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(img)
		case FieldSex:
			res.Sex = string(id.Sex)
		case FieldAdult:
			adult := id.Birth.AgeOn(today) >= 18
			res.AgeOver18 = &adult
		case FieldValidUntil:
			res.DocumentValidUntil = LongTerm
			if !id.ValidUntil.IsZero() {
				res.DocumentValidUntil = id.ValidUntil.String()
			}
		}
		res.Provided = append(res.Provided, f)
	}
	return res, nil
}

// record appends the check to the record log: in tx, or on its own when
// tx is nil (a failed check changes nothing else).
func (s *Service) record(ctx context.Context, tx audit.Store, rp storage.RelyingParty, personID string, provided []Field, outcome string) error {
	var names []string
	for _, f := range provided {
		names = append(names, string(f))
	}
	r := storage.Record{
		Time: s.now(), PersonID: personID, RPID: rp.ID, RPName: rp.Name,
		Channel: Channel, Level: Level, Provided: names, Outcome: outcome,
	}
	var err error
	if tx != nil {
		_, err = s.Records.AppendIn(ctx, tx, r)
	} else {
		_, err = s.Records.Append(ctx, r)
	}
	if err != nil {
		return fmt.Errorf("eidverify: writing the record: %w", err)
	}
	return nil
}
