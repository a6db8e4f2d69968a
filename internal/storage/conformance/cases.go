package conformance

import (
	"fmt"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// caseTests are the conformance tests of CaseStore.
func caseTests() []subtest {
	return []subtest{
		{"Case/RoundTrip", testCaseRoundTrip},
		{"Case/Duplicate", testCaseDuplicate},
		{"Case/Missing", testCaseMissing},
		{"Case/Update", testCaseUpdate},
		{"Case/List", testListCases},
		{"Case/RaceUpdateOnce", testRaceUpdateCase},
		{"Case/RaceNumbersInTransactions", testRaceCaseNumbers},
	}
}

func fullCase(number string) storage.Case {
	return storage.Case{
		Number:       number,
		PersonID:     "person-" + number,
		Kind:         storage.CaseRecord,
		Ground:       "not_me",
		RecordSeq:    42,
		RPID:         "shop",
		CredentialID: "cred-" + number,
		State:        storage.CaseAnswered,
		Statement:    []byte("sealed statement"),
		Answer:       []byte{0x00, 0x01, 0xff},
		Resolution:   "upheld",
		Action:       "rp_disabled",
		DueAt:        at(15 * 24 * 60),
		CreatedAt:    at(0),
		UpdatedAt:    at(1),
		AnsweredAt:   at(2),
		ClosedAt:     at(3),
	}
}

func testCaseRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	for _, c := range []storage.Case{
		fullCase("SS-2025-000001"),
		{Number: "SS-2025-000002", State: storage.CaseOpen, Statement: []byte{}},
	} {
		must(t, "CreateCase", s.CreateCase(ctx, c))
		got, err := s.GetCase(ctx, c.Number)
		must(t, "GetCase", err)
		assertEqual(t, "GetCase "+c.Number, got, c)
	}
}

func testCaseDuplicate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	must(t, "CreateCase", s.CreateCase(ctx, fullCase("SS-2025-000001")))
	other := fullCase("SS-2025-000001")
	other.PersonID = "someone else"
	assertErr(t, "CreateCase duplicate", s.CreateCase(ctx, other), storage.ErrAlreadyExists)
	got, err := s.GetCase(ctx, "SS-2025-000001")
	must(t, "GetCase", err)
	assertEqual(t, "case after duplicate", got, fullCase("SS-2025-000001"))
}

func testCaseMissing(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	_, err := s.GetCase(ctx, "SS-2025-000009")
	assertErr(t, "GetCase", err, storage.ErrNotFound)
	_, err = s.UpdateCase(ctx, "SS-2025-000009", func(c storage.Case) (storage.Case, error) { return c, nil })
	assertErr(t, "UpdateCase", err, storage.ErrNotFound)
}

func testCaseUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	c := fullCase("SS-2025-000001")
	c.State, c.Answer, c.AnsweredAt = storage.CaseOpen, nil, at(-1)
	must(t, "CreateCase", s.CreateCase(ctx, c))
	_, err := s.UpdateCase(ctx, c.Number, func(cur storage.Case) (storage.Case, error) {
		cur.State = storage.CaseClosed
		return cur, errFn
	})
	assertErr(t, "UpdateCase fn error", err, errFn)
	got, err := s.UpdateCase(ctx, c.Number, func(cur storage.Case) (storage.Case, error) {
		cur.Number = "SS-2099-999999" // ignored: the key cannot change
		cur.State, cur.Answer, cur.AnsweredAt, cur.UpdatedAt = storage.CaseAnswered, []byte("sealed answer"), at(5), at(5)
		return cur, nil
	})
	must(t, "UpdateCase", err)
	want := c
	want.State, want.Answer, want.AnsweredAt, want.UpdatedAt = storage.CaseAnswered, []byte("sealed answer"), at(5), at(5)
	assertEqual(t, "UpdateCase result", got, want)
	stored, err := s.GetCase(ctx, c.Number)
	must(t, "GetCase", err)
	assertEqual(t, "stored case", stored, want)
	_, err = s.GetCase(ctx, "SS-2099-999999")
	assertErr(t, "GetCase of the changed key", err, storage.ErrNotFound)
}

