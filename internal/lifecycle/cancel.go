package lifecycle

import (
	"context"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// ReasonCancelled is the status reason of the credentials revoked by a
// cancellation.
const ReasonCancelled = "cancelled"

// Cancel cancels (注销) the holder's network identity after checking the
// credential password:
//
//  1. every credential not yet revoked is revoked (StatusBy holder, reason
//     ReasonCancelled) and its status list dropped from the cache;
//  2. every consent is deleted;
//  3. the person becomes storage.PersonCancelled with CancelledAt, and
//     their sealed identity, photo, phone (and its blind index), password
//     hash and guardian link are wiped.
//
// The person's blind index and 网号 stay, so applying again with the same
// document restores the same 网号 (docs/retention.md says what is kept and
// for how long). The steps and the record of the cancellation commit in
// one transaction: an interruption leaves everything as it was. While an operator's suspension stands the
// identity cannot be cancelled (person.ErrOperatorHold).
func (s *Service) Cancel(ctx context.Context, personID, pw string) error {
	if _, err := s.activePerson(ctx, personID); err != nil {
		return err
	}
	creds, err := s.Store.ListCredentials(ctx, personID)
	if err != nil {
		return fmt.Errorf("lifecycle: listing credentials: %w", err)
	}
	for _, c := range creds {
		if storage.OperatorHold(c) {
			return person.ErrOperatorHold
		}
	}
	if err := s.Passwords.Verify(ctx, personID, pw); err != nil {
		return err
	}
	var revoked []storage.Credential
	err = s.commit(ctx, personID, OutcomeCancelled, nil, func(tx storage.Storage) error {
		revoked = revoked[:0]
		for _, c := range creds {
			if c.Status == storage.CredentialRevoked {
				continue
			}
			_, err := tx.UpdateCredential(ctx, c.ID, func(c storage.Credential) (storage.Credential, error) {
				if storage.OperatorHold(c) {
					return c, person.ErrOperatorHold
				}
				if c.Status != storage.CredentialRevoked {
					c.Status, c.StatusBy, c.StatusReason, c.UpdatedAt = storage.CredentialRevoked, storage.StatusByHolder, ReasonCancelled, s.now()
				}
				return c, nil
			})
			if err != nil {
				return fmt.Errorf("lifecycle: revoking credential: %w", err)
			}
			revoked = append(revoked, c)
		}
		consents, err := tx.ListConsents(ctx, personID)
		if err != nil {
			return fmt.Errorf("lifecycle: listing consents: %w", err)
		}
		for _, c := range consents {
			if err := tx.DeleteConsent(ctx, personID, c.RPID); err != nil && !isNotFound(err) {
				return fmt.Errorf("lifecycle: deleting consent: %w", err)
			}
		}
		_, err = tx.UpdatePerson(ctx, personID, func(p storage.Person) (storage.Person, error) {
			now := s.now()
			p.State, p.CancelledAt = storage.PersonCancelled, now
			p.Identity, p.Photo, p.Phone, p.PhoneIndex = nil, nil, nil, ""
			p.IdentityFormat = person.FormatNone
			p.PasswordHash, p.PasswordFailures, p.PasswordLockedUntil = "", 0, time.Time{}
			p.GuardianID = ""
			p.UpdatedAt = now
			return p, nil
		})
		if err != nil {
			return fmt.Errorf("lifecycle: cancelling the person: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.invalidate(ctx, revoked...)
	return nil
}
