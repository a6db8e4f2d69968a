package proofing

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/storage"
)

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

// MaskName hides all but the first and (for names of three or more
// characters) the last character of a name.
func MaskName(name string) string {
	r := []rune(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return ""
	case n <= 2:
		return string(r[0]) + "*"
	default:
		out := []rune{r[0]}
		for i := 1; i < n-1; i++ {
			out = append(out, '*')
		}
		return string(append(out, r[n-1]))
	}
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
			Name:          MaskName(p.Identity.Name),
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
	if err := s.VerifyPassword(ctx, guardianID, pw); err != nil {
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

// VerifyPassword checks a person's credential password. Each attempt is
// recorded towards the lockout in one transaction on the current row, so
// racing guesses are all counted and none is accepted once the password is
// locked; the error says how many attempts remain
// (*password.WrongPasswordError) or until when the password is locked
// (*password.LockedError).
func (s *Service) VerifyPassword(ctx context.Context, personID, pw string) error {
	policy := s.passwordPolicy()
	p, err := s.Store.GetPerson(ctx, personID)
	if err != nil {
		return fmt.Errorf("proofing: loading person: %w", err)
	}
	now := s.now()
	if err := policy.Locked(password.Attempts{Failures: p.PasswordFailures, LockedUntil: p.PasswordLockedUntil}, now); err != nil {
		return err
	}
	// Argon2id runs outside any transaction: on SQLite a write transaction
	// holds the whole database, and the hash takes tens of milliseconds.
	ok, err := password.Verify(p.PasswordHash, pw)
	if err != nil {
		return fmt.Errorf("proofing: stored password hash: %w", err)
	}
	if ok && p.PasswordFailures == 0 && p.PasswordLockedUntil.IsZero() {
		return nil // nothing to record
	}
	// The attempt is recorded against the row as it is now, so racing
	// attempts are all counted, and one that lands after another locked the
	// password is refused even if it was right: concurrent guesses gain
	// nothing over sequential ones.
	var result error
	_, err = s.Store.UpdatePerson(ctx, personID, func(q storage.Person) (storage.Person, error) {
		if q.PasswordHash != p.PasswordHash {
			// Changed meanwhile: this attempt checked the old password.
			result = fmt.Errorf("%w: the password changed meanwhile; try again", password.ErrWrongPassword)
			return q, nil
		}
		att := password.Attempts{Failures: q.PasswordFailures, LockedUntil: q.PasswordLockedUntil}
		att, result = policy.Record(att, ok, now)
		q.PasswordFailures, q.PasswordLockedUntil = att.Failures, att.LockedUntil
		q.UpdatedAt = now
		return q, nil
	})
	if err != nil {
		return err
	}
	return result
}
