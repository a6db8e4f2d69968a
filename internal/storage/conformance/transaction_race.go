package conformance

import (
	"fmt"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// testRaceTxEndOnce races transactions that each end the same session
// (failing if it has ended) and append its record: exactly one commits,
// and the log holds exactly its record.
func testRaceTxEndOnce(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		person := fmt.Sprintf("person-%02d", i)
		errs[i] = s.InTransaction(ctx, func(tx storage.Storage) error {
			ended, err := tx.UpdateSession(ctx, v.ID, func(cur storage.Session) (storage.Session, error) {
				if cur.State == storage.SessionApproved {
					return cur, errClaimed
				}
				cur.State, cur.PersonID, cur.UpdatedAt = storage.SessionApproved, person, at(i+1)
				return cur, nil
			})
			if err != nil {
				return err
			}
			_, err = tx.AppendRecord(ctx, fullRecord(ended.ID, ended.PersonID), testChain)
			return err
		})
	})
	winner := countWinners(t, "InTransaction", errs)
	want := v
	want.State, want.PersonID, want.UpdatedAt = storage.SessionApproved, fmt.Sprintf("person-%02d", winner), at(winner+1)
	assertSession(t, s, "session after racing transactions", want)
	recs, err := s.ListRecords(ctx, 0, 2*goroutines)
	must(t, "ListRecords", err)
	if len(recs) != 1 {
		t.Fatalf("racing transactions appended %d records, want exactly 1", len(recs))
	}
	if recs[0].Seq != 1 || recs[0].ID != v.ID || recs[0].PersonID != want.PersonID {
		t.Errorf("record after racing transactions: Seq %d, ID %s, person %s; want 1, %s, %s",
			recs[0].Seq, recs[0].ID, recs[0].PersonID, v.ID, want.PersonID)
	}
}

// testRaceTxAppendContiguous races transactions that each end their own
// session and append its record: every one commits, and the log is
// contiguous and chained as if they had run one after the other.
func testRaceTxAppendContiguous(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	for i := range goroutines {
		claimedSession(t, s, fmt.Sprintf("s-%02d", i))
	}
	results := make([]storage.Record, goroutines)
	errs := make([]error, goroutines)
	chainErrs := make([]error, goroutines)
	race(goroutines, func(i int) {
		id := fmt.Sprintf("s-%02d", i)
		errs[i] = s.InTransaction(ctx, func(tx storage.Storage) error {
			if _, err := tx.UpdateSession(ctx, id, approve(at(i+1))); err != nil {
				return err
			}
			var err error
			results[i], err = tx.AppendRecord(ctx, fullRecord(id, "p1"), raceChain(&chainErrs[i]))
			return err
		})
	})
	for i := range goroutines {
		must(t, fmt.Sprintf("InTransaction #%d", i), errs[i])
		if chainErrs[i] != nil {
			t.Errorf("AppendRecord in transaction #%d: chain saw %v", i, chainErrs[i])
		}
		got, err := s.GetSession(ctx, fmt.Sprintf("s-%02d", i))
		must(t, "GetSession", err)
		if got.State != storage.SessionApproved {
			t.Errorf("session s-%02d after its transaction: %s, want approved", i, got.State)
		}
	}
	assertRaceLog(t, s, results)
}
