package lifecycle

import (
	"context"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/sms"
	"github.com/netid-project/netid/internal/storage"
)

// Credential states as the account view and the operator view show them:
// the stored status, or StateExpired for an unrevoked credential whose
// ExpiresAt has passed.
const (
	StateActive    = "active"
	StateSuspended = "suspended"
	StateRevoked   = "revoked"
	StateExpired   = "expired"
)

// State is the state of c at now.
func State(c storage.Credential, now time.Time) string {
	switch {
	case c.Status == storage.CredentialRevoked:
		return StateRevoked
	case !now.Before(c.ExpiresAt):
		return StateExpired
	case c.Status == storage.CredentialSuspended:
		return StateSuspended
	}
	return StateActive
}

// Account is what a holder sees of their network identity.
type Account struct {
	// Wanghao is the 网号, masked (netnum.Mask) unless Full.
	Wanghao string
	// Full reports whether Wanghao is the whole 网号 (after the password).
	Full         bool
	CredentialID string
	// Status is active, suspended, revoked or expired.
	Status string
	// StatusBy is who suspended or revoked the credential (holder,
	// operator, platform); StatusReason why.
	StatusBy     string
	StatusReason string
	IssuedAt     time.Time
	ExpiresAt    time.Time
	// DocumentType and DocumentValidUntil are those of the document the
	// person was last proofed from: the credential never outlives it.
	DocumentType       document.Type
	DocumentValidUntil string
	// Phone is the linked phone number, masked (sms.MaskPhone).
	Phone string
	// DeviceKeyThumbprint is the RFC 7638 thumbprint of the device key the
	// credential is bound to; DeviceKeyIssuedAt when it was bound.
	DeviceKeyThumbprint string
	DeviceKeyIssuedAt   time.Time
}

// Account returns the holder's view of their network identity and the
// credential credentialID, with the 网号 masked.
func (s *Service) Account(ctx context.Context, personID, credentialID string) (Account, error) {
	p, err := s.activePerson(ctx, personID)
	if err != nil {
		return Account{}, err
	}
	c, err := s.Store.GetCredential(ctx, credentialID)
	if err != nil {
		return Account{}, fmt.Errorf("lifecycle: loading credential: %w", err)
	}
	if c.PersonID != p.ID {
		return Account{}, person.ErrNoCredential
	}
	a := Account{
		Wanghao:             netnum.Mask(p.Wanghao),
		CredentialID:        c.ID,
		Status:              State(c, s.now()),
		StatusBy:            c.StatusBy,
		StatusReason:        c.StatusReason,
		IssuedAt:            c.IssuedAt,
		ExpiresAt:           c.ExpiresAt,
		DeviceKeyThumbprint: c.DeviceKeyID,
		DeviceKeyIssuedAt:   c.IssuedAt,
	}
	if a.Status == StateActive {
		a.StatusBy, a.StatusReason = "", ""
	}
	if len(p.Identity) > 0 {
		pr, err := person.Open(s.Sealer, p)
		if err != nil {
			return Account{}, err
		}
		a.DocumentType = pr.Identity.Type
		if !pr.Identity.ValidUntil.IsZero() {
			a.DocumentValidUntil = pr.Identity.ValidUntil.String()
		}
	}
	if len(p.Phone) > 0 {
		phone, err := person.OpenField(s.Sealer, p, person.FieldPhone)
		if err != nil {
			return Account{}, fmt.Errorf("lifecycle: opening phone: %w", err)
		}
		a.Phone = sms.MaskPhone(string(phone))
	}
	return a, nil
}

// Reveal is Account with the full 网号, after checking the credential
// password (failures count towards the lockout).
func (s *Service) Reveal(ctx context.Context, personID, credentialID, pw string) (Account, error) {
	a, err := s.Account(ctx, personID, credentialID)
	if err != nil {
		return a, err
	}
	if err := s.Passwords.Verify(ctx, personID, pw); err != nil {
		return Account{}, err
	}
	p, err := s.activePerson(ctx, personID)
	if err != nil {
		return Account{}, err
	}
	a.Wanghao, a.Full = netnum.Format(p.Wanghao), true
	return a, nil
}
