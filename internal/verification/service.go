package verification

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
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/storage"
)

// Store is what verification keeps and reads (storage.Storage satisfies
// it).
type Store interface {
	GetRelyingParty(ctx context.Context, id string) (storage.RelyingParty, error)
	CreateSession(ctx context.Context, s storage.Session) error
	GetSession(ctx context.Context, id string) (storage.Session, error)
	GetSessionByCode(ctx context.Context, codeHash []byte) (storage.Session, error)
	UpdateSession(ctx context.Context, id string, fn func(storage.Session) (storage.Session, error)) (storage.Session, error)
	// ClaimSession claims a session for a wallet, recording its proof in
	// the same statement (see storage.Storage).
	ClaimSession(ctx context.Context, c storage.SessionClaim) (storage.Session, error)
	ListGuardianSessions(ctx context.Context, guardianID string, state storage.SessionState) ([]storage.Session, error)
	GetConsent(ctx context.Context, personID, rpID string) (storage.Consent, error)
	// UpdateConsent changes a consent holding it (see storage.Storage).
	UpdateConsent(ctx context.Context, personID, rpID string, fn func(storage.Consent, bool) (storage.Consent, bool, error)) (storage.Consent, error)
	ListConsents(ctx context.Context, personID string) ([]storage.Consent, error)
	GetPerson(ctx context.Context, id string) (storage.Person, error)
	// GetCredentialHolder reads a credential and its person in one read.
	GetCredentialHolder(ctx context.Context, id string) (storage.Credential, storage.Person, error)
	ListCredentials(ctx context.Context, personID string) ([]storage.Credential, error)
	// ListStatusSlots gives a credential's batch members, whose keys get
	// guardian consent statements too.
	ListStatusSlots(ctx context.Context, credentialID string) ([]storage.StatusSlot, error)
	ListPersonRecords(ctx context.Context, personID string, before int64, limit int) ([]storage.Record, error)
	// Increment counts a holder's reported presentations (see
	// storage.Storage).
	Increment(ctx context.Context, key string, expiresAt time.Time) (int64, error)
	// UseNonce records a holder proof's one-time value (see
	// storage.Storage).
	UseNonce(ctx context.Context, key string, expiresAt time.Time) error
	// InTransaction runs fn in one transaction (see storage.Storage).
	InTransaction(ctx context.Context, fn func(tx storage.Storage) error) error
}

// RelyingParties reads relying parties.
type RelyingParties interface {
	GetRelyingParty(ctx context.Context, id string) (storage.RelyingParty, error)
}

// relyingParty reads the relying party id through RelyingParties.
func (s *Service) relyingParty(ctx context.Context, id string) (storage.RelyingParty, error) {
	if s.RelyingParties != nil {
		return s.RelyingParties.GetRelyingParty(ctx, id)
	}
	return s.Store.GetRelyingParty(ctx, id)
}

// Passwords checks a person's credential password with lockout
// (person.Passwords).
type Passwords interface {
	Verify(ctx context.Context, personID, password string) error
}

// LivenessVerifier checks liveness attestations (liveness.Verifier).
type LivenessVerifier interface {
	Verify(attestation string, want liveness.Expect, now time.Time) (liveness.Result, error)
}

// KeySigner gives the platform's active signing key (keys.KeySet).
type KeySigner interface {
	Signer() (crypto.Signer, string)
}

// Sealer encrypts personal data at rest (keys.Sealer).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(ciphertext, aad []byte) ([]byte, error)
}

// MACer computes MACs of secrets and identifiers (keys.Indexer).
type MACer interface {
	MAC(domain string, secret []byte) []byte
}

// RecordLog appends verification records (audit.Log): AppendIn in the
// transaction of the change the record records, Append on its own.
type RecordLog interface {
	Append(ctx context.Context, r storage.Record) (storage.Record, error)
	AppendIn(ctx context.Context, tx audit.Store, r storage.Record) (storage.Record, error)
}

