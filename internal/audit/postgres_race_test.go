package audit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// TestAppendersOnTwoPools: six appenders on two connection pools of one
// PostgreSQL database, as two replicas would be, append in every way a
// transaction can end: committed alone, rolled back by a later failure,
// two appends and a read after them, the context cancelled before the
// commit, and a deadline of 0 to 6 ms that may pass at any point. The log
// must verify (chain, tree, signed heads), hold exactly the records whose
// transactions reported success, and none whose transaction reported
// failure.
func TestAppendersOnTwoPools(t *testing.T) {
	dsn := postgresSchema(t)
	ctx := t.Context()
	key := newPlatformKey(t)
	var stores []*sqlstore.Store
	for range 2 {
		s, err := sqlstore.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	var mu sync.Mutex
	// want is how many records of each ID the log must hold: those of a
	// transaction that reported success, none of one that failed.
	want := map[string]int{}
	report := func(id string, n int) {
		mu.Lock()
		defer mu.Unlock()
		want[id] = n
	}
	ifOK := func(err error, n int) int {
		if err != nil {
			return 0
		}
		return n
	}
	errStop := errors.New("stop")
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			s := stores[g%2]
			l := &audit.Log{Store: s, Keys: key, HeadEvery: 5}
			for i := range 40 {
				r := sampleRecord(g*100 + i)
				id := fmt.Sprint(g, "-", i)
				r.ID = id
				switch i % 5 {
				case 0:
					_, err := l.Append(ctx, r)
					if err != nil {
						t.Errorf("%s: %v", id, err)
						return
					}
					report(id, 1)
				case 1:
					err := s.InTransaction(ctx, func(tx storage.Storage) error {
						if _, err := l.AppendIn(ctx, tx, r); err != nil {
							return err
						}
						return errStop
					})
					if !errors.Is(err, errStop) {
						t.Errorf("%s: %v", id, err)
						return
					}
					report(id, 0)
				case 2:
					err := s.InTransaction(ctx, func(tx storage.Storage) error {
						for range 2 {
							if _, err := l.AppendIn(ctx, tx, r); err != nil {
								return err
							}
						}
						if _, err := tx.GetPerson(ctx, "nobody"); !errors.Is(err, storage.ErrNotFound) {
							return fmt.Errorf("a read after two appends: %v", err)
						}
						return nil
					})
					if err != nil {
						t.Errorf("%s: %v", id, err)
						return
					}
					report(id, 2)
				case 3:
					cctx, cancel := context.WithCancel(ctx)
					err := s.InTransaction(cctx, func(tx storage.Storage) error {
						if _, err := l.AppendIn(cctx, tx, r); err != nil {
							return err
						}
						cancel()
						return nil
					})
					cancel()
					report(id, ifOK(err, 1))
				case 4:
					cctx, cancel := context.WithTimeout(ctx, time.Duration(i%7)*time.Millisecond)
					err := s.InTransaction(cctx, func(tx storage.Storage) error {
						_, err := l.AppendIn(cctx, tx, r)
						return err
					})
					cancel()
					report(id, ifOK(err, 1))
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	rep, err := audit.Verify(ctx, stores[0], key.jwks())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %+v", rep.Problems)
	}
	h, err := stores[1].LatestTreeHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.VerifyAgainstTree(ctx, stores[1], key.jwks(), h); err != nil || !rep.OK() {
		t.Fatalf("verify against the newest tree head: %v %+v", err, rep.Problems)
	}
	recs, err := stores[0].ListRecords(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for _, r := range recs {
		found[r.ID]++
	}
	for id, n := range want {
		if found[id] != n {
			t.Errorf("record %s: %d in the log, want %d (none if its transaction reported failure)", id, found[id], n)
		}
	}
	if int64(len(recs)) != rep.Records {
		t.Errorf("%d records listed, %d verified", len(recs), rep.Records)
	}
}
