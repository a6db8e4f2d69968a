package conformance

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// goroutines is how many callers race in each concurrency test.
const goroutines = 20

// RunConcurrencyTests runs the tests of the concurrency contract: racing
// creates, updates, increments and one-time uses of the same record, and
// racing transactions. Run them with -race. newStorage is as for RunTests.
func RunConcurrencyTests(t *testing.T, newStorage func(t *testing.T) storage.Storage) {
	tests := []subtest{
		{"GetOrCreatePersonSameIndex", testRaceGetOrCreatePerson},
		{"UpdateCodeConsumeOnce", testRaceConsumeCode},
		{"Increment", testRaceIncrement},
		{"UseNonce", testRaceUseNonce},
		{"IssueCredentialSamePerson", testRaceIssueCredential},
		{"ReserveStatusSlotOnce", testRaceReserveStatusSlot},
		{"ReserveStatusSlotsOnce", testRaceReserveStatusSlots},
		{"UpdateApplicationNoLostUpdate", testRaceUpdateApplication},
		{"UpdateConsentNoLostClaim", testRaceUpdateConsent},
		{"AppendRecordContiguous", testRaceAppendRecord},
		{"AppendTreeRecordContiguous", testRaceAppendTreeRecord},
		{"UpdateGrantConsumeOnce", testRaceConsumeGrant},
		{"UpdateSessionClaimOnce", testRaceClaimSession},
		{"ClaimSessionOnce", testRaceClaimSessionOnce},
		{"FinishSessionOnce", testRaceFinishSessionOnce},
		{"ClaimSessionNonceOnce", testRaceClaimSessionNonce},
		{"FinishSessionNonceOnce", testRaceFinishSessionNonce},
		{"InTransactionEndOnce", testRaceTxEndOnce},
		{"InTransactionAppendContiguous", testRaceTxAppendContiguous},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStorage(t)
			// Warm up: open as many connections as the backend's pool
			// allows, so the racers below really overlap instead of
			// queueing behind connection set-up.
			race(goroutines, func(int) { _ = s.Ping(t.Context()) })
			tc.run(t, s)
		})
	}
}

// race runs f(0) … f(n-1) in n goroutines released together.
func race(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

func testRaceGetOrCreatePerson(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	type result struct {
		p       storage.Person
		created bool
		err     error
	}
	results := make([]result, goroutines)
	race(goroutines, func(i int) {
		// Same Index; each caller drew its own ID and 网号.
		p := fullPerson(fmt.Sprintf("p%02d", i), "idx-shared", fmt.Sprintf("1000000000%02d", i))
		results[i].p, results[i].created, results[i].err = s.GetOrCreatePerson(ctx, p)
	})
	created := 0
	var winner storage.Person
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("GetOrCreatePerson #%d: %v", i, r.err)
		}
		if r.created {
			created++
			winner = r.p
		}
	}
	if created != 1 {
		t.Fatalf("GetOrCreatePerson: %d callers created, want exactly 1", created)
	}
	for i, r := range results {
		assertEqual(t, fmt.Sprintf("GetOrCreatePerson #%d", i), r.p, winner)
	}
	stored, err := s.GetPerson(ctx, winner.ID)
	must(t, "GetPerson", err)
	assertEqual(t, "stored person", stored, winner)
}

var errConsumed = errors.New("conformance: code already consumed")

func testRaceConsumeCode(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	c := fullCode("code-1", "application:a1", 0)
	c.ConsumedAt = time.Time{}
	must(t, "CreateCode", s.CreateCode(ctx, c))
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		_, errs[i] = s.UpdateCode(ctx, c.ID, func(cur storage.Code) (storage.Code, error) {
			if !cur.ConsumedAt.IsZero() {
				return cur, errConsumed
			}
			cur.ConsumedAt = at(i + 1)
			cur.Attempts++
			return cur, nil
		})
	})
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, errConsumed):
		default:
			t.Errorf("UpdateCode #%d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("UpdateCode: %d callers consumed the code, want exactly 1", ok)
	}
	got, err := s.LatestCode(ctx, c.Subject)
	must(t, "LatestCode", err)
	if got.ConsumedAt.IsZero() || got.Attempts != c.Attempts+1 {
		t.Errorf("code after race: ConsumedAt %v, Attempts %d; want set, %d", got.ConsumedAt, got.Attempts, c.Attempts+1)
	}
}