func testListCases(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	mk := func(n int, person string, state storage.CaseState, created, due int) storage.Case {
		c := fullCase(fmt.Sprintf("SS-2025-%06d", n))
		c.PersonID, c.State, c.CreatedAt, c.DueAt = person, state, at(created), at(due)
		return c
	}
	all := []storage.Case{
		mk(1, "p1", storage.CaseOpen, 0, 100),
		mk(2, "p2", storage.CaseAnswered, 1, 50),
		mk(4, "p1", storage.CaseClosed, 2, 10),
		mk(3, "p1", storage.CaseOpen, 2, 200), // same creation time as 4: by number
	}
	for _, c := range all {
		must(t, "CreateCase", s.CreateCase(ctx, c))
	}
	numbers := func(cs []storage.Case) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Number)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    storage.CaseFilter
		want []string
	}{
		{"all", storage.CaseFilter{Limit: 10}, []string{"SS-2025-000001", "SS-2025-000002", "SS-2025-000003", "SS-2025-000004"}},
		{"limit", storage.CaseFilter{Limit: 2}, []string{"SS-2025-000001", "SS-2025-000002"}},
		{"no limit", storage.CaseFilter{}, nil},
		{"person", storage.CaseFilter{PersonID: "p1", Limit: 10}, []string{"SS-2025-000001", "SS-2025-000003", "SS-2025-000004"}},
		{"unknown person", storage.CaseFilter{PersonID: "nobody", Limit: 10}, nil},
		{"states", storage.CaseFilter{States: []storage.CaseState{storage.CaseOpen, storage.CaseAnswered}, Limit: 10},
			[]string{"SS-2025-000001", "SS-2025-000002", "SS-2025-000003"}},
		{"overdue", storage.CaseFilter{States: []storage.CaseState{storage.CaseOpen, storage.CaseAnswered}, DueBefore: at(101), Limit: 10},
			[]string{"SS-2025-000001", "SS-2025-000002"}},
		{"due before is strict", storage.CaseFilter{DueBefore: at(50), Limit: 10}, []string{"SS-2025-000004"}},
		{"after", storage.CaseFilter{After: "SS-2025-000002", Limit: 10}, []string{"SS-2025-000003", "SS-2025-000004"}},
		{"after same time", storage.CaseFilter{After: "SS-2025-000003", Limit: 10}, []string{"SS-2025-000004"}},
		{"after the last", storage.CaseFilter{After: "SS-2025-000004", Limit: 10}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListCases(ctx, tc.f)
			must(t, "ListCases", err)
			if g := numbers(got); fmt.Sprint(g) != fmt.Sprint(tc.want) {
				t.Errorf("ListCases(%+v) = %v, want %v", tc.f, g, tc.want)
			}
			for _, c := range got {
				checkUTC(t, "ListCases", c)
			}
		})
	}
}

// testRaceUpdateCase races updates that each close the same open case
// (failing if it is closed): exactly one wins, and the case holds its
// result.
func testRaceUpdateCase(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	c := fullCase("SS-2025-000001")
	c.State = storage.CaseOpen
	must(t, "CreateCase", s.CreateCase(ctx, c))
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		_, errs[i] = s.UpdateCase(ctx, c.Number, func(cur storage.Case) (storage.Case, error) {
			if cur.State == storage.CaseClosed {
				return cur, errClaimed
			}
			cur.State, cur.Resolution, cur.ClosedAt = storage.CaseClosed, fmt.Sprintf("by-%02d", i), at(i+10)
			return cur, nil
		})
	})
	winner := countWinners(t, "UpdateCase", errs)
	got, err := s.GetCase(ctx, c.Number)
	must(t, "GetCase", err)
	want := c
	want.State, want.Resolution, want.ClosedAt = storage.CaseClosed, fmt.Sprintf("by-%02d", winner), at(winner+10)
	assertEqual(t, "case after racing closes", got, want)
}

// testRaceCaseNumbers races transactions that each draw the next number
// from a counter and create a case under it (as recourse numbers cases):
// every one commits, under distinct numbers 1…n.
func testRaceCaseNumbers(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		errs[i] = s.InTransaction(ctx, func(tx storage.Storage) error {
			n, err := tx.Increment(ctx, "conformance-case-number", at(0).AddDate(10, 0, 0))
			if err != nil {
				return err
			}
			c := fullCase(fmt.Sprintf("SS-2025-%06d", n))
			c.PersonID = fmt.Sprintf("person-%02d", i)
			return tx.CreateCase(ctx, c)
		})
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	got, err := s.ListCases(ctx, storage.CaseFilter{Limit: 2 * goroutines})
	must(t, "ListCases", err)
	if len(got) != goroutines {
		t.Fatalf("%d cases, want %d", len(got), goroutines)
	}
	persons := map[string]bool{}
	for i, c := range got {
		if want := fmt.Sprintf("SS-2025-%06d", i+1); c.Number != want {
			t.Errorf("case %d is %s, want %s", i, c.Number, want)
		}
		persons[c.PersonID] = true
	}
	if len(persons) != goroutines {
		t.Errorf("%d distinct persons among the cases, want %d", len(persons), goroutines)
	}
}
