package api

import (
	"time"

	"github.com/netid-project/netid/internal/document"
)

// The holder's credential and self-service (/v1/holder/…, holder proofs),
// guardians' requests (/v1/guardian/requests) and the operators' credential
// routes (/v1/admin/credentials/…, the admin token).

// CredentialState is a 网证's state as the holder and operators see it.
type CredentialState string

// Credential states.
const (
	CredentialActive    CredentialState = "active"
	CredentialSuspended CredentialState = "suspended"
	CredentialRevoked   CredentialState = "revoked"
	// CredentialExpired: not revoked, but past its expiry.
	CredentialExpired CredentialState = "expired"
)

// Valid reports whether s is one of the credential states.
func (s CredentialState) Valid() bool {
	switch s {
	case CredentialActive, CredentialSuspended, CredentialRevoked, CredentialExpired:
		return true
	}
	return false
}

// StatusBy is who set a credential's suspension or revocation.
type StatusBy string

// Who set a status. An operator's suspension laid over the holder's or a
// recovery's is written as the two joined by ">": lifting the operator's
// returns the credential to the one beneath.
const (
	StatusByHolder   StatusBy = "holder"
	StatusByOperator StatusBy = "operator"
	// StatusByPlatform: superseded by a new credential.
	StatusByPlatform StatusBy = "platform"
	// StatusByRecovery: reported lost through a recover application.
	StatusByRecovery             StatusBy = "recovery"
	StatusByOperatorOverHolder   StatusBy = "operator>holder"
	StatusByOperatorOverRecovery StatusBy = "operator>recovery"
)

// Valid reports whether b names who set a status.
func (b StatusBy) Valid() bool {
	switch b {
	case StatusByHolder, StatusByOperator, StatusByPlatform, StatusByRecovery,
		StatusByOperatorOverHolder, StatusByOperatorOverRecovery:
		return true
	}
	return false
}

// PersonState is whether a person's network identity is in use.
type PersonState string

// Person states.
const (
	PersonActive PersonState = "active"
	// PersonCancelled: the person cancelled (注销) their network identity.
	PersonCancelled PersonState = "cancelled"
)

// Valid reports whether s is one of the person states.
func (s PersonState) Valid() bool { return s == PersonActive || s == PersonCancelled }

// CredentialInfo is what the platform tells a holder of their credential,
// GET /v1/holder/credential. Its times are RFC 3339 strings in whole
// seconds.
type CredentialInfo struct {
	CredentialID string          `json:"credential_id"`
	Wanghao      string          `json:"wanghao"`
	Status       CredentialState `json:"status"`
	IssuedAt     string          `json:"issued_at"`
	ExpiresAt    string          `json:"expires_at"`
}

// GuardianRequest is a minor's application waiting for the guardian's
// confirmation, as the guardian's wallet shows it.
type GuardianRequest struct {
	ApplicationID string        `json:"application_id"`
	DocumentType  document.Type `json:"document_type"`
	// Name is the applicant's name, masked (张*三).
	Name      string    `json:"name"`
	Age       int       `json:"age"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// GuardianRequestList answers GET /v1/guardian/requests.
type GuardianRequestList struct {
	Requests []GuardianRequest `json:"requests"`
}

// Account is what a holder sees of their network identity,
// GET /v1/holder/account, and the answer of reveal, suspend and resume.
type Account struct {
	// Wanghao is the 网号, masked unless Full (after the password).
	Wanghao      string          `json:"wanghao"`
	Full         bool            `json:"full"`
	CredentialID string          `json:"credential_id"`
	Status       CredentialState `json:"status"`
	// StatusBy is who suspended or revoked the credential; StatusReason
	// why. Both are empty while it is active.
	StatusBy     StatusBy  `json:"status_by,omitempty"`
	StatusReason string    `json:"status_reason,omitempty"`
	IssuedAt     time.Time `json:"issued_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	// DocumentType and DocumentValidUntil (YYYY-MM-DD; empty for a
	// document valid for life) are those of the document the person was
	// last proofed from.
	DocumentType       document.Type `json:"document_type,omitempty"`
	DocumentValidUntil string        `json:"document_valid_until,omitempty"`
	// Phone is the linked phone number, masked.
	Phone string `json:"phone,omitempty"`
	// DeviceKeyThumbprint is the RFC 7638 thumbprint of the device key the
	// credential is bound to; DeviceKeyIssuedAt when it was bound.
	DeviceKeyThumbprint string    `json:"device_key_thumbprint"`
	DeviceKeyIssuedAt   time.Time `json:"device_key_issued_at"`
}

// BatchRequest asks for a new batch of credentials, POST /v1/holder/batch:
// proofs of possession of new keys (device proofs whose nonce is the
// credential's ID), at most the platform's batch size.
type BatchRequest struct {
	Proofs []string `json:"proofs"`
}

