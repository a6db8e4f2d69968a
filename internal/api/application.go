package api

import (
	"encoding/json"
	"time"

	"github.com/netid-project/netid/internal/document"
)

// Applications (申领) and re-proofing, /v1/applications/…: each step is a
// request with the application's bearer token, answered with the
// Application as it stands after the step.

// ApplicationKind is what an application is for.
type ApplicationKind string

// Application kinds. KindApply proofs a person from a document; the others
// re-prove a person who holds a 网号 before one change.
const (
	// KindApply is an application from a legal identity document (the
	// default when a StartRequest names no kind).
	KindApply ApplicationKind = "apply"
	// KindDevice moves the credential to a new device.
	KindDevice ApplicationKind = "device"
	// KindPassword sets a new credential password (the old one forgotten).
	KindPassword ApplicationKind = "password"
	// KindPhone links a new phone number (the old one gone).
	KindPhone ApplicationKind = "phone"
	// KindRecover proves the person from their document after the device
	// was lost, to suspend, resume or re-issue (RecoverAction).
	KindRecover ApplicationKind = "recover"
)

// Valid reports whether k is one of the application kinds.
func (k ApplicationKind) Valid() bool {
	switch k {
	case KindApply, KindDevice, KindPassword, KindPhone, KindRecover:
		return true
	}
	return false
}

// ApplicationState is where an application stands: the step it waits for,
// or its end.
type ApplicationState string

// Application states.
const (
	// StateDocument waits for the document's chip data (DocumentRequest).
	StateDocument ApplicationState = "document"
	// StateRelationship waits for guardian relationship evidence
	// (RelationshipRequest).
	StateRelationship ApplicationState = "relationship"
	// StateFace waits for a liveness attestation answering the face
	// challenge (FaceRequest).
	StateFace ApplicationState = "face"
	// StatePhone waits for a phone number (PhoneRequest) and its SMS code
	// (CodeRequest).
	StatePhone ApplicationState = "phone"
	// StatePassword waits for the credential password (PasswordRequest).
	StatePassword ApplicationState = "password"
	// StateGuardian waits for the guardian to confirm from their own
	// wallet (applicants aged 14 to 17).
	StateGuardian ApplicationState = "guardian"
	// StateAction waits for a recover application's action
	// (ActionRequest).
	StateAction ApplicationState = "action"
	// StateDevice waits for the device key's proof of possession
	// (CredentialRequest).
	StateDevice ApplicationState = "device"
	// StateIssued is final: the credential was issued.
	StateIssued ApplicationState = "issued"
	// StateDeclined is final: the guardian declined.
	StateDeclined ApplicationState = "declined"
	// StateCompleted is final for kinds that issue no credential (a new
	// password or phone, a suspension or resumption).
	StateCompleted ApplicationState = "completed"
)

// Valid reports whether s is one of the application states.
func (s ApplicationState) Valid() bool {
	switch s {
	case StateDocument, StateRelationship, StateFace, StatePhone, StatePassword, StateGuardian,
		StateAction, StateDevice, StateIssued, StateDeclined, StateCompleted:
		return true
	}
	return false
}

// MinorBand is an applicant's age band as a minor, from the document's
// birth date; empty for an adult.
type MinorBand string

// Minor bands.
const (
	MinorNone    MinorBand = ""
	MinorUnder14 MinorBand = "under_14"
	Minor14To17  MinorBand = "14_to_17"
)

// Valid reports whether b is a minor band (MinorNone included).
func (b MinorBand) Valid() bool {
	return b == MinorNone || b == MinorUnder14 || b == Minor14To17
}

// RecoverAction is what a recover application does once the person is
// proved (ActionRequest, Application.Actions).
type RecoverAction string

// Recover actions.
const (
	// ActionSuspend suspends the credential (the device is lost).
	ActionSuspend RecoverAction = "suspend"
	// ActionResume lifts a suspension the holder set; it needs the
	// credential password.
	ActionResume RecoverAction = "resume"
	// ActionReissue issues a new credential to a new device key; it needs
	// the credential password.
	ActionReissue RecoverAction = "reissue"
)

// Valid reports whether a is one of the recover actions.
func (a RecoverAction) Valid() bool {
	return a == ActionSuspend || a == ActionResume || a == ActionReissue
}

// StartRequest starts an application, POST /v1/applications.
type StartRequest struct {
	// DocumentType is the document applied with (kinds apply, phone and
	// recover).
	// Omitted when empty, which only the re-proofing kinds that name the
	// holder by Wanghao send.
	DocumentType document.Type `json:"document_type,omitempty"`
	// OnBehalf is set by a guardian applying for a child under 14; the
	// request must then carry the guardian's holder proof.
	OnBehalf bool `json:"on_behalf,omitempty"`
	// Kind is what the application is for; empty means KindApply. Kinds
	// device and password name the holder by Wanghao; kinds phone and
	// recover start from the document (DocumentType), whose chip names
	// the holder.
	Kind    ApplicationKind `json:"kind,omitempty"`
	Wanghao string          `json:"wanghao,omitempty"`
}

