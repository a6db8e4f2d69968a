package lifecycle

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// ChangePassword replaces the credential password: newPW must pass
// password.Check (8 digits, no runs or repeats, not the birth date in the
// sealed identity) and differ from oldPW, which is checked with the
// lockout of every password check. A forgotten password is re-proofing
// (proofing, kind password).
func (s *Service) ChangePassword(ctx context.Context, personID, oldPW, newPW string) error {
	p, err := s.activePerson(ctx, personID)
	if err != nil {
		return err
	}
	var birth document.Date
	if len(p.Identity) > 0 {
		pr, err := person.Open(s.Sealer, p)
		if err != nil {
			return err
		}
		birth = pr.Identity.Birth
	}
	// The new password's rules first: they cost no password attempt.
	if err := password.Check(newPW, birth); err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(oldPW), []byte(newPW)) == 1 {
		return ErrSamePassword
	}
	if err := s.Passwords.Verify(ctx, personID, oldPW); err != nil {
		return err
	}
	hash, err := password.Hash(newPW, s.passwordParams(), s.rand())
	if err != nil {
		return fmt.Errorf("lifecycle: hashing password: %w", err)
	}
	return s.commit(ctx, personID, OutcomePasswordChanged, nil, func(tx storage.Storage) error {
		_, err := tx.UpdatePerson(ctx, personID, func(p storage.Person) (storage.Person, error) {
			if p.State != storage.PersonActive {
				return p, ErrCancelled
			}
			p.PasswordHash = hash
			p.PasswordFailures, p.PasswordLockedUntil = 0, time.Time{}
			p.UpdatedAt = s.now()
			return p, nil
		})
		if err != nil {
			return fmt.Errorf("lifecycle: storing the new password: %w", err)
		}
		return nil
	})
}