// Notifier tells a relying party's callback URL that a session ended
// (optional).
type Notifier interface {
	// Notify sends session s's outcome to rp, with result, the signed
	// result JWT of an approved session ("" otherwise).
	Notify(rp storage.RelyingParty, s storage.Session, result string)
}

// Service runs verifications.
type Service struct {
	Store Store
	// RelyingParties, if set, serves the relying party a holder's open and
	// answer show and sign for (a relyingparty.Cache: as read at most its
	// TTL ago); nil reads Store.
	RelyingParties RelyingParties
	Passwords      Passwords
	Liveness       LivenessVerifier
	Keys           KeySigner
	Sealer         Sealer
	MAC            MACer
	Records        RecordLog
	// Issuer is the platform's URL: the iss of results and the platform of
	// deep links.
	Issuer string
	// Notifier, if set, receives every session that ends.
	Notifier Notifier
	// SessionTTL bounds how long a session code is valid (default 5
	// minutes).
	SessionTTL time.Duration
	// ReportsPerDay limits the offline presentations a holder may report
	// per day (default DefaultReportsPerDay).
	ReportsPerDay int
	Now           func() time.Time
	Rand          io.Reader
}

// Check reports every missing dependency at once.
func (s *Service) Check() error {
	var errs []error
	need := func(ok bool, name string) {
		if !ok {
			errs = append(errs, fmt.Errorf("verification: %s is not set", name))
		}
	}
	need(s.Store != nil, "Store")
	need(s.Passwords != nil, "Passwords")
	need(s.Liveness != nil, "Liveness")
	need(s.Keys != nil, "Keys")
	need(s.Sealer != nil, "Sealer")
	need(s.MAC != nil, "MAC")
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

func (s *Service) random(n int) (string, error) {
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("verification: randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (s *Service) sessionTTL() time.Duration {
	if s.SessionTTL > 0 {
		return s.SessionTTL
	}
	return 5 * time.Minute
}

// Subject is the pairwise subject identifier of a person at a relying
// party: the same for every relying party of one sector, unlinkable across
// sectors without the platform's key.
func (s *Service) Subject(rp storage.RelyingParty, personID string) string {
	sector := rp.Sector
	if sector == "" {
		sector = rp.ID
	}
	mac := s.MAC.MAC("pairwise-subject", []byte(sector+"\x00"+personID))
	return base64.RawURLEncoding.EncodeToString(mac)
}

// Errors of verification, each wrapped with detail free of personal data.
var (
	// ErrInvalidRequest: the relying party's request is malformed or asks
	// for what its registration does not allow.
	ErrInvalidRequest = errors.New("invalid verification request")
	// ErrNotAllowed: the relying party is not registered for a claim.
	ErrNotAllowed = errors.New("claim not allowed for this relying party")
	// ErrSessionNotFound: no such session (or code).
	ErrSessionNotFound = errors.New("verification session not found")
	// ErrSessionExpired: the session's time ran out.
	ErrSessionExpired = errors.New("verification session expired")
	// ErrSessionClosed: the session already ended (approved, declined,
	// cancelled or failed): a replayed code or a second answer.
	ErrSessionClosed = errors.New("verification session already ended")
	// ErrSessionClaimed: another wallet opened the session first.
	ErrSessionClaimed = errors.New("verification session belongs to another wallet")
	// ErrWrongHolder: the relying party asked for a specific person and
	// this holder is someone else.
	ErrWrongHolder = errors.New("this verification is for another person")
	// ErrLevel: the answer does not reach the level asked for (missing
	// password or face check).
	ErrLevel = errors.New("assurance level not reached")
	// ErrNotGuardian: no such request for this guardian.
	ErrNotGuardian = errors.New("no such guardian request")
	// ErrNoLongerUsable: between the holder's answer and the approval (a
	// guardian's consent) the credential stopped being active, the person
	// cancelled, or the relying party was disabled; the session failed.
	ErrNoLongerUsable = errors.New("the credential or the relying party is no longer usable for this verification")
	// ErrNoFaceCheck: the session asks for no live face check now (not
	// the face level, or not opened by this wallet yet).
	ErrNoFaceCheck = errors.New("no face check is due in this verification")
)
