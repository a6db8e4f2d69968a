package api

import "time"

// In-person verifier terminals (verifier devices) and full-data checks.
//
//	POST /v1/eid/devices/enrol           {proof} → VerifierSession (201)
//	GET  /v1/eid/device                  (device proof) → VerifierSession
//	POST /v1/eid/devices                 (client auth) {name} → VerifierDeviceAdded (201)
//	GET  /v1/eid/devices                 (client auth) → VerifierDeviceList
//	POST /v1/eid/devices/{id}/revoke     (client auth) ReasonRequest → VerifierDevice
//	POST /v1/admin/verifier-devices      (admin) {rp_id, name} → VerifierDeviceAdded (201)
//	GET  /v1/admin/verifier-devices[?rp_id=] (admin) → VerifierDeviceList
//	POST /v1/admin/verifier-devices/{id}/revoke (admin) ReasonRequest → VerifierDevice
//	GET  /v1/eid/full-data/{id}          (device proof or client auth) → EIDFullData
//	GET  /v1/wallet/eid/full-data        (holder proof) → EIDFullDataPrompts
//	POST /v1/wallet/eid/full-data/{id}   (holder proof) EIDFullDataAnswer → 204
//
// POST /v1/eid/verify takes a device proof (header Netid-Verifier-Proof)
// instead of client authentication.

// VerifierDeviceState is a terminal's state.
type VerifierDeviceState string

// Verifier device states.
const (
	VerifierDevicePending VerifierDeviceState = "pending"
	VerifierDeviceActive  VerifierDeviceState = "active"
	VerifierDeviceRevoked VerifierDeviceState = "revoked"
)

// VerifierDevice is a verifier terminal as its operator sees it.
type VerifierDevice struct {
	ID         string              `json:"id"`
	RPID       string              `json:"rp_id"`
	Name       string              `json:"name"`
	State      VerifierDeviceState `json:"state"`
	CreatedAt  time.Time           `json:"created_at"`
	EnrolledAt *time.Time          `json:"enrolled_at,omitempty"`
	RevokedAt  *time.Time          `json:"revoked_at,omitempty"`
	// RevokedBy is operator or relying_party.
	RevokedBy string `json:"revoked_by,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// VerifierDeviceAddRequest adds a terminal: RPID names the relying party
// on the admin API (the relying party's own call leaves it out).
type VerifierDeviceAddRequest struct {
	RPID string `json:"rp_id,omitempty"`
	Name string `json:"name"`
}

// VerifierDeviceAdded is a terminal just added and its one-time
// enrolment code, given once.
type VerifierDeviceAdded struct {
	Device        VerifierDevice `json:"device"`
	Code          string         `json:"code"`
	CodeExpiresAt time.Time      `json:"code_expires_at"`
}

// VerifierDeviceList lists terminals, oldest first.
type VerifierDeviceList struct {
	Devices []VerifierDevice `json:"devices"`
}

// VerifierEnrolRequest enrols a terminal: a JWS by the terminal's new key
// (typ netid-verifier-enrol+jwt, the public jwk in its header) over
// {code, aud: the platform's URL, iat}.
type VerifierEnrolRequest struct {
	Proof string `json:"proof"`
}

// VerifierSession is what a terminal knows of itself: its device, its
// relying party, its kind, the fields it is given, and whether it may ask
// for a full-data check.
type VerifierSession struct {
	Device   VerifierDevice `json:"device"`
	RPName   string         `json:"rp_name"`
	Kind     InPersonKind   `json:"kind"`
	Fields   []EIDField     `json:"fields"`
	FullData bool           `json:"full_data"`
}

// EIDFullDataRequest is the full-data check a verification started: the
// holder answers it on their device until ExpiresAt.
type EIDFullDataRequest struct {
	ID        string    `json:"id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// EIDFullDataState is where a full-data check is, as the verifier sees it.
type EIDFullDataState string

// Full-data states: waiting for the holder; declined; not answered in
// time; provided (this answer carries the data); already provided (the
// data was given once and is not given again).
const (
	EIDFullDataPending         EIDFullDataState = "pending"
	EIDFullDataDeclined        EIDFullDataState = "declined"
	EIDFullDataExpired         EIDFullDataState = "expired"
	EIDFullDataProvided        EIDFullDataState = "provided"
	EIDFullDataAlreadyProvided EIDFullDataState = "already_provided"
)

// EIDFullData answers GET /v1/eid/full-data/{id}: the full name and
// document number only in the one answer whose state is provided.
type EIDFullData struct {
	State          EIDFullDataState `json:"state"`
	Name           string           `json:"name,omitempty"`
	DocumentNumber string           `json:"document_number,omitempty"`
}

// EIDFullDataPrompt is a full-data check as the holder sees it: who asks,
// under what law, and exactly what it will receive.
type EIDFullDataPrompt struct {
	ID         string       `json:"id"`
	RPName     string       `json:"rp_name"`
	Kind       InPersonKind `json:"kind"`
	LegalBasis string       `json:"legal_basis"`
	// Device is the terminal's name ("" for a relying party's server).
	Device         string    `json:"device,omitempty"`
	Name           string    `json:"name"`
	DocumentNumber string    `json:"document_number"`
	CreatedAt      time.Time `json:"created_at"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// EIDFullDataPrompts lists the full-data checks waiting for the holder.
type EIDFullDataPrompts struct {
	Requests []EIDFullDataPrompt `json:"requests"`
}

// EIDFullDataAnswer is the holder's answer: approving needs the
// credential password (a separate consent for each check).
type EIDFullDataAnswer struct {
	Decision Decision `json:"decision"`
	Password string   `json:"password,omitempty"`
}

// Valid reports whether s is one of the verifier device states.
func (s VerifierDeviceState) Valid() bool {
	switch s {
	case VerifierDevicePending, VerifierDeviceActive, VerifierDeviceRevoked:
		return true
	}
	return false
}

// Valid reports whether s is one of the full-data states.
func (s EIDFullDataState) Valid() bool {
	switch s {
	case EIDFullDataPending, EIDFullDataDeclined, EIDFullDataExpired, EIDFullDataProvided, EIDFullDataAlreadyProvided:
		return true
	}
	return false
}
