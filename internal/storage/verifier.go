package storage

import (
	"context"
	"time"
)

// VerifierDeviceState is where a verifier terminal is in its life.
type VerifierDeviceState string

// Verifier device states: added with a one-time enrolment code
// (pending), enrolled with its own key (active), revoked (for good).
const (
	VerifierDevicePending VerifierDeviceState = "pending"
	VerifierDeviceActive  VerifierDeviceState = "active"
	VerifierDeviceRevoked VerifierDeviceState = "revoked"
)

// VerifierDevice is a verifier terminal of an in-person relying party (a
// hotel's front desk, a counter's browser): it signs its check requests
// with a key it made itself; no shared secret is typed into it.
type VerifierDevice struct {
	ID   string
	RPID string
	// Name is the operator's label ("front desk 1"); no personal data.
	Name  string
	State VerifierDeviceState
	// CodeHash is the keyed hash of the one-time enrolment code while the
	// device is pending; nil (NULL) once enrolled or revoked.
	CodeHash      []byte
	CodeExpiresAt time.Time
	// PublicKey is the device's public key (a P-256 JWK), set at enrolment.
	PublicKey  []byte
	CreatedAt  time.Time
	EnrolledAt time.Time
	RevokedAt  time.Time
	// RevokedBy is operator or relying_party; Reason says why.
	RevokedBy string
	Reason    string
}

// EIDFullState is where a full-data check (实名登记) is.
type EIDFullState string

// Full-data check states: waiting for the holder, approved by the holder,
// declined by the holder, delivered once to the verifier.
const (
	EIDFullPending   EIDFullState = "pending"
	EIDFullApproved  EIDFullState = "approved"
	EIDFullDeclined  EIDFullState = "declined"
	EIDFullDelivered EIDFullState = "delivered"
)

// EIDFullRequest is a verifier's request, after a successful in-person
// check, for the holder's full name and document number, which the holder
// approves or declines on their own device. It holds no personal data:
// the data is read from the person's sealed identity when delivered.
type EIDFullRequest struct {
	ID           string
	PersonID     string
	CredentialID string
	RPID         string
	// DeviceID is the verifier terminal that asked ("" for a relying
	// party's server).
	DeviceID    string
	State       EIDFullState
	CreatedAt   time.Time
	ExpiresAt   time.Time
	AnsweredAt  time.Time
	DeliveredAt time.Time
}

// VerifierStore keeps the in-person verifiers' terminals and their
// full-data requests.
type VerifierStore interface {
	// CreateVerifierDevice stores d; ErrAlreadyExists if its ID or code
	// hash is taken.
	CreateVerifierDevice(ctx context.Context, d VerifierDevice) error
	GetVerifierDevice(ctx context.Context, id string) (VerifierDevice, error)
	// GetVerifierDeviceByCode returns the device whose CodeHash is
	// codeHash; ErrNotFound if none (always for an empty codeHash).
	GetVerifierDeviceByCode(ctx context.Context, codeHash []byte) (VerifierDevice, error)
	// UpdateVerifierDevice replaces device id with fn's result, in a
	// transaction holding the row.
	UpdateVerifierDevice(ctx context.Context, id string, fn func(VerifierDevice) (VerifierDevice, error)) (VerifierDevice, error)
	// ListVerifierDevices returns the devices of rpID (every device for
	// ""), oldest first.
	ListVerifierDevices(ctx context.Context, rpID string) ([]VerifierDevice, error)

	CreateEIDFullRequest(ctx context.Context, r EIDFullRequest) error
	GetEIDFullRequest(ctx context.Context, id string) (EIDFullRequest, error)
	UpdateEIDFullRequest(ctx context.Context, id string, fn func(EIDFullRequest) (EIDFullRequest, error)) (EIDFullRequest, error)
	// ListEIDFullRequests returns personID's requests in state, oldest
	// first.
	ListEIDFullRequests(ctx context.Context, personID string, state EIDFullState) ([]EIDFullRequest, error)
}
