package password

import (
	"errors"
	"fmt"
	"time"
)

// DefaultPolicy allows 5 wrong passwords in a row, then locks for an hour.
var DefaultPolicy = Policy{MaxFailures: 5, LockFor: time.Hour}

// Policy is the lockout after repeated wrong credential passwords. A zero
// field takes its value from DefaultPolicy.
type Policy struct {
	// MaxFailures is the number of wrong passwords in a row that locks.
	MaxFailures int
	// LockFor is how long the lock lasts.
	LockFor time.Duration
}

// Attempts is the lockout state of one credential password. The zero value
// is the state with no failures. The caller stores it, and must read it,
// call Record and write the result atomically (for example inside one
// storage transaction), or concurrent attempts could exceed MaxFailures.
type Attempts struct {
	// Failures counts wrong passwords in a row since the last success or
	// the end of the last lock.
	Failures int
	// LockedUntil is the end of the current or last lock; zero if none.
	LockedUntil time.Time
}

var (
	// ErrWrongPassword is matched by *WrongPasswordError.
	ErrWrongPassword = errors.New("password: wrong credential password")
	// ErrLocked is matched by *LockedError.
	ErrLocked = errors.New("password: credential password locked")
)

// WrongPasswordError reports a wrong password and how many attempts are
// left before the lock.
type WrongPasswordError struct {
	Remaining int
}

func (e *WrongPasswordError) Error() string {
	if e.Remaining == 1 {
		return "wrong credential password: 1 attempt left"
	}
	return fmt.Sprintf("wrong credential password: %d attempts left", e.Remaining)
}

// Is makes errors.Is(err, ErrWrongPassword) true.
func (e *WrongPasswordError) Is(target error) bool { return target == ErrWrongPassword }

// LockedError reports that the password is locked, and until when.
type LockedError struct {
	Until time.Time
}

func (e *LockedError) Error() string {
	return "credential password locked until " + e.Until.UTC().Format(time.RFC3339)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

func (p Policy) withDefaults() Policy {
	if p.MaxFailures <= 0 {
		p.MaxFailures = DefaultPolicy.MaxFailures
	}
	if p.LockFor <= 0 {
		p.LockFor = DefaultPolicy.LockFor
	}
	return p
}

// Locked returns a *LockedError if a is locked at now, and nil otherwise.
// Call it before verifying the password: while locked, the password must
// not be checked at all.
func (p Policy) Locked(a Attempts, now time.Time) error {
	if now.Before(a.LockedUntil) {
		return &LockedError{Until: a.LockedUntil}
	}
	return nil
}

// Record returns the state after an attempt at now whose password
// verification succeeded (ok) or failed, and the outcome to report:
//
//   - if a is locked at now, a unchanged and a *LockedError, whatever ok
//     says (the caller should not have verified; see Locked);
//   - on success, the zero Attempts and nil;
//   - on a failure that leaves attempts, a *WrongPasswordError with the
//     number left;
//   - on the failure that uses the last attempt, a state locked until
//     now + LockFor and a *LockedError.
//
// A lock that has ended at now counts as no failures.
func (p Policy) Record(a Attempts, ok bool, now time.Time) (Attempts, error) {
	p = p.withDefaults()
	if err := p.Locked(a, now); err != nil {
		return a, err
	}
	if !a.LockedUntil.IsZero() {
		a = Attempts{} // the last lock has ended
	}
	if ok {
		return Attempts{}, nil
	}
	a.Failures++
	if a.Failures >= p.MaxFailures {
		a.LockedUntil = now.Add(p.LockFor)
		return a, &LockedError{Until: a.LockedUntil}
	}
	return a, &WrongPasswordError{Remaining: p.MaxFailures - a.Failures}
}
