package storage

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Sentinel errors. Every backend translates its driver's errors into these,
// so callers test with errors.Is and never see a driver type.
var (
	// ErrNotFound is returned when the requested record does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrAlreadyExists is returned when a record with the same unique key
	// (ID, blind index, 网号, nonce, …) already exists.
	ErrAlreadyExists = errors.New("storage: already exists")
	// ErrUnavailable is returned when the database cannot be reached or
	// is shutting down or starting (a restarted PostgreSQL server, a
	// lost connection). Nothing was written; the same call may succeed
	// a moment later. Such errors are *UnavailableError.
	ErrUnavailable = errors.New("storage: database unavailable")
)

// UnavailableError is an ErrUnavailable with the driver's error, which it
// keeps for logs (errors.Unwrap) but leaves out of its message.
type UnavailableError struct {
	Op  string
	Err error
}

// Error implements error.
func (e *UnavailableError) Error() string { return e.Op + ": " + ErrUnavailable.Error() }

// Unwrap returns ErrUnavailable and the driver's error.
func (e *UnavailableError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// RetryAfter is how long a client should wait before trying again: long
// enough for a connection pool to reconnect to a restarted server.
func (e *UnavailableError) RetryAfter() time.Duration { return 2 * time.Second }

// Storage is everything the platform keeps. Implementations must be safe for
// concurrent use; every Update method runs its function inside a transaction
// holding a lock on the row, so two racing updates of the same record are
// serialised and the second sees the first's result. If fn returns an error,
// nothing is written and Update returns that error unchanged (so callers can
// test it with errors.Is). InTransaction makes several calls one
// transaction.
//
// All times are stored with at least microsecond precision and returned in
// UTC. Byte slices that hold personal data are already sealed (encrypted) by
// the caller; the storage layer never sees plaintext identity data.
type Storage interface {
	// The verification flows' relying parties, sessions, grants, consents
	// and record log (see VerificationStore).
	VerificationStore
	// The counters registered to apply on people's behalf (see CounterStore).
	CounterStore
	// Applications of relying parties and their daily counts (see
	// RPApplicationStore).
	RPApplicationStore
	// Persons whose sealed identity is in an old format.
	IdentityFormatStore
	// Recourse: the cases holders open (see CaseStore).
	CaseStore
	// In-person verifier terminals and full-data checks (VerifierStore).
	VerifierStore
	// Monthly partitions of the record log (see PartitionStore).
	PartitionStore
	// The crypto suite the data was created under (CryptoSuiteStore).
	CryptoSuiteStore

	// Applications (申领).
	CreateApplication(ctx context.Context, a Application) error
	GetApplication(ctx context.Context, id string) (Application, error)
	UpdateApplication(ctx context.Context, id string, fn func(Application) (Application, error)) (Application, error)
	// ListGuardianApplications returns the applications waiting for the
	// guardian person guardianID in the given state, oldest first.
	ListGuardianApplications(ctx context.Context, guardianID string, state ApplicationState) ([]Application, error)
	// PutApplicationPhoto keeps the sealed face image from the chip of
	// application id, replacing one kept before; ErrNotFound if there is no
	// such application. It is kept apart from the application, whose every
	// step reads and rewrites its row, because only issuance needs it (a
	// passport's image is 15–20 KB). GetApplicationPhoto returns it;
	// TakeApplicationPhoto returns it and deletes it; both ErrNotFound if
	// none is kept. DeleteExpired removes the photos of the applications it
	// deletes.
	PutApplicationPhoto(ctx context.Context, id string, sealed []byte) error
	GetApplicationPhoto(ctx context.Context, id string) ([]byte, error)
	TakeApplicationPhoto(ctx context.Context, id string) ([]byte, error)

	// Persons: one per natural person, keyed by a blind index of the
	// person's document identity.
	//
	// GetOrCreatePerson returns the person whose Index equals p.Index,
	// creating p if there is none; created reports which. Two racing calls
	// with the same Index both return the same person, and exactly one of
	// them reports created. A different person with the same Wanghao is an
	// ErrAlreadyExists (the caller draws a new 网号 and retries).
	GetOrCreatePerson(ctx context.Context, p Person) (person Person, created bool, err error)
	GetPerson(ctx context.Context, id string) (Person, error)
	GetPersonByWanghao(ctx context.Context, wanghao string) (Person, error)
	// GetPersonByIndex returns the person whose Index is index (the blind
	// index of a document identity); ErrNotFound if there is none.
	GetPersonByIndex(ctx context.Context, index string) (Person, error)
	UpdatePerson(ctx context.Context, id string, fn func(Person) (Person, error)) (Person, error)
	// ListWards returns the persons whose GuardianID is guardianID, ordered
	// by CreatedAt (then ID). An empty guardianID matches no one: it returns
	// nil rather than every person without a guardian.
	ListWards(ctx context.Context, guardianID string) ([]Person, error)

	// Credentials (网证).
	//
	// IssueCredential stores c and, in the same transaction, revokes every
	// other active or suspended credential of c.PersonID (setting Status to
	// CredentialRevoked, StatusReason to "superseded", StatusBy to
	// StatusByPlatform and UpdatedAt to c.IssuedAt): a person holds at most
	// one usable credential.
	IssueCredential(ctx context.Context, c Credential) error
	GetCredential(ctx context.Context, id string) (Credential, error)
	// GetCredentialHolder returns the credential id and the person it
	// belongs to, in one read (a holder's proof names the credential; its
	// check needs both). ErrNotFound if the credential is missing; another
	// error if its person is (a store that lost a row, not an unknown
	// credential). The person's Photo is left nil: the face image (tens of
	// kilobytes from a passport's chip) serves in-person checks, which read
	// the person with GetPerson, and would otherwise be read and copied on
	// every request a holder signs.
	GetCredentialHolder(ctx context.Context, id string) (Credential, Person, error)
	ListCredentials(ctx context.Context, personID string) ([]Credential, error)
	UpdateCredential(ctx context.Context, id string, fn func(Credential) (Credential, error)) (Credential, error)
	// ListStatuses returns index and status of every credential in the
	// status list, and of every batch member's slot in it (with the status
	// of the credential the member belongs to), ordered by index.
	ListStatuses(ctx context.Context, list string) ([]StatusEntry, error)
	// LatestExpiry returns the latest ExpiresAt of the credentials signed
	// with the signing key kid, or the zero time if there are none.
	LatestExpiry(ctx context.Context, kid string) (time.Time, error)

	// Status list slots: every index of a status list that a credential
	// or a member of its batch holds (see StatusSlot).
	//
	// ReserveStatusSlot takes slot.Index of slot.List for
	// slot.CredentialID. It returns ErrAlreadyExists, without spoiling the
	// transaction it runs in, if that index is already taken: racing
	// reservations of one index leave exactly one holder. IssueCredential
	// reserves its credential's own slot (Member 0) if the caller did not.
	ReserveStatusSlot(ctx context.Context, slot StatusSlot) error
	// ReserveStatusSlots reserves every slot of slots as ReserveStatusSlot
	// does, in one statement, and reports which it took: reserved[i] is
	// false if slots[i]'s index was already taken, by an earlier holder or
	// by an earlier slot of slots. A taken index is not an error and does
	// not spoil the transaction; the others are reserved all the same.
	ReserveStatusSlots(ctx context.Context, slots []StatusSlot) (reserved []bool, err error)
	// StatusListIndices returns every taken index of list, ascending.
	StatusListIndices(ctx context.Context, list string) ([]int64, error)
	// LastStatusList returns the highest-numbered list holding a slot, ""
	// if there is none. Lists are named by decimal numbers without leading
	// zeros ("1", "2", …), so the longest name, then the greatest, is the
	// highest.
	LastStatusList(ctx context.Context) (string, error)
	// ListStatusSlots returns the slots of credentialID, ordered by
	// Member.
	ListStatusSlots(ctx context.Context, credentialID string) ([]StatusSlot, error)

	// One-time codes (SMS).
	CreateCode(ctx context.Context, c Code) error
	// LatestCode returns the most recently created code for subject.
	LatestCode(ctx context.Context, subject string) (Code, error)
	UpdateCode(ctx context.Context, id string, fn func(Code) (Code, error)) (Code, error)

	// Counters and one-time values.
	//
	// Increment atomically adds 1 to the counter key and returns the new
	// value. A counter past its expiry counts as absent (starts again at 1,
	// taking the new expiresAt); a zero expiresAt never expires.
	Increment(ctx context.Context, key string, expiresAt time.Time) (int64, error)
	// UseNonce records the one-time value key until expiresAt. It returns
	// ErrAlreadyExists if key is already recorded and not yet expired.
	UseNonce(ctx context.Context, key string, expiresAt time.Time) error
	// DeleteExpired removes codes, counters and nonces that expired before
	// now, applications that expired before now and were not issued (of
	// those issued it clears Identity, Phone, PasswordHash and
	// FaceChallenge: the person holds what they proved), and
	// verification sessions and grants that expired before now minus
	// SessionRetention (a relying party may still fetch a session's result,
	// and a replayed authorization code still revokes its tokens, for that
	// long after expiry; the verification record stays in the record log),
	// and eID full-data requests that expired before now minus
	// SessionRetention.
	DeleteExpired(ctx context.Context, now time.Time) error

	// Platform signing keys.
	CreateSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns every signing key, newest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	UpdateSigningKey(ctx context.Context, id string, fn func(SigningKey) (SigningKey, error)) (SigningKey, error)

	// InTransaction runs fn with tx, a Storage whose every call belongs to
	// one database transaction: committed when fn returns nil; rolled back,
	// with nothing written, when fn returns an error (returned unchanged,
	// for errors.Is) or panics (the panic goes on after the rollback).
	//
	// A call on tx that fails with an error other than ErrNotFound or the
	// error of the function it was given (an Update's fn, AppendRecord's
	// chain) spoils the transaction: later calls on tx fail, and
	// InTransaction rolls back and returns an error wrapping that failure
	// even if fn returns nil. (A unique key taken inside a transaction
	// cannot be retried inside it: draw the new value and start again.)
	// Calls on tx after fn returned fail. tx.InTransaction runs its fn in
	// the same transaction: its error goes back to the outer fn, and only
	// the outer InTransaction commits.
	//
	// Update methods on tx lock their row until the end of the
	// transaction, IssueCredential holds its person's issue lock, and
	// AppendRecord holds the log's tail until then; so a transaction
	// appends its records last (no transaction holding the tail then waits
	// for a row). Reads on tx see the transaction's own writes; other
	// callers see none of them before the commit (they may wait for it).
	// fn must make its calls on tx, not on the Storage it came from (that
	// may wait for the transaction forever). tx.Close does nothing;
	// tx.Ping pings.
	InTransaction(ctx context.Context, fn func(tx Storage) error) error

	// Ping checks that the database answers (readiness).
	Ping(ctx context.Context) error
	Close() error
}

// SessionRetention is how long after their expiry DeleteExpired keeps
// verification sessions and grants.
const SessionRetention = 24 * time.Hour

// ApplicationKind is what an application is for.
type ApplicationKind string

// Application kinds. KindApply proofs a person from a document and issues
// their first (or a renewed) credential; the others start from a person's
// 网号 (PersonID set) and re-proof them for one change.
const (
	// KindApply is an application (申领) from a legal identity document.
	KindApply ApplicationKind = "apply"
	// KindDevice moves the credential to a new device (face, SMS to the
	// linked phone, credential password; the old device's credential is
	// revoked).
	KindDevice ApplicationKind = "device"
	// KindPassword sets a new credential password when the old one is
	// forgotten (face, SMS to the linked phone).
	KindPassword ApplicationKind = "password"
	// KindPhone links a new phone number when the old one is gone (face,
	// SMS to the new number).
	KindPhone ApplicationKind = "phone"
	// KindRecover proves the person from their document (chip, face, SMS to
	// any phone) when the device is lost, to suspend, resume or re-issue.
	KindRecover ApplicationKind = "recover"
)

// ApplicationState is where an application stands in the proofing flow.
type ApplicationState string

// Application states, in the order of the flow.
const (
	// StateDocument waits for the document's chip data.
	StateDocument ApplicationState = "document"
	// StateRelationship waits for guardian relationship evidence (a guardian
	// applying for a child under 14, or naming themself for a 14–17 minor).
	StateRelationship ApplicationState = "relationship"
	// StateFace waits for a liveness attestation answering FaceChallenge.
	StateFace ApplicationState = "face"
	// StatePhone waits for a phone number and its SMS code.
	StatePhone ApplicationState = "phone"
	// StatePassword waits for the credential password.
	StatePassword ApplicationState = "password"
	// StateGuardian waits for the guardian to confirm from their own wallet
	// (applicants aged 14 to 17).
	StateGuardian ApplicationState = "guardian"
	// StateAction waits for the holder's choice in a recover application:
	// suspend, resume or re-issue the credential.
	StateAction ApplicationState = "action"
	// StateDevice waits for the device key's proof of possession.
	StateDevice ApplicationState = "device"
	// StateIssued is final: the credential was issued.
	StateIssued ApplicationState = "issued"
	// StateDeclined is final: the guardian declined.
	StateDeclined ApplicationState = "declined"
	// StateCompleted is final for kinds that end without issuing a
	// credential (a new password or phone, a suspension).
	StateCompleted ApplicationState = "completed"
)

// Application is one application (申领) for a 网号 and 网证.
type Application struct {
	ID    string
	Kind  ApplicationKind
	State ApplicationState
	// PersonID is the person an application of a kind other than KindApply
	// concerns; empty for KindApply until issuance.
	PersonID     string
	DocumentType string
	// TokenHash is the HMAC of the application's bearer token.
	TokenHash []byte
	// GuardianID is the person ID of the guardian who applies on a child's
	// behalf (under 14) or who supervises (14 to 17); empty otherwise.
	GuardianID string
	// PersonIndex is the blind index of the document identity, set once
	// the chip data verified.
	PersonIndex string
	// Identity is the sealed identity data read from the chip.
	Identity []byte
	// FaceChallenge is the current face challenge. It is a freshness
	// value, not a bearer secret: an attestation must also be signed by a
	// trusted liveness provider and bound to this application.
	FaceChallenge []byte
	FaceScore     float64
	// PhoneIndex is the blind index of the phone number; Phone is sealed.
	PhoneIndex string
	Phone      []byte
	// PasswordHash is the argon2id hash (PHC string) of the credential
	// password chosen during the application.
	PasswordHash string
	// DeviceNonce is the nonce the device key must sign (a freshness
	// value, cleared when used).
	DeviceNonce  []byte
	CredentialID string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ExpiresAt    time.Time
}

// PersonState is whether a person's 网号 is in use.
type PersonState string

// Person states.
const (
	PersonActive    PersonState = "active"
	PersonCancelled PersonState = "cancelled"
)

// Person is a natural person known to the platform: the holder of one 网号.
type Person struct {
	ID string
	// Index is the blind index of the person's document identity; unique.
	Index string
	// Wanghao is the person's 网号; unique.
	Wanghao string
	State   PersonState
	// Identity is the sealed identity data of the latest proofing, in
	// the format IdentityFormat (person.FormatKept; 0 when Identity is
	// empty).
	Identity       []byte
	IdentityFormat int
	// PhoneIndex is the blind index of the linked phone; Phone is sealed.
	PhoneIndex string
	Phone      []byte
	// PasswordHash is the argon2id hash (PHC string) of the 网证口令.
	PasswordHash        string
	PasswordFailures    int
	PasswordLockedUntil time.Time
	// GuardianID is the person ID of the guardian recorded when a minor's
	// credential was issued; empty otherwise (adults, and persons whose
	// credential was issued before guardians were recorded).
	GuardianID string
	// Photo is the sealed face image from the document's chip, kept for
	// in-person checks (the electronic ID card); empty for persons proofed
	// before it was kept, and after cancellation.
	Photo []byte
	// CancelledAt is when the person cancelled (注销) their 网号; zero
	// while State is PersonActive.
	CancelledAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CredentialStatus is a 网证's status as published in the status list.
type CredentialStatus string

// Credential statuses.
const (
	CredentialActive    CredentialStatus = "active"
	CredentialSuspended CredentialStatus = "suspended"
	CredentialRevoked   CredentialStatus = "revoked"
)

// Credential is an issued 网证, bound to one device key.
type Credential struct {
	ID           string
	PersonID     string
	Status       CredentialStatus
	StatusReason string
	// StatusBy is who set the current status: StatusByHolder,
	// StatusByOperator or StatusByPlatform; empty while active. A holder
	// may lift only a suspension they set.
	StatusBy string
	// StatusList and StatusIndex locate the credential in the Token Status
	// List; (StatusList, StatusIndex) is unique.
	StatusList  string
	StatusIndex int64
	// DeviceKey is the holder's public key as a JWK (JSON); DeviceKeyID is
	// its RFC 7638 thumbprint.
	DeviceKey    []byte
	DeviceKeyID  string
	SigningKeyID string
	IssuedAt     time.Time
	ExpiresAt    time.Time
	UpdatedAt    time.Time
}

// Who set a credential's status (Credential.StatusBy).
const (
	StatusByHolder   = "holder"
	StatusByOperator = "operator"
	StatusByPlatform = "platform"
	// StatusByRecovery is a suspension set through a recover application
	// (the device is lost): the lost device's own holder proofs cannot
	// lift it, only a new recover application or an operator.
	StatusByRecovery = "recovery"
)

// OperatorOver is the StatusBy of an operator's suspension laid over an
// earlier suspension by inner (the holder's, or a recovery's): lifting
// the operator's hold returns the credential to inner's suspension rather
// than making it active.
func OperatorOver(inner string) string { return StatusByOperator + ">" + inner }

// OperatorHold reports whether an operator's suspension of c stands (alone
// or over an earlier one): only an operator can lift it, and no new
// credential is issued to the person meanwhile.
func OperatorHold(c Credential) bool {
	return c.Status == CredentialSuspended &&
		(c.StatusBy == StatusByOperator || strings.HasPrefix(c.StatusBy, StatusByOperator+">"))
}

// UnderOperator is the suspension an operator's hold was laid over
// (OperatorOver), or "" if there is none.
func UnderOperator(c Credential) string {
	inner, _ := strings.CutPrefix(c.StatusBy, StatusByOperator+">")
	if inner == c.StatusBy {
		return ""
	}
	return inner
}

// StatusSlot is one index of a status list, held by a credential (Member
// 0, the index in the credential's StatusList and StatusIndex) or by a
// member of its batch (Member 1, 2, …): further credentials of the same
// holder, each bound to its own device key and pointing at its own slot,
// so that relying parties cannot link the holder by status index. A
// member has no status of its own: its slot shows the status of the
// credential it belongs to, so suspending or revoking the credential
// suspends or revokes the whole batch.
type StatusSlot struct {
	List         string
	Index        int64
	CredentialID string
	Member       int
	// DeviceKeyID is the RFC 7638 thumbprint of the key the member is
	// bound to.
	DeviceKeyID string
	CreatedAt   time.Time
}

// StatusEntry is one credential's place in a status list.
type StatusEntry struct {
	Index  int64
	Status CredentialStatus
}

// Code is a one-time code sent by SMS, stored by its HMAC.
type Code struct {
	ID string
	// Subject is what the code is for, e.g. "application:<id>".
	Subject    string
	PhoneIndex string
	Hash       []byte
	Attempts   int
	CreatedAt  time.Time
	ExpiresAt  time.Time
	// ConsumedAt is set when the code was used; a consumed code never
	// verifies again.
	ConsumedAt time.Time
}

// SigningKey is one of the platform's signing keys.
type SigningKey struct {
	ID        string // the JWK kid
	Algorithm string // e.g. "ES256"
	// Private is the sealed private key (PKCS #8).
	Private []byte
	// Public is the public key as a JWK (JSON).
	Public    []byte
	CreatedAt time.Time
	// RetiredAt is when the key stopped signing; zero while it signs.
	RetiredAt time.Time
	// PublishUntil is how long a retired key stays in the JWKS: until the
	// last credential it signed expires. Zero while it signs.
	PublishUntil time.Time
}