func testRaceIncrement(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	later := time.Now().Add(time.Hour)
	values := make([]int64, goroutines)
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		values[i], errs[i] = s.Increment(ctx, "shared", later)
	})
	for i, err := range errs {
		must(t, fmt.Sprintf("Increment #%d", i), err)
	}
	sort.Slice(values, func(i, j int) bool { return values[i] < values[j] })
	for i, v := range values {
		if v != int64(i+1) {
			t.Fatalf("Increment values = %v, want 1..%d each once", values, goroutines)
		}
	}
}

func testRaceUseNonce(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	later := time.Now().Add(time.Hour)
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		errs[i] = s.UseNonce(ctx, "shared", later)
	})
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, storage.ErrAlreadyExists):
		default:
			t.Errorf("UseNonce #%d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("UseNonce: %d callers succeeded, want exactly 1", ok)
	}
}

func testRaceIssueCredential(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	const n = 10
	errs := make([]error, n)
	race(n, func(i int) {
		c := fullCredential(fmt.Sprintf("c%02d", i), "p1", "L", int64(i))
		c.IssuedAt = at(i)
		errs[i] = s.IssueCredential(ctx, c)
	})
	for i, err := range errs {
		must(t, fmt.Sprintf("IssueCredential #%d", i), err)
	}
	creds, err := s.ListCredentials(ctx, "p1")
	must(t, "ListCredentials", err)
	if len(creds) != n {
		t.Fatalf("ListCredentials: %d credentials, want %d", len(creds), n)
	}
	active := 0
	for _, c := range creds {
		switch c.Status {
		case storage.CredentialActive:
			active++
		case storage.CredentialRevoked:
			if c.StatusReason != "superseded" {
				t.Errorf("credential %s revoked with reason %q, want superseded", c.ID, c.StatusReason)
			}
		default:
			t.Errorf("credential %s has status %q", c.ID, c.Status)
		}
	}
	if active != 1 {
		t.Fatalf("after %d racing issues: %d active credentials, want exactly 1", n, active)
	}
}

func testRaceUpdateApplication(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	const perGoroutine = 5
	a := storage.Application{ID: "app-1", State: storage.StateFace, CreatedAt: at(0)}
	must(t, "CreateApplication", s.CreateApplication(ctx, a))
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		for range perGoroutine {
			_, err := s.UpdateApplication(ctx, a.ID, func(cur storage.Application) (storage.Application, error) {
				cur.FaceScore++
				return cur, nil
			})
			if err != nil {
				errs[i] = err
				return
			}
		}
	})
	for i, err := range errs {
		must(t, fmt.Sprintf("UpdateApplication goroutine %d", i), err)
	}
	got, err := s.GetApplication(ctx, a.ID)
	must(t, "GetApplication", err)
	if want := float64(goroutines * perGoroutine); got.FaceScore != want {
		t.Fatalf("FaceScore after %v racing increments = %v: updates were lost", want, got.FaceScore)
	}
}

// testRaceUpdateConsent: callers each add their own claim to one consent
// that does not exist yet, some in a transaction of their own: every claim
// is kept (no read-modify-write loses another's), and one caller inserted.
func testRaceUpdateConsent(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		claim := fmt.Sprintf("claim-%02d", i)
		add := func(st storage.Storage) error {
			_, err := st.UpdateConsent(ctx, "p1", "rp-1", func(c storage.Consent, found bool) (storage.Consent, bool, error) {
				if !found {
					c.GrantedAt = at(i)
				}
				c.Claims = append(c.Claims, claim)
				return c, true, nil
			})
			return err
		}
		if i%2 == 0 {
			errs[i] = s.InTransaction(ctx, add)
		} else {
			errs[i] = add(s)
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	c, err := s.GetConsent(ctx, "p1", "rp-1")
	must(t, "GetConsent", err)
	sort.Strings(c.Claims)
	if len(c.Claims) != goroutines {
		t.Fatalf("%d claims kept of %d added: %v", len(c.Claims), goroutines, c.Claims)
	}
	for i, got := range c.Claims {
		if want := fmt.Sprintf("claim-%02d", i); got != want {
			t.Errorf("claim %d: %s, want %s", i, got, want)
		}
	}
}
