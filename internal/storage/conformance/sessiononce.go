package conformance

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// A holder's proof authorises a claim or an approval; the change records
// the proof's one-time value itself (SessionClaim.Nonce, SessionEnd.Nonce),
// so that a replayed proof changes nothing and a fresh one is spent
// whether or not the change applies.

// openSession is a pending session any holder may open.
func openSession(id string) storage.Session {
	v := pendingSession(id, "possession")
	v.Subject = ""
	return v
}

// assertNonceUsed fails t unless key is recorded as used.
func assertNonceUsed(t *testing.T, s storage.Storage, what, key string) {
	t.Helper()
	if err := s.UseNonce(t.Context(), key, time.Now().Add(time.Hour)); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Errorf("%s: UseNonce(%s) afterwards = %v, want ErrAlreadyExists (the value recorded)", what, key, err)
	}
}

func testClaimSessionNonce(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	later := time.Now().Add(time.Hour)
	v := openSession("s-claim-nonce")
	must(t, "CreateSession", s.CreateSession(ctx, v))
	claim := storage.SessionClaim{CodeHash: v.CodeHash, CredentialID: "cred-1", PersonID: "person-1", Now: at(2),
		OpenOnly: true, Nonce: storage.Nonce{Key: "claim-1", ExpiresAt: later}}
	got, err := s.ClaimSession(ctx, claim)
	must(t, "ClaimSession with a nonce", err)
	want := v
	want.State, want.CredentialID, want.PersonID, want.UpdatedAt = storage.SessionClaimed, "cred-1", "person-1", at(2)
	assertEqual(t, "claimed", got, want)
	assertNonceUsed(t, s, "a claim", "claim-1")

	// The same value again, by the same credential whose claim would
	// otherwise succeed: nothing changes.
	claim.Now, claim.Nonce.Key = at(3), "claim-1"
	if _, err := s.ClaimSession(ctx, claim); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Errorf("ClaimSession with a used nonce = %v, want ErrAlreadyExists", err)
	}
	stored, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "after a replayed claim", stored, want)
	// A used value and a code no session has: ErrNotFound.
	if _, err := s.ClaimSession(ctx, storage.SessionClaim{CodeHash: []byte("no such code"), CredentialID: "cred-1", Now: at(3),
		Nonce: storage.Nonce{Key: "claim-1", ExpiresAt: later}}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("ClaimSession of an unknown code with a used nonce = %v, want ErrNotFound", err)
	}
	// A value recorded once but expired is fresh again.
	must(t, "UseNonce", s.UseNonce(ctx, "claim-expired", time.Now().Add(-time.Hour)))
	claim.Nonce = storage.Nonce{Key: "claim-expired", ExpiresAt: later}
	got, err = s.ClaimSession(ctx, claim)
	must(t, "ClaimSession with an expired nonce", err)
	want.UpdatedAt = at(3)
	assertEqual(t, "claimed with an expired nonce", got, want)

	// A fresh value where no session matches: nothing is claimed, and the
	// value is spent all the same.
	for name, c := range map[string]storage.SessionClaim{
		"other credential": {CodeHash: v.CodeHash, CredentialID: "cred-2", PersonID: "person-2", Now: at(4)},
		"unknown code":     {CodeHash: []byte("no such code"), CredentialID: "cred-1", PersonID: "person-1", Now: at(4)},
		"empty code":       {CredentialID: "cred-1", PersonID: "person-1", Now: at(4)},
		"no credential":    {CodeHash: v.CodeHash, Now: at(4)},
		"at expiry":        {CodeHash: v.CodeHash, CredentialID: "cred-1", PersonID: "person-1", Now: at(5)},
	} {
		c.Nonce = storage.Nonce{Key: "claim " + name, ExpiresAt: later}
		if _, err := s.ClaimSession(ctx, c); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: ClaimSession = %v, want ErrNotFound", name, err)
		}
		assertNonceUsed(t, s, name, c.Nonce.Key)
	}
	stored, err = s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "after refused claims", stored, want)

	// OpenOnly: a session for one holder only is not claimed, and the
	// value is spent; without OpenOnly it is.
	bound := pendingSession("s-claim-nonce-bound", "possession")
	must(t, "CreateSession", s.CreateSession(ctx, bound))
	c := storage.SessionClaim{CodeHash: bound.CodeHash, CredentialID: "cred-1", PersonID: "person-1", Now: at(2),
		OpenOnly: true, Nonce: storage.Nonce{Key: "claim-bound", ExpiresAt: later}}
	if _, err := s.ClaimSession(ctx, c); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("OpenOnly claim of a session with a subject = %v, want ErrNotFound", err)
	}
	assertNonceUsed(t, s, "an OpenOnly claim of a session with a subject", "claim-bound")
	stored, err = s.GetSession(ctx, bound.ID)
	must(t, "GetSession", err)
	assertEqual(t, "a session with a subject after an OpenOnly claim", stored, bound)
	if _, err := s.ClaimSession(ctx, storage.SessionClaim{CodeHash: bound.CodeHash, CredentialID: "cred-1", PersonID: "person-1",
		Now: at(2), OpenOnly: true}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("OpenOnly claim without a nonce of a session with a subject = %v, want ErrNotFound", err)
	}
	c.OpenOnly, c.Nonce.Key = false, "claim-bound-2"
	got, err = s.ClaimSession(ctx, c)
	must(t, "ClaimSession of a session with a subject", err)
	if got.State != storage.SessionClaimed || got.CredentialID != "cred-1" {
		t.Errorf("claimed session with a subject: state %s, credential %q", got.State, got.CredentialID)
	}

	// In a transaction that rolls back, neither the claim nor the value
	// stays.
	v2 := openSession("s-claim-nonce-tx")
	must(t, "CreateSession", s.CreateSession(ctx, v2))
	assertRolledBack(t, s, v2, "claim-tx", func(tx storage.Storage) error {
		_, err := tx.ClaimSession(ctx, storage.SessionClaim{CodeHash: v2.CodeHash, CredentialID: "cred-1", PersonID: "person-1",
			Now: at(2), Nonce: storage.Nonce{Key: "claim-tx", ExpiresAt: later}})
		return err
	})
}

