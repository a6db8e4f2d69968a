package proofing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// GuardianRequest is a minor's application waiting for the guardian's
// confirmation, as the guardian's wallet shows it.
type GuardianRequest struct {
	ApplicationID string
	DocumentType  document.Type
	// Name is the applicant's name, masked (张*三).
	Name      string
	Age       int
	CreatedAt time.Time
	ExpiresAt time.Time
}

// GuardianRequests lists the applications waiting for guardian guardianID.
func (s *Service) GuardianRequests(ctx context.Context, guardianID string) ([]GuardianRequest, error) {
	apps, err := s.Store.ListGuardianApplications(ctx, guardianID, storage.StateGuardian)
	if err != nil {
		return nil, fmt.Errorf("proofing: listing guardian requests: %w", err)
	}
	out := []GuardianRequest{}
	today := s.today()
	for _, a := range apps {
		if s.checkLive(a) != nil {
			continue
		}
		p, err := s.openProofed(a)
		if err != nil {
			return nil, err
		}
		out = append(out, GuardianRequest{
			ApplicationID: a.ID,
			DocumentType:  document.Type(a.DocumentType),
			Name:          person.MaskName(p.Identity.Name),
			Age:           p.Identity.Birth.AgeOn(today),
			CreatedAt:     a.CreatedAt,
			ExpiresAt:     a.ExpiresAt,
		})
	}
	return out, nil
}

// DecideGuardianRequest records the guardian's decision on a 14–17
// applicant's application, after checking the guardian's credential
// password (with lockout). Approval lets the application go on to the
// device key; declining ends it.
func (s *Service) DecideGuardianRequest(ctx context.Context, guardianID, applicationID string, approve bool, pw string) error {
	a, err := s.Store.GetApplication(ctx, applicationID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && a.GuardianID != guardianID) {
		return ErrNotGuardian
	}
	if err != nil {
		return fmt.Errorf("proofing: loading application: %w", err)
	}
	if err := s.Passwords.Verify(ctx, guardianID, pw); err != nil {
		return err
	}
	nonce, err := s.randomToken(24)
	if err != nil {
		return err
	}
	_, err = s.update(ctx, applicationID, []storage.ApplicationState{storage.StateGuardian}, func(a *storage.Application) error {
		if a.GuardianID != guardianID {
			return ErrNotGuardian
		}
		if approve {
			a.State = storage.StateDevice
			a.DeviceNonce = []byte(nonce)
		} else {
			a.State = storage.StateDeclined
		}
		return nil
	})
	return err
}
