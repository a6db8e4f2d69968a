package proofing

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/status"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// LivenessVerifier checks liveness attestations (liveness.Verifier).
type LivenessVerifier interface {
	Verify(attestation string, want liveness.Expect, now time.Time) (liveness.Result, error)
}

// Codes sends and checks SMS one-time codes (sms.Codes).
type Codes interface {
	Send(ctx context.Context, subject, phone string) error
	Verify(ctx context.Context, subject, phone, code string) error
}

// KeySigner gives the platform's active signing key (keys.KeySet).
type KeySigner interface {
	Signer() (crypto.Signer, string)
}

// Passwords checks a person's credential password with the lockout
// (person.Passwords): nil, or an error wrapping password.ErrWrongPassword
// or a *password.LockedError. Only a person who authenticated with their
// device key reaches it (a guardian deciding on a request); re-proofing,
// which has no device key, counts its password tries apart and never
// touches the lockout.
type Passwords interface {
	Verify(ctx context.Context, personID, password string) error
}

// PasswordHasher hashes new credential passwords and checks a password
// against a stored hash (password.Argon2id).
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(encoded, password string) (bool, error)
}

// Sealer encrypts personal data at rest (keys.Sealer).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(ciphertext, aad []byte) ([]byte, error)
}

// Indexer computes blind indexes and MACs of secrets (keys.Indexer).
type Indexer interface {
	Index(domain, value string) string
	MAC(domain string, secret []byte) []byte
}

// Service runs applications. All fields but the optional ones must be set;
// Check reports what is missing.
type Service struct {
	Store     storage.Storage
	Documents *chip.TrustList
	Liveness  LivenessVerifier
	Codes     Codes
	Guardians guardian.Verifier
	Keys      KeySigner
	Sealer    Sealer
	Index     Indexer
	Passwords Passwords
	// Issuer is the platform's issuer identifier (its public URL); device
	// proofs must name it as audience.
	Issuer string
	// StatusURI returns the URI of status list list.
	StatusURI func(list string) string
	// Indices draws the status list indices of the credentials issued, at
	// random (see status.Allocator).
	Indices *status.Allocator
	// BatchSize is how many batch credentials, each bound to its own
	// device key, a wallet may ask for with its credential; 0 issues none.
	BatchSize int

	// Records, if set, receives a record (channel audit.ChannelLifecycle) of
	// every change a re-proofing application makes,
	// so the holder's history shows them.
	Records RecordLog
	// Status, if set, is told of every status list whose entries a flow
	// changed (a suspension, a resumption, the revocation of a replaced
	// credential), so relying parties see the change within one ttl.
	Status StatusInvalidator

	// Optional settings; zero values take the defaults.
	PasswordParams password.Params // default password.DefaultParams
	// Hasher hashes and checks credential passwords; nil means
	// password.Argon2id with PasswordParams and Rand.
	Hasher            PasswordHasher
	ApplicationTTL    time.Duration // default 30 minutes
	FaceAttempts      int           // default 3 failed face checks per application
	Limits            Limits        // re-proofing's tries; see Limits for the defaults
	CredentialTTL     time.Duration // default 3 years (never beyond the document)
	DeviceProofMaxAge time.Duration // default 5 minutes
	Now               func() time.Time
	Rand              io.Reader

	// Suite is the deployment's crypto suite: device keys must be its
	// keys (SM2 on sm, P-256 on es256). Default suite.ES256.
	Suite suite.Suite
}

// Check reports every missing dependency at once.
func (s *Service) Check() error {
	var errs []error
	need := func(ok bool, name string) {
		if !ok {
			errs = append(errs, fmt.Errorf("proofing: %s is not set", name))
		}
	}
	need(s.Store != nil, "Store")
	need(s.Documents != nil, "Documents trust list")
	need(s.Liveness != nil, "Liveness")
	need(s.Codes != nil, "Codes")
	need(s.Guardians != nil, "Guardians")
	need(s.Keys != nil, "Keys")
	need(s.Sealer != nil, "Sealer")
	need(s.Index != nil, "Index")
	need(s.Passwords != nil, "Passwords")
	need(s.Issuer != "", "Issuer")
	need(s.StatusURI != nil, "StatusURI")
	need(s.Indices != nil, "Indices")
	need(s.BatchSize >= 0, "a non-negative BatchSize")
	return errors.Join(errs...)
}