// assertRolledBack runs change, which records the one-time value key and
// changes the stored session v, in a transaction that then rolls back,
// and fails t unless v and key are as they were.
func assertRolledBack(t *testing.T, s storage.Storage, v storage.Session, key string, change func(tx storage.Storage) error) {
	t.Helper()
	ctx := t.Context()
	errRollback := errors.New("roll back")
	err := s.InTransaction(ctx, func(tx storage.Storage) error {
		if err := change(tx); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("InTransaction = %v", err)
	}
	stored, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "rolled back", stored, v)
	must(t, "UseNonce of the rolled-back value", s.UseNonce(ctx, key, time.Now().Add(time.Hour)))
}

func testFinishSessionNonce(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	later := time.Now().Add(time.Hour)
	v := pendingSession("s-finish-nonce", "possession")
	v.State, v.CredentialID, v.PersonID = storage.SessionClaimed, "cred-1", "person-1"
	must(t, "CreateSession", s.CreateSession(ctx, v))
	end := storage.SessionEnd{State: storage.SessionApproved, LevelReached: "possession",
		Provided: []string{"verified", "sub"}, Result: []byte("sealed"), UpdatedAt: at(3)}

	// A used value: nothing changes.
	must(t, "UseNonce", s.UseNonce(ctx, "finish-used", later))
	end.Nonce = storage.Nonce{Key: "finish-used", ExpiresAt: later}
	if _, err := s.FinishSession(ctx, v.ID, storage.SessionClaimed, "cred-1", end); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Errorf("FinishSession with a used nonce = %v, want ErrAlreadyExists", err)
	}
	if _, err := s.FinishSession(ctx, "s-none", storage.SessionClaimed, "cred-1", end); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("FinishSession of an unknown session with a used nonce = %v, want ErrNotFound", err)
	}
	stored, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "after a replayed finish", stored, v)

	// A fresh value where the session does not match: spent all the same.
	for name, call := range map[string]func(storage.SessionEnd) error{
		"other credential": func(e storage.SessionEnd) error {
			_, err := s.FinishSession(ctx, v.ID, storage.SessionClaimed, "cred-2", e)
			return err
		},
		"other state": func(e storage.SessionEnd) error {
			_, err := s.FinishSession(ctx, v.ID, storage.SessionAwaitingGuardian, "cred-1", e)
			return err
		},
		"no credential": func(e storage.SessionEnd) error {
			_, err := s.FinishSession(ctx, v.ID, storage.SessionClaimed, "", e)
			return err
		},
		"unknown session": func(e storage.SessionEnd) error {
			_, err := s.FinishSession(ctx, "s-none", storage.SessionClaimed, "cred-1", e)
			return err
		},
	} {
		e := end
		e.Nonce.Key = "finish " + name
		if err := call(e); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: FinishSession = %v, want ErrNotFound", name, err)
		}
		assertNonceUsed(t, s, name, e.Nonce.Key)
	}

	end.Nonce.Key = "finish-1"
	got, err := s.FinishSession(ctx, v.ID, storage.SessionClaimed, "cred-1", end)
	must(t, "FinishSession with a nonce", err)
	want := v
	want.State, want.LevelReached, want.Provided, want.Result, want.UpdatedAt = storage.SessionApproved, "possession", []string{"verified", "sub"}, []byte("sealed"), at(3)
	assertEqual(t, "finished", got, want)
	assertNonceUsed(t, s, "a finish", "finish-1")
	stored, err = s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "finished, read back", stored, want)

	// In a transaction that rolls back, neither stays.
	v2 := pendingSession("s-finish-nonce-tx", "possession")
	v2.State, v2.CredentialID = storage.SessionClaimed, "cred-1"
	must(t, "CreateSession", s.CreateSession(ctx, v2))
	end.Nonce.Key = "finish-tx"
	assertRolledBack(t, s, v2, "finish-tx", func(tx storage.Storage) error {
		_, err := tx.FinishSession(ctx, v2.ID, storage.SessionClaimed, "cred-1", end)
		return err
	})
}

