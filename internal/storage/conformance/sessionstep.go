package conformance

import (
	"errors"
	"fmt"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// pendingSession is a session no wallet has opened, at level, expiring at
// at(5).
func pendingSession(id, level string) storage.Session {
	v := fullSession(id)
	v.Level = level
	v.State, v.CredentialID, v.PersonID = storage.SessionPending, "", ""
	v.FaceChallenge, v.GuardianID, v.LevelReached, v.Provided, v.Result, v.Error = nil, "", "", nil, nil, ""
	return v
}

func testClaimSession(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := pendingSession("s-claim", "possession")
	must(t, "CreateSession", s.CreateSession(ctx, v))
	claim := storage.SessionClaim{CodeHash: v.CodeHash, CredentialID: "cred-1", PersonID: "person-1",
		ChallengeLevel: "face", Challenge: []byte("challenge"), Now: at(2)}
	got, err := s.ClaimSession(ctx, claim)
	must(t, "ClaimSession", err)
	want := v
	want.State, want.CredentialID, want.PersonID, want.UpdatedAt = storage.SessionClaimed, "cred-1", "person-1", at(2)
	assertEqual(t, "claimed", got, want)
	stored, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "claimed, read back", stored, want)

	// The same credential again: still claimed, UpdatedAt moves.
	claim.Now = at(3)
	got, err = s.ClaimSession(ctx, claim)
	must(t, "ClaimSession again", err)
	want.UpdatedAt = at(3)
	assertEqual(t, "claimed again", got, want)

	// Another credential, an unknown or empty code, an expired session:
	// nothing matches and nothing changes.
	for name, c := range map[string]storage.SessionClaim{
		"other credential": {CodeHash: v.CodeHash, CredentialID: "cred-2", PersonID: "person-2", Now: at(3)},
		"unknown code":     {CodeHash: []byte("no such code"), CredentialID: "cred-1", PersonID: "person-1", Now: at(3)},
		"empty code":       {CredentialID: "cred-1", PersonID: "person-1", Now: at(3)},
		"at expiry":        {CodeHash: v.CodeHash, CredentialID: "cred-1", PersonID: "person-1", Now: at(5)},
		"no credential":    {CodeHash: v.CodeHash, Now: at(3)},
	} {
		if _, err := s.ClaimSession(ctx, c); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: ClaimSession = %v, want ErrNotFound", name, err)
		}
	}
	stored, err = s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "after refused claims", stored, want)

	// Awaiting a guardian: its credential may open it again, without
	// changing its state; once ended, no one may.
	v2 := pendingSession("s-claim-guardian", "possession")
	v2.State, v2.CredentialID, v2.PersonID = storage.SessionAwaitingGuardian, "cred-1", "person-1"
	must(t, "CreateSession", s.CreateSession(ctx, v2))
	got, err = s.ClaimSession(ctx, storage.SessionClaim{CodeHash: v2.CodeHash, CredentialID: "cred-1", PersonID: "person-1", Now: at(2)})
	must(t, "ClaimSession awaiting guardian", err)
	if got.State != storage.SessionAwaitingGuardian {
		t.Errorf("a session awaiting a guardian became %s", got.State)
	}
	for _, st := range []storage.SessionState{storage.SessionApproved, storage.SessionDeclined, storage.SessionCancelled, storage.SessionExpired, storage.SessionFailed} {
		v3 := pendingSession("s-claim-"+string(st), "possession")
		v3.State = st
		must(t, "CreateSession", s.CreateSession(ctx, v3))
		if _, err := s.ClaimSession(ctx, storage.SessionClaim{CodeHash: v3.CodeHash, CredentialID: "cred-1", PersonID: "person-1", Now: at(2)}); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("claiming a session %s: %v, want ErrNotFound", st, err)
		}
	}
}

func testClaimSessionChallenge(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := pendingSession("s-face", "face")
	must(t, "CreateSession", s.CreateSession(ctx, v))
	c := storage.SessionClaim{CodeHash: v.CodeHash, CredentialID: "cred-1", PersonID: "person-1",
		ChallengeLevel: "face", Challenge: []byte("first"), Now: at(1)}
	got, err := s.ClaimSession(ctx, c)
	must(t, "ClaimSession", err)
	if string(got.FaceChallenge) != "first" {
		t.Fatalf("face challenge %q, want first", got.FaceChallenge)
	}
	// Opened again: the challenge stays the first one.
	c.Challenge = []byte("second")
	got, err = s.ClaimSession(ctx, c)
	must(t, "ClaimSession again", err)
	if string(got.FaceChallenge) != "first" {
		t.Fatalf("face challenge %q after a second open, want first", got.FaceChallenge)
	}
	stored, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "read back", stored, got)
}

