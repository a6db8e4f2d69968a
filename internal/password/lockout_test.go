package password

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2025, time.July, 15, 9, 0, 0, 0, time.UTC)

func TestLockoutSequence(t *testing.T) {
	p := Policy{MaxFailures: 5, LockFor: time.Hour}
	var a Attempts
	now := t0
	for i, want := range []int{4, 3, 2, 1} {
		var err error
		a, err = p.Record(a, false, now)
		var we *WrongPasswordError
		if !errors.As(err, &we) || !errors.Is(err, ErrWrongPassword) || we.Remaining != want {
			t.Fatalf("failure %d: %v, want WrongPasswordError{%d}", i+1, err, want)
		}
		if errors.Is(err, ErrLocked) {
			t.Fatalf("failure %d: also ErrLocked", i+1)
		}
		now = now.Add(time.Minute)
	}
	// The fifth failure locks.
	a, err := p.Record(a, false, now)
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || !le.Until.Equal(now.Add(time.Hour)) {
		t.Fatalf("fifth failure: %v, want LockedError until %v", err, now.Add(time.Hour))
	}
	until := le.Until
	if errors.Is(err, ErrWrongPassword) {
		t.Errorf("locking failure also matches ErrWrongPassword")
	}

	// While locked, Locked reports it, and Record refuses even a correct
	// password and leaves the state alone.
	during := until.Add(-time.Second)
	if err := p.Locked(a, during); !errors.Is(err, ErrLocked) {
		t.Errorf("Locked during lock = %v, want ErrLocked", err)
	}
	for _, ok := range []bool{true, false} {
		b, err := p.Record(a, ok, during)
		if !errors.Is(err, ErrLocked) || b != a {
			t.Errorf("Record(ok=%v) during lock = %+v, %v; want unchanged, ErrLocked", ok, b, err)
		}
	}

	// At the end of the lock, the count starts again.
	if err := p.Locked(a, until); err != nil {
		t.Errorf("Locked at expiry = %v, want nil", err)
	}
	a, err = p.Record(a, false, until)
	var we *WrongPasswordError
	if !errors.As(err, &we) || we.Remaining != 4 {
		t.Fatalf("first failure after lock: %v, want 4 left", err)
	}
	a, err = p.Record(a, true, until.Add(time.Minute))
	if err != nil || a != (Attempts{}) {
		t.Fatalf("success after lock: %+v, %v; want zero, nil", a, err)
	}
}

func TestLockoutResetOnSuccess(t *testing.T) {
	p := DefaultPolicy
	var a Attempts
	var err error
	for i := 0; i < 4; i++ {
		a, _ = p.Record(a, false, t0)
	}
	if a.Failures != 4 {
		t.Fatalf("Failures = %d, want 4", a.Failures)
	}
	a, err = p.Record(a, true, t0)
	if err != nil || a != (Attempts{}) {
		t.Fatalf("success: %+v, %v; want zero, nil", a, err)
	}
	// Four more failures are again allowed without a lock.
	for i := 0; i < 4; i++ {
		a, err = p.Record(a, false, t0)
		if errors.Is(err, ErrLocked) {
			t.Fatalf("locked after %d failures following a success", i+1)
		}
	}
}

func TestLockoutZeroPolicy(t *testing.T) {
	var p Policy // defaults: 5 failures, one hour
	var a Attempts
	var err error
	for i := 0; i < 5; i++ {
		a, err = p.Record(a, false, t0)
	}
	var le *LockedError
	if !errors.As(err, &le) || !le.Until.Equal(t0.Add(time.Hour)) {
		t.Fatalf("zero policy: %v, want lock for an hour", err)
	}
}

func TestLockoutMaxOne(t *testing.T) {
	p := Policy{MaxFailures: 1, LockFor: 10 * time.Minute}
	_, err := p.Record(Attempts{}, false, t0)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("MaxFailures 1: %v, want ErrLocked", err)
	}
}

func TestLockoutMessages(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&WrongPasswordError{Remaining: 3}, "wrong credential password: 3 attempts left"},
		{&WrongPasswordError{Remaining: 1}, "wrong credential password: 1 attempt left"},
		{&LockedError{Until: time.Date(2025, 7, 15, 18, 30, 0, 0, time.FixedZone("CST", 8*3600))},
			"credential password locked until 2025-07-15T10:30:00Z"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