// Application is what the applicant sees of an application: the answer to
// GET /v1/applications/{id} and to every step.
type Application struct {
	ID    string           `json:"id"`
	Kind  ApplicationKind  `json:"kind"`
	State ApplicationState `json:"state"`
	// DocumentType is empty in a re-proofing application started from
	// the 网号 until its first factor (the SMS code) passed.
	DocumentType document.Type `json:"document_type"`
	ExpiresAt    time.Time     `json:"expires_at"`
	// Minor is the applicant's minor band once the chip data verified.
	Minor MinorBand `json:"minor,omitempty"`
	// OnBehalf is true when a guardian applies for a child under 14.
	OnBehalf bool `json:"on_behalf,omitempty"`
	// FaceChallenge is set in StateFace.
	FaceChallenge string `json:"face_challenge,omitempty"`
	// FaceImageHash is set in StateFace of a re-proofing application and
	// of one a guardian started on a child's behalf (whose chip the
	// guardian read): the SHA-256 (base64url) of the face image of the
	// person's document chip, which the liveness attestation must name.
	// An applicant reads it from their own chip instead.
	FaceImageHash string `json:"face_image_hash,omitempty"`
	// Actions are a recover application's choices in StateAction.
	Actions []RecoverAction `json:"actions,omitempty"`
	// DeviceNonce is set in StateDevice: the nonce the device proof signs.
	DeviceNonce string `json:"device_nonce,omitempty"`
	// BatchSize is set in StateDevice: how many batch keys
	// (CredentialRequest.Batch) the platform takes with the device key.
	BatchSize int `json:"batch_size,omitempty"`
	// CredentialID is set once issued.
	CredentialID string `json:"credential_id,omitempty"`
}

// StartedApplication answers StartRequest (201, Location the
// application): the application and its bearer token, shown once, which
// authenticates every later step.
type StartedApplication struct {
	Application
	Token string `json:"token"`
}

// DocumentRequest carries the document's chip data (the chip container
// {dg1, dg2, sod} of package document/chip),
// PUT /v1/applications/{id}/document.
type DocumentRequest struct {
	Chip json.RawMessage `json:"chip"`
}

// RelationshipRequest carries guardian relationship evidence,
// PUT /v1/applications/{id}/relationship. Guardian is the guardian's 网号
// (an applicant aged 14 to 17 names them).
type RelationshipRequest struct {
	Guardian string `json:"guardian,omitempty"`
	Evidence string `json:"evidence"`
}

// FaceRequest carries a liveness attestation,
// POST /v1/applications/{id}/face.
type FaceRequest struct {
	Attestation string `json:"attestation"`
}

// PhoneRequest names the phone number an SMS code goes to,
// POST /v1/applications/{id}/phone (answered 202, no body).
type PhoneRequest struct {
	Phone string `json:"phone"`
}

// CodeRequest carries the SMS code, POST /v1/applications/{id}/phone/verify.
type CodeRequest struct {
	Code string `json:"code"`
}

// PasswordRequest carries the credential password (网证口令): setting it,
// PUT /v1/applications/{id}/password, and confirming it on the holder
// routes (password/verify, account/reveal, resume, cancel).
type PasswordRequest struct {
	Password string `json:"password"`
}

// ActionRequest is a recover application's action,
// POST /v1/applications/{id}/action; Password is needed for ActionResume
// and ActionReissue. (The wallet sends an empty password with
// ActionSuspend, as it always has.)
type ActionRequest struct {
	Action   RecoverAction `json:"action"`
	Password string        `json:"password"`
}

// CredentialRequest carries the device key's proof of possession (a JWS
// of type credential.DeviceProofType), POST /v1/applications/{id}/credential.
type CredentialRequest struct {
	Proof string `json:"proof"`
	// Batch are proofs of possession of further device keys (at most
	// Application.BatchSize, each a distinct key, same nonce): one batch
	// credential is issued for each.
	Batch []string `json:"batch,omitempty"`
}

// IssuedCredential answers CredentialRequest (201): the 网号 and the 网证
// (an SD-JWT VC of type credential.VCTWangzheng).
type IssuedCredential struct {
	Wanghao      string `json:"wanghao"`
	CredentialID string `json:"credential_id"`
	Credential   string `json:"credential"`
	// Batch are the batch credentials, one per CredentialRequest.Batch
	// proof, in order: the same claims as Credential, each bound to its
	// own key, with its own status list index and the credential's status.
	// The wallet presents a different one to each relying party.
	Batch     []string  `json:"batch,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}
