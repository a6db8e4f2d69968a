package person

import (
	"context"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/storage"
)

// PersonStore is what Passwords needs of the storage layer.
type PersonStore interface {
	GetPerson(ctx context.Context, id string) (storage.Person, error)
	UpdatePerson(ctx context.Context, id string, fn func(storage.Person) (storage.Person, error)) (storage.Person, error)
}

var _ PersonStore = storage.Storage(nil)

// Passwords checks persons' credential passwords (网证口令) with the
// lockout after repeated failures. Its fields are set once before use.
type Passwords struct {
	Store PersonStore
	// Policy is the lockout; a zero field takes password.DefaultPolicy's.
	Policy password.Policy
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Hasher checks a password against its stored hash; nil means
	// password.Argon2id.
	Hasher Hasher
}

// Hasher checks a password against its stored hash (password.Argon2id).
type Hasher interface {
	Verify(encoded, password string) (bool, error)
}

// Verify checks person personID's credential password. Each attempt is
// recorded towards the lockout in one transaction on the current row, so
// racing guesses are all counted and none is accepted once the password is
// locked. The error says how many attempts remain
// (*password.WrongPasswordError, wrapping password.ErrWrongPassword) or
// until when the password is locked (*password.LockedError).
func (pw *Passwords) Verify(ctx context.Context, personID, secret string) error {
	p, err := pw.Store.GetPerson(ctx, personID)
	if err != nil {
		return fmt.Errorf("person: loading person: %w", err)
	}
	now := pw.now()
	if err := pw.Policy.Locked(password.Attempts{Failures: p.PasswordFailures, LockedUntil: p.PasswordLockedUntil}, now); err != nil {
		return err
	}
	// Argon2id runs outside any transaction: on SQLite a write transaction
	// holds the whole database, and the hash takes tens of milliseconds.
	ok, err := pw.hasher().Verify(p.PasswordHash, secret)
	if err != nil {
		return fmt.Errorf("person: stored password hash: %w", err)
	}
	if ok && p.PasswordFailures == 0 && p.PasswordLockedUntil.IsZero() {
		return nil // nothing to record
	}
	// The attempt is recorded against the row as it is now, so racing
	// attempts are all counted, and one that lands after another locked the
	// password is refused even if it was right: concurrent guesses gain
	// nothing over sequential ones.
	var result error
	_, err = pw.Store.UpdatePerson(ctx, personID, func(q storage.Person) (storage.Person, error) {
		if q.PasswordHash != p.PasswordHash {
			// Changed meanwhile: this attempt checked the old password.
			result = fmt.Errorf("%w: the password changed meanwhile; try again", password.ErrWrongPassword)
			return q, nil
		}
		att := password.Attempts{Failures: q.PasswordFailures, LockedUntil: q.PasswordLockedUntil}
		att, result = pw.Policy.Record(att, ok, now)
		q.PasswordFailures, q.PasswordLockedUntil = att.Failures, att.LockedUntil
		q.UpdatedAt = now
		return q, nil
	})
	if err != nil {
		return fmt.Errorf("person: recording a password attempt: %w", err)
	}
	return result
}

func (pw *Passwords) hasher() Hasher {
	if pw.Hasher != nil {
		return pw.Hasher
	}
	return password.Argon2id{}
}

func (pw *Passwords) now() time.Time {
	if pw.Now != nil {
		return pw.Now().UTC()
	}
	return time.Now().UTC()
}
