package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// Platform is a relying party the holder consented to.
type Platform struct {
	RPID     string
	Name     string
	Domains  []string
	Category string
	// Claims are the claims consented to; Plaintext the plaintext fields
	// consented to separately.
	Claims    []string
	Plaintext []string
	// GuardianConsent reports that a guardian consented for an under-14
	// holder.
	GuardianConsent bool
	GrantedAt       time.Time
	UpdatedAt       time.Time
}

// Platforms lists the relying parties the holder consented to, by ID.
func (s *Service) Platforms(ctx context.Context, personID string) ([]Platform, error) {
	if _, err := s.activePerson(ctx, personID); err != nil {
		return nil, err
	}
	consents, err := s.Store.ListConsents(ctx, personID)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: listing consents: %w", err)
	}
	out := []Platform{}
	for _, c := range consents {
		p := Platform{RPID: c.RPID, Name: c.RPID, Claims: c.Claims, Plaintext: c.Plaintext, GuardianConsent: !c.GuardianAt.IsZero(), GrantedAt: c.GrantedAt, UpdatedAt: c.UpdatedAt}
		rp, err := s.Store.GetRelyingParty(ctx, c.RPID)
		switch {
		case err == nil:
			p.Name, p.Domains, p.Category = rp.Name, rp.Domains, rp.Category
		case !errors.Is(err, storage.ErrNotFound):
			return nil, fmt.Errorf("lifecycle: loading relying party: %w", err)
		}
		if p.Claims == nil {
			p.Claims = []string{}
		}
		out = append(out, p)
	}
	return out, nil
}

// Withdraw deletes the holder's consent for relying party rpID: the next
// verification by it starts from no consent (an under-14 holder's guardian
// must consent again). Verifications already made stay in the record log.
func (s *Service) Withdraw(ctx context.Context, personID, rpID string) error {
	if _, err := s.activePerson(ctx, personID); err != nil {
		return err
	}
	rp := storage.RelyingParty{ID: rpID, Name: rpID}
	if got, err := s.Store.GetRelyingParty(ctx, rpID); err == nil {
		rp = got
	}
	return s.commit(ctx, personID, OutcomeConsentWithdrawn, &rp, func(tx storage.Storage) error {
		err := tx.DeleteConsent(ctx, personID, rpID)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrNoConsent
		}
		if err != nil {
			return fmt.Errorf("lifecycle: deleting consent: %w", err)
		}
		return nil
	})
}
