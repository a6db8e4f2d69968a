package conformance

import (
	"errors"
	"sync"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

func counterTests() []subtest {
	return []subtest{
		{"Counter/RoundTrip", testCounterRoundTrip},
		{"Counter/Duplicate", testCounterDuplicate},
		{"Counter/ListOrder", testCounterList},
		{"Counter/Update", testCounterUpdate},
		{"Counter/RacingDisable", testCounterRacingDisable},
	}
}

func fullCounter(id string) storage.Counter {
	return storage.Counter{
		ID: id, Name: "北京市公安局东城分局 " + id, Kind: "police_station",
		LegalBasis:  "《居民身份证法》第三条",
		PublicKey:   []byte(`{"kty":"EC","crv":"P-256","x":"x","y":"y"}`),
		KeyID:       "thumb-" + id,
		Certificate: []byte{0x30, 0x82, 0x00, 0x01},
		State:       storage.CounterActive,
		CreatedAt:   at(0),
		UpdatedAt:   at(1),
	}
}

func testCounterRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	for _, c := range []storage.Counter{
		fullCounter("counter-full"),
		{ID: "counter-zero"},
		func() storage.Counter {
			c := fullCounter("counter-disabled")
			c.Certificate = nil
			c.State, c.DisabledReason, c.DisabledAt = storage.CounterDisabled, "closed", at(9)
			return c
		}(),
	} {
		must(t, "CreateCounter", s.CreateCounter(ctx, c))
		got, err := s.GetCounter(ctx, c.ID)
		must(t, "GetCounter", err)
		assertEqual(t, "GetCounter "+c.ID, got, c)
	}
	_, err := s.GetCounter(ctx, "nope")
	assertErr(t, "GetCounter missing", err, storage.ErrNotFound)
}

func testCounterDuplicate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	c := fullCounter("dup")
	must(t, "CreateCounter", s.CreateCounter(ctx, c))
	other := fullCounter("dup")
	other.Name = "another"
	assertErr(t, "CreateCounter again", s.CreateCounter(ctx, other), storage.ErrAlreadyExists)
	got, err := s.GetCounter(ctx, c.ID)
	must(t, "GetCounter", err)
	assertEqual(t, "GetCounter after duplicate", got, c)
}

func testCounterList(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	got, err := s.ListCounters(ctx)
	must(t, "ListCounters empty", err)
	if got != nil {
		t.Fatalf("ListCounters of none = %v, want nil", got)
	}
	// Bytewise order: upper case before lower case, digits first.
	ids := []string{"b-hall", "A-station", "a-station", "9-desk"}
	for _, id := range ids {
		must(t, "CreateCounter", s.CreateCounter(ctx, fullCounter(id)))
	}
	got, err = s.ListCounters(ctx)
	must(t, "ListCounters", err)
	want := []string{"9-desk", "A-station", "a-station", "b-hall"}
	if len(got) != len(want) {
		t.Fatalf("ListCounters returned %d, want %d", len(got), len(want))
	}
	for i, c := range got {
		if c.ID != want[i] {
			t.Errorf("ListCounters[%d] = %s, want %s", i, c.ID, want[i])
		}
		assertEqual(t, "ListCounters "+c.ID, c, fullCounter(c.ID))
	}
}

func testCounterUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	c := fullCounter("upd")
	must(t, "CreateCounter", s.CreateCounter(ctx, c))
	_, err := s.UpdateCounter(ctx, c.ID, func(cur storage.Counter) (storage.Counter, error) {
		cur.State = storage.CounterDisabled
		return cur, errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("UpdateCounter error = %v, want errFn unchanged", err)
	}
	got, err := s.GetCounter(ctx, c.ID)
	must(t, "GetCounter", err)
	assertEqual(t, "after a failed update", got, c)

	got, err = s.UpdateCounter(ctx, c.ID, func(cur storage.Counter) (storage.Counter, error) {
		assertEqual(t, "UpdateCounter fn argument", cur, c)
		cur.ID = "renamed" // ignored: the key cannot change
		cur.State, cur.DisabledReason, cur.DisabledAt, cur.UpdatedAt = storage.CounterDisabled, "moved", at(7), at(7)
		return cur, nil
	})
	must(t, "UpdateCounter", err)
	want := c
	want.State, want.DisabledReason, want.DisabledAt, want.UpdatedAt = storage.CounterDisabled, "moved", at(7), at(7)
	assertEqual(t, "UpdateCounter result", got, want)
	got, err = s.GetCounter(ctx, c.ID)
	must(t, "GetCounter", err)
	assertEqual(t, "GetCounter after update", got, want)

	_, err = s.UpdateCounter(ctx, "nope", func(c storage.Counter) (storage.Counter, error) { return c, nil })
	assertErr(t, "UpdateCounter missing", err, storage.ErrNotFound)
}

// testCounterRacingDisable: two operators disable the same counter at
// once; the row lock serialises them, so exactly one sees it active.
func testCounterRacingDisable(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	must(t, "CreateCounter", s.CreateCounter(ctx, fullCounter("race")))
	errAlready := errors.New("already disabled")
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = s.UpdateCounter(ctx, "race", func(c storage.Counter) (storage.Counter, error) {
				if c.State == storage.CounterDisabled {
					return c, errAlready
				}
				c.State = storage.CounterDisabled
				return c, nil
			})
		}()
	}
	wg.Wait()
	ok, already := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, errAlready):
			already++
		default:
			t.Fatalf("UpdateCounter: %v", err)
		}
	}
	if ok != 1 || already != 1 {
		t.Fatalf("racing disables: %d succeeded, %d saw it disabled; want 1 and 1", ok, already)
	}
}
