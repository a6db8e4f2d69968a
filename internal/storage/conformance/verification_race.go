package conformance

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// idHash is the hash the race test's chain records of a predecessor.
func idHash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// raceChain returns a chain function for racing appends: it records in
// *found what is wrong with its arguments (a Seq without its predecessor),
// and chains each record to the hash of its predecessor's ID.
func raceChain(found *error) func(prev *storage.Record, r storage.Record) (storage.Record, error) {
	return func(prev *storage.Record, r storage.Record) (storage.Record, error) {
		switch {
		case prev == nil && r.Seq != 1:
			*found = fmt.Errorf("seq %d with no predecessor", r.Seq)
		case prev != nil && prev.Seq != r.Seq-1:
			*found = fmt.Errorf("seq %d with predecessor seq %d", r.Seq, prev.Seq)
		}
		r.PrevHash = nil
		if prev != nil {
			r.PrevHash = bytes.Clone(prev.Hash)
		}
		r.Hash = idHash(r.ID)
		return r, nil
	}
}

func testRaceAppendRecord(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	results := make([]storage.Record, goroutines)
	errs := make([]error, goroutines)
	// chainErrs[i] is what goroutine i's chain found wrong with its
	// arguments; each chain runs in its own goroutine's call.
	chainErrs := make([]error, goroutines)
	race(goroutines, func(i int) {
		r := fullRecord(fmt.Sprintf("race-%02d", i), "p1")
		results[i], errs[i] = s.AppendRecord(ctx, r, raceChain(&chainErrs[i]))
	})
	for i := range goroutines {
		must(t, fmt.Sprintf("AppendRecord #%d", i), errs[i])
		if chainErrs[i] != nil {
			t.Errorf("AppendRecord #%d: chain saw %v", i, chainErrs[i])
		}
	}
	assertRaceLog(t, s, results)
}

// assertRaceLog fails unless the log holds exactly the records of results,
// appended by racing callers with raceChain: Seq values 1…n contiguous,
// each record chained to its true predecessor.
func assertRaceLog(t *testing.T, s storage.Storage, results []storage.Record) {
	t.Helper()
	n := len(results)
	recs, err := s.ListRecords(t.Context(), 0, 2*n)
	must(t, "ListRecords", err)
	if len(recs) != n {
		t.Fatalf("ListRecords: %d records, want %d", len(recs), n)
	}
	seen := make(map[string]bool)
	for i, r := range recs {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d has Seq %d: Seq values are not 1..%d contiguous", i, r.Seq, n)
		}
		seen[r.ID] = true
		var want []byte
		if i > 0 {
			want = idHash(recs[i-1].ID)
		}
		if !bytes.Equal(r.PrevHash, want) {
			t.Errorf("record Seq %d (%s): PrevHash is not the hash of record Seq %d's ID: its chain saw another predecessor", r.Seq, r.ID, r.Seq-1)
		}
	}
	if len(seen) != n {
		t.Errorf("the log holds %d distinct records, want %d", len(seen), n)
	}
	for i, r := range results {
		assertEqual(t, fmt.Sprintf("AppendRecord #%d result", i), r, recs[r.Seq-1])
	}
}

func testRaceConsumeGrant(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	g := fullGrant("g-1", "s-1")
	g.ConsumedAt, g.RevokedAt = time.Time{}, time.Time{}
	must(t, "CreateGrant", s.CreateGrant(ctx, g))
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		_, errs[i] = s.UpdateGrant(ctx, g.ID, func(cur storage.Grant) (storage.Grant, error) {
			if !cur.ConsumedAt.IsZero() {
				return cur, errClaimed
			}
			cur.ConsumedAt = at(i + 1)
			return cur, nil
		})
	})
	winner := countWinners(t, "UpdateGrant", errs)
	got, err := s.GetGrantByHash(ctx, g.Hash)
	must(t, "GetGrantByHash", err)
	want := g
	want.ConsumedAt = at(winner + 1)
	assertEqual(t, "grant after race", got, want)
}

func testRaceClaimSession(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := fullSession("s-1")
	v.State, v.CredentialID, v.PersonID = storage.SessionPending, "", ""
	must(t, "CreateSession", s.CreateSession(ctx, v))
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		_, errs[i] = s.UpdateSession(ctx, v.ID, func(cur storage.Session) (storage.Session, error) {
			if cur.State != storage.SessionPending {
				return cur, errClaimed
			}
			cur.State = storage.SessionClaimed
			cur.CredentialID, cur.PersonID = fmt.Sprintf("cred-%02d", i), fmt.Sprintf("person-%02d", i)
			return cur, nil
		})
	})
	winner := countWinners(t, "UpdateSession", errs)
	got, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	want := v
	want.State = storage.SessionClaimed
	want.CredentialID, want.PersonID = fmt.Sprintf("cred-%02d", winner), fmt.Sprintf("person-%02d", winner)
	assertEqual(t, "session after race", got, want)
}

// countWinners fails unless exactly one of errs is nil and the others are
// errClaimed; it returns the winner's index.
func countWinners(t *testing.T, what string, errs []error) int {
	t.Helper()
	winner, ok := -1, 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
			winner = i
		case errors.Is(err, errClaimed):
		default:
			t.Errorf("%s #%d: %v", what, i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("%s: %d callers succeeded, want exactly 1", what, ok)
	}
	return winner
}
