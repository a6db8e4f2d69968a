package storage

import (
	"context"
	"time"
)

// RecordSlack and RecordWindow bound where ListUnrecordedSessions looks
// for a session's record: from RecordSlack before the session's end
// (UpdatedAt) to RecordWindow after it. The record is written later in the
// transaction that ends the session, with the same clock, so it follows
// the end; the window leaves room for a transaction that waits on locks,
// the slack for small adjustments of the system clock. A larger slack
// would make each lookup read more of a busy relying party's records.
const (
	RecordSlack  = 100 * time.Millisecond
	RecordWindow = 10 * time.Minute
)

// VerificationStore is what the verification flows keep: relying parties,
// verification sessions, OIDC grants, consents and the verification record
// log. Storage embeds it; the same rules hold (sentinels, Update methods in
// a transaction holding the row lock, fn's error returned unchanged with
// nothing written, UTC times with microsecond precision, slices that hold
// personal data already sealed by the caller).
//
// String slices ([]string) round-trip exactly, element for element, except
// that an empty slice, nil or not, comes back nil. Their elements must be
// valid UTF-8 without NUL bytes (what PostgreSQL text can hold); backends
// return an error for others rather than alter them. A List method that
// finds nothing returns a nil slice and no error; those taking a limit
// return nothing for a limit below 1.
type VerificationStore interface {
	// Relying parties. ID is unique.
	CreateRelyingParty(ctx context.Context, rp RelyingParty) error
	GetRelyingParty(ctx context.Context, id string) (RelyingParty, error)
	// ListRelyingParties returns every relying party ordered by ID
	// (bytewise, as Go compares strings).
	ListRelyingParties(ctx context.Context) ([]RelyingParty, error)
	UpdateRelyingParty(ctx context.Context, id string, fn func(RelyingParty) (RelyingParty, error)) (RelyingParty, error)

	// Verification sessions. ID and CodeHash are unique (CodeHash may be
	// empty for several sessions: uniqueness applies to non-empty values).
	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, id string) (Session, error)
	// GetSessionByCode finds a session by the MAC of its session code. An
	// empty codeHash matches no session (ErrNotFound).
	GetSessionByCode(ctx context.Context, codeHash []byte) (Session, error)
	UpdateSession(ctx context.Context, id string, fn func(Session) (Session, error)) (Session, error)
	// ClaimSession is a wallet opening a session code, in one statement
	// that changes and returns the row: the session whose CodeHash is
	// c.CodeHash, if it expires after c.Now and is pending (it becomes
	// claimed by c.CredentialID and c.PersonID) or already claimed or
	// awaiting a guardian for c.CredentialID (its state stays). Its
	// UpdatedAt becomes c.Now; if its Level is c.ChallengeLevel and it has
	// no FaceChallenge, it gets c.Challenge. It returns the session as it
	// is afterwards; ErrNotFound if no session matched (none has the code,
	// or it expired, ended, or another credential claimed it: the caller
	// reads it to tell which). Of racing claims by different credentials,
	// exactly one succeeds. With c.OpenOnly, a session with a Subject (for
	// one holder only) never matches. If c.Nonce.Key is set, the claim also
	// records that one-time value as UseNonce does, atomically with it: a
	// value recorded and not expired claims nothing and returns
	// ErrAlreadyExists if a session has the code (ErrNotFound if none has);
	// a value recorded by this call stays recorded whether or not a
	// session matched (an empty c.CodeHash or c.CredentialID matches no
	// session: ErrNotFound, the value recorded). A holder's proof and the
	// claim it authorises thus take one statement, without a transaction
	// around them.
	ClaimSession(ctx context.Context, c SessionClaim) (Session, error)
	// FinishSession ends a holder's session in one statement that changes
	// and returns the row: if the session id is in state from and claimed
	// by credentialID, its State, LevelReached, Provided, Result, Error and
	// UpdatedAt become end's. It returns the session as it is afterwards;
	// ErrNotFound if it does not exist or is in another state or another
	// credential's. Of racing calls from the same state, exactly one
	// succeeds. If end.Nonce.Key is set, the same statement records that
	// one-time value as UseNonce does and ends the session only if it was
	// not recorded already; one recorded and not expired changes nothing
	// and returns ErrAlreadyExists if the session id exists (ErrNotFound if
	// it does not, or credentialID is empty).
	FinishSession(ctx context.Context, id string, from SessionState, credentialID string, end SessionEnd) (Session, error)
	// ListGuardianSessions returns the sessions waiting for guardian
	// guardianID in the given state, oldest first (by CreatedAt, then ID).
	// An empty guardianID matches no session.
	ListGuardianSessions(ctx context.Context, guardianID string, state SessionState) ([]Session, error)
	// ListUnrecordedSessions returns up to limit sessions in a final state
	// (approved, declined, cancelled, expired or failed) for which the
	// record log holds no record of the session: one whose ID and RPID are
	// the session's, written (its Time) from RecordSlack before the
	// session's UpdatedAt to RecordWindow after it. A session ends in the transaction
	// that writes its record, so its record is there; a session without an
	// UpdatedAt has none. Oldest first (by UpdatedAt, a zero UpdatedAt
	// first, then ID).
	ListUnrecordedSessions(ctx context.Context, limit int) ([]Session, error)

	// OIDC grants: authorization codes, access and refresh tokens, stored
	// by the MAC of the bearer value. ID and Hash are unique (uniqueness
	// applies to non-empty hashes; GetGrantByHash of an empty hash is
	// ErrNotFound).
	CreateGrant(ctx context.Context, g Grant) error
	GetGrantByHash(ctx context.Context, hash []byte) (Grant, error)
	UpdateGrant(ctx context.Context, id string, fn func(Grant) (Grant, error)) (Grant, error)
	// RevokeGrants marks every grant of the session revoked (a replayed
	// authorization code revokes the whole grant, RFC 6749 §4.1.2),
	// setting RevokedAt to at. Grants already revoked keep their RevokedAt;
	// a session without grants is not an error.
	RevokeGrants(ctx context.Context, sessionID string, at time.Time) error

	// Consents: what a person agreed a relying party may receive. One per
	// (PersonID, RPID): PutConsent inserts or replaces it.
	PutConsent(ctx context.Context, c Consent) error
	GetConsent(ctx context.Context, personID, rpID string) (Consent, error)
	// UpdateConsent reads personID's consent for rpID holding it (found
	// false and a zero Consent if there is none) and stores what fn
	// returns if fn says to write, in one transaction: of two changes
	// racing for one consent (two approvals each adding a claim, a
	// guardian's consent and the ward's approval), neither is lost. It
	// returns the consent as stored. PersonID and RPID cannot be changed.
	UpdateConsent(ctx context.Context, personID, rpID string, fn func(c Consent, found bool) (next Consent, write bool, err error)) (Consent, error)
	// ListConsents returns a person's consents ordered by RPID (bytewise).
	ListConsents(ctx context.Context, personID string) ([]Consent, error)
	// DeleteConsent removes the consent; ErrNotFound if there is none.
	DeleteConsent(ctx context.Context, personID, rpID string) error

	// The verification record log (核验记录): append-only.
	//
	// AppendRecord appends r at the end of the log in one transaction that
	// holds the log's tail: it calls chain with the link to the last
	// record (its Seq, Time and Hash, the other fields zero; nil when the
	// log is empty), and stores chain's result with Seq set to the last
	// Seq + 1 (1 for the first record). Two racing appends are serialised,
	// so every record's chain sees its true predecessor.
	//
	// chain receives r as it will read back (times in UTC truncated to
	// the microsecond, empty slices nil) with Seq already set to the new
	// value, so a hash it computes covers exactly what is stored; whatever
	// Seq chain returns is overwritten with the new value. A nil chain stores r as given. If chain fails, nothing is written
	// and its error is returned unchanged. The log is keyed by Seq alone:
	// record IDs are not checked for uniqueness.
	AppendRecord(ctx context.Context, r Record, chain func(prev *Record, r Record) (Record, error)) (Record, error)
	// AppendTreeRecord appends r at the end of the log as AppendRecord
	// does, and with it the Merkle tree's new nodes and its signed head
	// over r, in the same transaction and under the same hold of the log's
	// tail. It calls extend with the end of the log (the link to the last
	// record and the newest tree head's Size and Frontier) and r as
	// AppendRecord's chain gets it, its Seq set; it stores what extend
	// returns: the record (its Seq overwritten with the new value), the
	// nodes (replacing any at the same position, as PutTreeNodes does)
	// and the head, whose Size must be the new Seq: the head becomes the
	// newest (LatestTreeHead), and is kept among the stored heads once a
	// newer one replaces it only if LogAppend.Keep says so. The store reads the
	// end and writes the append in as few statements as it can while the
	// tail is held, since every other append waits for it. extend may read
	// the log through the LogReader it is given (the transaction's own)
	// and must not call the Store otherwise; if it fails, nothing is
	// written and its error is returned unchanged.
	AppendTreeRecord(ctx context.Context, r Record, extend func(rd LogReader, end LogEnd, r Record) (LogAppend, error)) (Record, error)
	// ListRecords returns up to limit records with Seq > after, by Seq.
	ListRecords(ctx context.Context, after int64, limit int) ([]Record, error)
	// ListPersonRecords returns up to limit of a person's records with
	// Seq < before (0: from the newest), newest first. The next page is
	// before = the last returned Seq.
	ListPersonRecords(ctx context.Context, personID string, before int64, limit int) ([]Record, error)
	// PutHead stores a signed head of the log; Seq is unique.
	PutHead(ctx context.Context, h Head) error
	// ListHeads returns every stored head ordered by Seq.
	ListHeads(ctx context.Context) ([]Head, error)

	// The Merkle tree over the record log (package audit computes it).
	//
	// The stored tree heads are the kept ones (PutTreeHead, and appends
	// with LogAppend.Keep) and the newest append's, whether kept or not:
	// an append's head that is not kept gives way to the next append's.
	//
	// PutTreeHead stores a signed tree head and keeps it; Size is unique
	// among kept heads (ErrAlreadyExists).
	PutTreeHead(ctx context.Context, h TreeHead) error
	// GetTreeHead returns the stored tree head of the given size;
	// ErrNotFound if none is.
	GetTreeHead(ctx context.Context, size int64) (TreeHead, error)
	// LatestTreeHead returns the stored tree head of the largest size, the
	// newest append's where a kept head has the same size; ErrNotFound if
	// none is stored.
	LatestTreeHead(ctx context.Context) (TreeHead, error)
	// ListTreeHeads returns up to limit stored tree heads with Size >
	// after, by Size.
	ListTreeHeads(ctx context.Context, after int64, limit int) ([]TreeHead, error)
	// PutTreeNodes stores the hashes of perfect subtrees, replacing any
	// stored at the same (Level, Index): they are derived from the
	// records, and rebuilding them must not fail on an earlier copy.
	PutTreeNodes(ctx context.Context, nodes []TreeNode) error
	// GetTreeNodes returns the nodes at the given (Level, Index) positions
	// (Hash ignored), in the order asked; ErrNotFound if any is missing.
	GetTreeNodes(ctx context.Context, ids []TreeNode) ([]TreeNode, error)
}