// testRaceClaimSessionNonce: one proof replayed at once against one code
// (the same credential, whose claims would all succeed without the
// value): exactly one claims, the others are told of the replay.
func testRaceClaimSessionNonce(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := openSession("s-race-claim-nonce")
	must(t, "CreateSession", s.CreateSession(ctx, v))
	nonce := storage.Nonce{Key: "race-claim", ExpiresAt: time.Now().Add(time.Hour)}
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		_, errs[i] = s.ClaimSession(ctx, storage.SessionClaim{CodeHash: v.CodeHash, CredentialID: "cred-1", PersonID: "person-1",
			Now: at(1).Add(time.Duration(i) * time.Second), OpenOnly: true, Nonce: nonce})
		if errors.Is(errs[i], storage.ErrAlreadyExists) {
			errs[i] = errClaimed
		}
	})
	winner := countWinners(t, "ClaimSession", errs)
	got, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	want := v
	want.State, want.CredentialID, want.PersonID = storage.SessionClaimed, "cred-1", "person-1"
	want.UpdatedAt = at(1).Add(time.Duration(winner) * time.Second)
	assertEqual(t, "session after race", got, want)
}

// testRaceFinishSessionNonce: approvals of different sessions racing
// with one proof: exactly one session ends.
func testRaceFinishSessionNonce(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	ids := make([]string, goroutines)
	for i := range ids {
		v := pendingSession(fmt.Sprintf("s-race-finish-nonce-%02d", i), "possession")
		v.State, v.CredentialID = storage.SessionClaimed, "cred-1"
		must(t, "CreateSession", s.CreateSession(ctx, v))
		ids[i] = v.ID
	}
	nonce := storage.Nonce{Key: "race-finish", ExpiresAt: time.Now().Add(time.Hour)}
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		_, errs[i] = s.FinishSession(ctx, ids[i], storage.SessionClaimed, "cred-1", storage.SessionEnd{
			State: storage.SessionApproved, UpdatedAt: at(2), Nonce: nonce})
		if errors.Is(errs[i], storage.ErrAlreadyExists) {
			errs[i] = errClaimed
		}
	})
	winner := countWinners(t, "FinishSession", errs)
	for i, id := range ids {
		got, err := s.GetSession(ctx, id)
		must(t, "GetSession", err)
		if want := map[bool]storage.SessionState{true: storage.SessionApproved, false: storage.SessionClaimed}[i == winner]; got.State != want {
			t.Errorf("session %s is %s, want %s", id, got.State, want)
		}
	}
}