func (s *Service) suite() suite.Suite { return s.Suite.Or(suite.ES256) }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) today() document.Date { return document.Today(s.now()) }

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

func (s *Service) hasher() PasswordHasher {
	if s.Hasher != nil {
		return s.Hasher
	}
	return password.Argon2id{Params: s.PasswordParams, Rand: s.rand()}
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// randomToken returns n random bytes, base64url without padding.
func (s *Service) randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand(), b); err != nil {
		return "", fmt.Errorf("proofing: reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Errors of the proofing flow. Each is wrapped with detail that carries no
// personal data.
var (
	// ErrNotFound: no such application (or the token does not match it).
	ErrNotFound = errors.New("application not found")
	// ErrExpired: the application's time ran out; start again.
	ErrExpired = errors.New("application expired")
	// ErrWrongState: the step does not fit where the application stands.
	ErrWrongState = errors.New("step not allowed in this state")
	// ErrDocumentType: the chip data is of another document type than the
	// application was started for.
	ErrDocumentType = errors.New("document type does not match the application")
	// ErrGuardianRequired: the applicant is under 14 and the application was
	// not started by a guardian.
	ErrGuardianRequired = errors.New("applicants under 14 must be applied for by their guardian")
	// ErrNotAChild: a guardian applied on behalf of someone 14 or older.
	ErrNotAChild = errors.New("only applicants under 14 are applied for by a guardian")
	// ErrGuardianIneligible: the named guardian has no active 网证 or is not
	// an adult.
	ErrGuardianIneligible = errors.New("guardian must be an adult holding an active network credential")
	// ErrFaceAttempts: too many failed face checks; start a new application.
	ErrFaceAttempts = errors.New("too many failed face checks")
	// ErrDeviceProof: the device key's proof of possession is invalid.
	ErrDeviceProof = errors.New("invalid device key proof")
	// ErrDeclined: the guardian declined the application.
	ErrDeclined = errors.New("the guardian declined the application")
	// ErrNotGuardian: the request is not addressed to this guardian.
	ErrNotGuardian = errors.New("no such request for this guardian")
)

// StateError says which state a step needs and which the application is in.
type StateError struct {
	Have storage.ApplicationState
	Want []storage.ApplicationState
}

func (e *StateError) Error() string {
	return fmt.Sprintf("step not allowed: application is in state %q, the step needs %q", e.Have, e.Want)
}

// Is makes errors.Is(err, ErrWrongState) true.
func (e *StateError) Is(target error) bool { return target == ErrWrongState }

func wrongState(have storage.ApplicationState, want ...storage.ApplicationState) error {
	return &StateError{Have: have, Want: want}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// StatusInvalidator drops a status list's cached token (status.Publisher).
type StatusInvalidator interface {
	Invalidate(list string)
}

// statusChanged tells Status that entries of list changed.
func (s *Service) statusChanged(list string) {
	if s.Status != nil {
		s.Status.Invalidate(list)
	}
}

// RecordLog appends to the verification record log (audit.Log) in the
// transaction of the change the record records.
type RecordLog interface {
	AppendIn(ctx context.Context, tx audit.Store, r storage.Record) (storage.Record, error)
}

// Outcomes of the records proofing writes.
const (
	OutcomeIssued        = "credential_issued"
	OutcomeDeviceChanged = "device_changed"
	OutcomeReportedLost  = "reported_lost"
	OutcomeRecovered     = "resumed_after_recovery"
	OutcomeReissued      = "reissued_after_recovery"
	OutcomePasswordReset = "password_reset"
	OutcomePhoneReplaced = "phone_replaced"
)

// record appends a lifecycle record for the person.
// in tx: the change and its record commit together.
func (s *Service) record(ctx context.Context, tx storage.Storage, personID, outcome string) error {
	if s.Records == nil {
		return nil
	}
	r := storage.Record{PersonID: personID, RPName: audit.PlatformName, Channel: audit.ChannelLifecycle, Outcome: outcome}
	if _, err := s.Records.AppendIn(ctx, tx, r); err != nil {
		return fmt.Errorf("proofing: recording %s: %w", outcome, err)
	}
	return nil
}