// RelyingParty categories.
const (
	CategoryInternetService = "internet_service"
	CategoryInPerson        = "in_person"
)

// Client authentication methods of relying parties.
const (
	AuthPrivateKeyJWT = "private_key_jwt"
	AuthClientSecret  = "client_secret_basic"
	// AuthNone is a public client (OIDC with PKCE S256 only).
	AuthNone = "none"
)

// RelyingParty is an internet platform or institution registered by an
// operator to register (登记) or verify (核验) people.
type RelyingParty struct {
	// ID is the client_id.
	ID   string
	Name string
	// Sector groups the relying parties of one organisation: pairwise
	// identifiers are the same within a sector and unlinkable across.
	Sector   string
	Category string
	// LegalBasis is the law that requires this relying party to obtain
	// plaintext identity data; empty means result-only.
	LegalBasis string
	// Domains are the relying party's verified domains.
	Domains []string
	// RedirectURIs are compared by exact match.
	RedirectURIs []string
	// AllowedClaims are the claims it may ever receive.
	AllowedClaims []string
	AuthMethod    string
	// IDTokenAlg is the JWS algorithm of the relying party's OpenID Connect
	// ID tokens (its id_token_signed_response_alg): ES256, SM2 or RS256. Rows
	// stored before it existed read ES256.
	IDTokenAlg string
	// JWKS is the relying party's public keys (private_key_jwt), as JSON.
	JWKS []byte
	// SecretHash is the stored form of the client secret: its keyed hash
	// (relyingparty.SecretHash), or an argon2id PHC string stored before
	// keyed hashes, replaced on the next successful use.
	SecretHash string
	// AltURL and AltText are the other way in it offers people who do not
	// use a 网号 (an address, a description, or both; "" for none).
	AltURL    string
	AltText   string
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SessionState is where a verification session stands.
type SessionState string

// SessionClaim is a wallet's claim of a session (ClaimSession).
type SessionClaim struct {
	CodeHash               []byte
	CredentialID, PersonID string
	// Challenge becomes the FaceChallenge of a session at ChallengeLevel
	// that has none.
	ChallengeLevel string
	Challenge      []byte
	Now            time.Time
	// OpenOnly claims only a session any holder may open: one without a
	// Subject.
	OpenOnly bool
	// Nonce, if its Key is set, is recorded as used with the claim.
	Nonce Nonce
}

// Nonce is a one-time value recorded as used until ExpiresAt (zero:
// forever), as UseNonce records it, by a change that records it in its own
// statement (SessionClaim, SessionEnd).
type Nonce struct {
	Key       string
	ExpiresAt time.Time
}

// SessionEnd is what FinishSession writes.
type SessionEnd struct {
	State        SessionState
	LevelReached string
	Provided     []string
	Result       []byte
	Error        string
	UpdatedAt    time.Time
	// Nonce, if its Key is set, is recorded as used with the change.
	Nonce Nonce
}

// Session states.
const (
	// SessionPending: created, no wallet has opened the code yet.
	SessionPending SessionState = "pending"
	// SessionClaimed: a wallet opened the code; only it may answer.
	SessionClaimed SessionState = "claimed"
	// SessionAwaitingGuardian: an under-14 holder approved; the guardian's
	// consent is needed for this relying party.
	SessionAwaitingGuardian SessionState = "awaiting_guardian"
	// Final states.
	SessionApproved  SessionState = "approved"
	SessionDeclined  SessionState = "declined"
	SessionCancelled SessionState = "cancelled"
	SessionExpired   SessionState = "expired"
	SessionFailed    SessionState = "failed"
)

// Session is one verification (核验): a relying party's request, the
// holder's answer, and the signed result.
type Session struct {
	ID   string
	RPID string
	// Channel is "session" (the session API) or "oidc".
	Channel string
	// CodeHash is the MAC of the short-lived session code in the QR code.
	CodeHash []byte
	// Level is the minimum assurance level asked for.
	Level   string
	Claims  []string
	Purpose string
	// CallbackURL, if set, receives the result.
	CallbackURL string
	// Nonce is the relying party's value echoed in the result.
	Nonce string
	// Subject, if set, is the pairwise identifier of the only holder who
	// may answer (re-verification of a known user).
	Subject string
	State   SessionState
	// CredentialID and PersonID identify the holder who claimed it.
	CredentialID string
	PersonID     string
	// FaceChallenge is the challenge of the live face check (face level).
	FaceChallenge []byte
	// GuardianID is the guardian whose consent is awaited.
	GuardianID string
	// LevelReached, Provided and Result are set once approved; Result is
	// the signed result JWT (it may carry consented plaintext: sealed).
	LevelReached string
	Provided     []string
	Result       []byte
	// Error is the stable problem type of a failed session.
	Error string
	// Data is the channel's own state (the OIDC authorization request), as
	// JSON; it holds no personal data.
	Data      []byte
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
}

// Grant kinds.
const (
	GrantCode    = "code"
	GrantAccess  = "access_token"
	GrantRefresh = "refresh_token"
)

// Grant is an OIDC authorization code or token, stored by its MAC.
type Grant struct {
	ID        string
	Kind      string
	Hash      []byte
	SessionID string
	RPID      string
	// Data is the grant's own state as JSON (scopes, PKCE challenge,
	// sealed claims); personal data in it is sealed.
	Data       []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
	ConsumedAt time.Time
	RevokedAt  time.Time
}

// Consent is what a person agreed a relying party may receive.
type Consent struct {
	PersonID string
	RPID     string
	// Claims are the claims consented to (result, identifiers, age
	// markers); Plaintext the plaintext fields, each consented separately.
	Claims    []string
	Plaintext []string
	// GuardianID and GuardianAt record a guardian's consent for an
	// under-14 ward's use of this relying party.
	GuardianID string
	GuardianAt time.Time
	// GrantedAt is the first consent; UpdatedAt when what was consented
	// to last changed (an approval within the consent changes nothing).
	GrantedAt time.Time
	UpdatedAt time.Time
}

// Record is one entry of the verification record log: who verified whom,
// when, at what level, what was provided, and the outcome. It carries no
// plaintext identity data: the person is their platform ID, the provided
// data are claim names.
type Record struct {
	Seq      int64
	ID       string
	Time     time.Time
	PersonID string
	RPID     string
	RPName   string
	// Channel is session, oidc, presentation or eid.
	Channel  string
	Level    string
	Provided []string
	// Outcome is approved, declined, cancelled, expired or failed.
	Outcome string
	// GuardianID is set when a guardian's consent was part of it.
	GuardianID string
	// PrevHash and Hash chain the log (package audit computes them).
	PrevHash []byte
	Hash     []byte
}

// Head is a signed head of the record log: the hash of record Seq, signed
// by the platform, so rewriting the log up to Seq is detected.
type Head struct {
	Seq       int64
	Hash      []byte
	Time      time.Time
	Signature string
}

// TreeHead is a signed head of the Merkle tree over the record log
// (RFC 9162): the tree's root over the first Size records, signed by the
// platform. Frontier is the tree's compact range (the hashes of its
// perfect subtrees, left to right, HashSize bytes each), kept so the next
// append computes its root without reading the log.
type TreeHead struct {
	Size      int64
	Root      []byte
	Frontier  []byte
	Time      time.Time
	Signature string
}

// LogEnd is the end of the record log as an append finds it, holding the
// log's tail.
type LogEnd struct {
	// Last is the link to the last record: its Seq, Time and Hash, the
	// other fields zero; nil when the log is empty.
	Last *Record
	// Tree is the newest tree head's Size and Frontier (the other fields
	// may be zero); nil when no tree head is stored.
	Tree *TreeHead
}

// LogAppend is what AppendTreeRecord stores: the chained record, the new
// nodes of the Merkle tree and the signed tree head over the record.
type LogAppend struct {
	Record Record
	Nodes  []TreeNode
	Head   TreeHead
	// Keep keeps Head among the stored tree heads after later appends;
	// otherwise it is stored only until the next append's head replaces
	// it (the newest head is always stored).
	Keep bool
}

// LogReader reads the record log inside an append (for a log written
// before its Merkle tree existed, whose tree is built from the records).
type LogReader interface {
	ListRecords(ctx context.Context, after int64, limit int) ([]Record, error)
}

// TreeNode is the hash of the perfect subtree of the record log's Merkle
// tree at Level (0: a leaf) and Index (counted from the left at that
// level): it covers the records with Seq from Index<<Level + 1 to
// (Index+1)<<Level.
type TreeNode struct {
	Level int
	Index int64
	Hash  []byte
}