// Batch answers BatchRequest: one batch credential per proof, in order,
// with the claims of the holder's credential and its status.
type Batch struct {
	Batch []string `json:"batch"`
}

// SuspendRequest is a holder's suspension, POST /v1/holder/suspend.
type SuspendRequest struct {
	Password string `json:"password"`
	Reason   string `json:"reason,omitempty"`
}

// ChangePasswordRequest changes the credential password,
// PUT /v1/holder/password (answered 204).
type ChangePasswordRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// PhoneChangeRequest starts a phone number change: codes go to the linked
// number and to Phone, POST /v1/holder/phone (answered 202).
type PhoneChangeRequest struct {
	Password string `json:"password"`
	Phone    string `json:"phone"`
}

// PhoneConfirmRequest confirms it with the code sent to the linked number
// (OldCode) and the one sent to the new number (NewCode),
// POST /v1/holder/phone/verify (answered 204). A failing code is named in
// the problem's ExtCode member.
type PhoneConfirmRequest struct {
	Phone   string `json:"phone"`
	OldCode string `json:"old_code"`
	NewCode string `json:"new_code"`
}

// Platform is a relying party the holder consented to.
type Platform struct {
	RPID     string     `json:"rp_id"`
	Name     string     `json:"name"`
	Domains  []string   `json:"domains"`
	Category RPCategory `json:"category"`
	// Claims are the claims consented to; Plaintext the plaintext fields
	// consented to separately.
	Claims    []string `json:"claims"`
	Plaintext []string `json:"plaintext,omitempty"`
	// GuardianConsent: a guardian consented for an under-14 holder.
	GuardianConsent bool `json:"guardian_consent,omitempty"`
	// GrantedAt is the first consent to this relying party; UpdatedAt
	// when what was consented to last changed (a claim added, a
	// guardian's consent), not the last verification, which the holder's
	// records show.
	GrantedAt time.Time `json:"granted_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PlatformList answers GET /v1/holder/platforms; DELETE
// /v1/holder/platforms/{rp} withdraws a consent (204).
type PlatformList struct {
	Platforms []Platform `json:"platforms"`
}

// Ward is a minor under a guardian's supervision.
type Ward struct {
	// PersonID identifies the ward in GET /v1/guardian/wards/{id}/history.
	PersonID string `json:"person_id"`
	// Name is masked (张*三).
	Name string `json:"name"`
	Age  int    `json:"age"`
	// ConsentNeeded: the ward is under 14, so the guardian consents to each
	// relying party's first use and sees the ward's records.
	ConsentNeeded bool `json:"consent_needed"`
}

// WardList answers GET /v1/holder/wards.
type WardList struct {
	Wards []Ward `json:"wards"`
}

// OperatorAction is an operator's action on a person's credentials, the
// last segment of POST /v1/admin/credentials/{wanghao}/{action}.
type OperatorAction string

// Operator actions.
const (
	// OperatorSuspend suspends the usable credentials.
	OperatorSuspend OperatorAction = "suspend"
	// OperatorResume lifts the operators' suspensions.
	OperatorResume OperatorAction = "resume"
	// OperatorRevoke revokes every credential not yet revoked.
	OperatorRevoke OperatorAction = "revoke"
)

// Valid reports whether a is one of the operator actions.
func (a OperatorAction) Valid() bool {
	return a == OperatorSuspend || a == OperatorResume || a == OperatorRevoke
}

// ReasonRequest carries an operator's reason (shown to the holder; no
// personal data), the body of an OperatorAction.
type ReasonRequest struct {
	Reason string `json:"reason"`
}

// PersonView is a person's network identity as an operator sees it,
// GET /v1/admin/credentials/{wanghao} and the answer of an
// OperatorAction: no personal data beyond the 网号.
type PersonView struct {
	Wanghao     string           `json:"wanghao"`
	State       PersonState      `json:"state"`
	CreatedAt   time.Time        `json:"created_at"`
	CancelledAt *time.Time       `json:"cancelled_at,omitempty"`
	Guardian    bool             `json:"has_guardian,omitempty"`
	Credentials []CredentialView `json:"credentials"`
	// Changed lists the credentials the action changed.
	Changed []string `json:"changed,omitempty"`
}

// CredentialView is a credential as an operator sees it.
type CredentialView struct {
	ID           string          `json:"id"`
	State        CredentialState `json:"state"`
	StatusBy     StatusBy        `json:"status_by,omitempty"`
	StatusReason string          `json:"status_reason,omitempty"`
	StatusList   string          `json:"status_list"`
	StatusIndex  int64           `json:"status_index"`
	DeviceKeyID  string          `json:"device_key_thumbprint"`
	IssuedAt     time.Time       `json:"issued_at"`
	ExpiresAt    time.Time       `json:"expires_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}