func testFinishSession(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := pendingSession("s-finish", "possession")
	v.State, v.CredentialID, v.PersonID = storage.SessionClaimed, "cred-1", "person-1"
	must(t, "CreateSession", s.CreateSession(ctx, v))
	end := storage.SessionEnd{State: storage.SessionApproved, LevelReached: "possession",
		Provided: []string{"verified", "sub"}, Result: []byte("sealed"), UpdatedAt: at(3)}
	for name, call := range map[string]func() error{
		"other credential": func() error {
			_, err := s.FinishSession(ctx, v.ID, storage.SessionClaimed, "cred-2", end)
			return err
		},
		"other state": func() error {
			_, err := s.FinishSession(ctx, v.ID, storage.SessionAwaitingGuardian, "cred-1", end)
			return err
		},
		"no credential": func() error {
			_, err := s.FinishSession(ctx, v.ID, storage.SessionClaimed, "", end)
			return err
		},
		"unknown session": func() error {
			_, err := s.FinishSession(ctx, "s-none", storage.SessionClaimed, "cred-1", end)
			return err
		},
	} {
		if err := call(); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: FinishSession = %v, want ErrNotFound", name, err)
		}
	}
	got, err := s.FinishSession(ctx, v.ID, storage.SessionClaimed, "cred-1", end)
	must(t, "FinishSession", err)
	want := v
	want.State, want.LevelReached, want.Provided, want.Result, want.UpdatedAt = storage.SessionApproved, "possession", []string{"verified", "sub"}, []byte("sealed"), at(3)
	assertEqual(t, "finished", got, want)
	stored, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "finished, read back", stored, want)
	// Once: the state is no longer claimed.
	if _, err := s.FinishSession(ctx, v.ID, storage.SessionClaimed, "cred-1", end); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("finishing twice: %v, want ErrNotFound", err)
	}
	// In a transaction, and rolled back with it.
	v2 := pendingSession("s-finish-tx", "possession")
	v2.State, v2.CredentialID = storage.SessionClaimed, "cred-1"
	must(t, "CreateSession", s.CreateSession(ctx, v2))
	errRollback := errors.New("roll back")
	err = s.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.FinishSession(ctx, v2.ID, storage.SessionClaimed, "cred-1", end); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("InTransaction = %v", err)
	}
	stored, err = s.GetSession(ctx, v2.ID)
	must(t, "GetSession", err)
	assertEqual(t, "rolled back", stored, v2)
}

// testRaceClaimSessionOnce: wallets of different credentials open one
// code at once; exactly one claims it.
func testRaceClaimSessionOnce(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := pendingSession("s-race-claim", "possession")
	must(t, "CreateSession", s.CreateSession(ctx, v))
	errs := make([]error, goroutines)
	won := make([]storage.Session, goroutines)
	race(goroutines, func(i int) {
		won[i], errs[i] = s.ClaimSession(ctx, storage.SessionClaim{CodeHash: v.CodeHash,
			CredentialID: fmt.Sprintf("cred-%02d", i), PersonID: fmt.Sprintf("person-%02d", i), Now: at(1)})
		if errors.Is(errs[i], storage.ErrNotFound) {
			errs[i] = errClaimed
		}
	})
	winner := countWinners(t, "ClaimSession", errs)
	got, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	want := v
	want.State, want.UpdatedAt = storage.SessionClaimed, at(1)
	want.CredentialID, want.PersonID = fmt.Sprintf("cred-%02d", winner), fmt.Sprintf("person-%02d", winner)
	assertEqual(t, "session after race", got, want)
	assertEqual(t, "winner's session", won[winner], want)
}

// testRaceFinishSessionOnce: racing approvals of one claimed session;
// exactly one ends it, and the stored result is the winner's.
func testRaceFinishSessionOnce(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := pendingSession("s-race-finish", "possession")
	v.State, v.CredentialID, v.PersonID = storage.SessionClaimed, "cred-1", "person-1"
	must(t, "CreateSession", s.CreateSession(ctx, v))
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		_, errs[i] = s.FinishSession(ctx, v.ID, storage.SessionClaimed, "cred-1", storage.SessionEnd{
			State: storage.SessionApproved, Result: fmt.Appendf(nil, "result-%02d", i), UpdatedAt: at(2)})
		if errors.Is(errs[i], storage.ErrNotFound) {
			errs[i] = errClaimed
		}
	})
	winner := countWinners(t, "FinishSession", errs)
	got, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	if got.State != storage.SessionApproved || string(got.Result) != fmt.Sprintf("result-%02d", winner) {
		t.Fatalf("after the race: %s, %q; the winner was %d", got.State, got.Result, winner)
	}
}
