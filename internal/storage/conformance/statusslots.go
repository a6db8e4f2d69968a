package conformance

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// statusSlotTests are the tests of the status list slots.
func statusSlotTests() []subtest {
	return []subtest{
		{"StatusSlot/ReserveOnce", testReserveStatusSlot},
		{"StatusSlot/ReserveMany", testReserveStatusSlots},
		{"StatusSlot/ReserveManyInTransaction", testReserveStatusSlotsInTransaction},
		{"StatusSlot/IssueTakesReserved", testIssueTakesReservedSlot},
		{"StatusSlot/MembersShareStatus", testMembersShareStatus},
		{"StatusSlot/LastList", testLastStatusList},
		{"StatusSlot/ReserveInTransaction", testReserveInTransaction},
	}
}

func slot(list string, index int64, credentialID string, member int) storage.StatusSlot {
	return storage.StatusSlot{
		List: list, Index: index, CredentialID: credentialID, Member: member,
		DeviceKeyID: fmt.Sprintf("thumb-%s-%d", credentialID, member), CreatedAt: at(member),
	}
}

func testReserveStatusSlot(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, slot("1", 7, "c1", 1)))
	assertErr(t, "ReserveStatusSlot taken index", s.ReserveStatusSlot(ctx, slot("1", 7, "c2", 1)), storage.ErrAlreadyExists)
	assertErr(t, "ReserveStatusSlot same credential again", s.ReserveStatusSlot(ctx, slot("1", 7, "c1", 1)), storage.ErrAlreadyExists)
	must(t, "ReserveStatusSlot same index other list", s.ReserveStatusSlot(ctx, slot("2", 7, "c2", 1)))
	must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, slot("1", 3, "c1", 2)))
	must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, slot("1", 1<<40, "c3", 1)))

	got, err := s.StatusListIndices(ctx, "1")
	must(t, "StatusListIndices", err)
	if want := []int64{3, 7, 1 << 40}; !slices.Equal(got, want) {
		t.Fatalf("StatusListIndices(1) = %v, want %v", got, want)
	}
	got, err = s.StatusListIndices(ctx, "3")
	must(t, "StatusListIndices", err)
	if len(got) != 0 {
		t.Fatalf("StatusListIndices(3) = %v, want none", got)
	}
	slots, err := s.ListStatusSlots(ctx, "c1")
	must(t, "ListStatusSlots", err)
	want := []storage.StatusSlot{slot("1", 7, "c1", 1), slot("1", 3, "c1", 2)}
	if len(slots) != len(want) {
		t.Fatalf("ListStatusSlots(c1) = %+v, want %+v", slots, want)
	}
	for i := range want {
		assertEqual(t, "ListStatusSlots(c1)", slots[i], want[i])
	}
	slots, err = s.ListStatusSlots(ctx, "nobody")
	must(t, "ListStatusSlots", err)
	if len(slots) != 0 {
		t.Fatalf("ListStatusSlots(nobody) = %v", slots)
	}
}

func testReserveStatusSlots(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, slot("1", 7, "c0", 1)))
	got, err := s.ReserveStatusSlots(ctx, nil)
	must(t, "ReserveStatusSlots of none", err)
	if len(got) != 0 {
		t.Fatalf("ReserveStatusSlots(nil) = %v, want none", got)
	}
	// Free indices are taken; one taken before, and one taken by an
	// earlier slot of the same call, are not, and do not stop the others.
	slots := []storage.StatusSlot{
		slot("1", 3, "c1", 0), slot("1", 7, "c1", 1), slot("2", 7, "c1", 2),
		slot("1", 3, "c1", 3), slot("1", 1<<40, "c1", 4),
	}
	got, err = s.ReserveStatusSlots(ctx, slots)
	must(t, "ReserveStatusSlots", err)
	if want := []bool{true, false, true, false, true}; !slices.Equal(got, want) {
		t.Fatalf("ReserveStatusSlots reserved %v, want %v", got, want)
	}
	idx, err := s.StatusListIndices(ctx, "1")
	must(t, "StatusListIndices", err)
	if want := []int64{3, 7, 1 << 40}; !slices.Equal(idx, want) {
		t.Fatalf("StatusListIndices(1) = %v, want %v", idx, want)
	}
	held, err := s.ListStatusSlots(ctx, "c1")
	must(t, "ListStatusSlots", err)
	want := []storage.StatusSlot{slots[0], slots[2], slots[4]}
	if len(held) != len(want) {
		t.Fatalf("ListStatusSlots(c1) = %+v, want %+v", held, want)
	}
	for i := range want {
		assertEqual(t, "ListStatusSlots(c1)", held[i], want[i])
	}
	// All taken: nothing reserved, nothing changed.
	got, err = s.ReserveStatusSlots(ctx, []storage.StatusSlot{slot("1", 7, "c2", 1), slot("2", 7, "c2", 2)})
	must(t, "ReserveStatusSlots of taken indices", err)
	if want := []bool{false, false}; !slices.Equal(got, want) {
		t.Fatalf("ReserveStatusSlots of taken indices reserved %v", got)
	}
	if held, _ := s.ListStatusSlots(ctx, "c2"); len(held) != 0 {
		t.Fatalf("c2 holds %+v after reserving only taken indices", held)
	}
	// More slots than one statement holds.
	many := make([]storage.StatusSlot, 250)
	for i := range many {
		many[i] = slot("5", int64(i), "c3", i+1)
	}
	many[200] = slot("1", 3, "c3", 201) // taken
	got, err = s.ReserveStatusSlots(ctx, many)
	must(t, "ReserveStatusSlots of 250", err)
	for i, ok := range got {
		if ok != (i != 200) {
			t.Fatalf("ReserveStatusSlots of 250: slot %d reserved %v", i, ok)
		}
	}
	if idx, _ := s.StatusListIndices(ctx, "5"); len(idx) != 249 {
		t.Fatalf("list 5 holds %d indices, want 249", len(idx))
	}
}

func testReserveStatusSlotsInTransaction(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, slot("1", 1, "c0", 1)))
	// A taken index does not spoil the transaction: the caller draws
	// again for it and commits.
	err := s.InTransaction(ctx, func(tx storage.Storage) error {
		got, err := tx.ReserveStatusSlots(ctx, []storage.StatusSlot{slot("1", 1, "c1", 0), slot("1", 2, "c1", 1)})
		if err != nil {
			return err
		}
		if !slices.Equal(got, []bool{false, true}) {
			return fmt.Errorf("reserved %v, want [false true]", got)
		}
		if _, err := tx.ReserveStatusSlots(ctx, []storage.StatusSlot{slot("1", 4, "c1", 0)}); err != nil {
			return err
		}
		return tx.IssueCredential(ctx, fullCredential("c1", "p1", "1", 4))
	})
	must(t, "InTransaction", err)
	// A rolled-back transaction gives its reservations back.
	errRollback := errors.New("roll back")
	err = s.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.ReserveStatusSlots(ctx, []storage.StatusSlot{slot("1", 5, "c2", 0), slot("1", 6, "c2", 1)}); err != nil {
			return err
		}
		return errRollback
	})
	assertErr(t, "InTransaction", err, errRollback)
	got, err := s.StatusListIndices(ctx, "1")
	must(t, "StatusListIndices", err)
	if want := []int64{1, 2, 4}; !slices.Equal(got, want) {
		t.Fatalf("StatusListIndices(1) = %v, want %v", got, want)
	}
}

func testIssueTakesReservedSlot(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	// Reserved by the caller for this credential: issue uses it.
	must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, slot("1", 5, "c1", 0)))
	must(t, "IssueCredential", s.IssueCredential(ctx, fullCredential("c1", "p1", "1", 5)))
	// Not reserved: issue reserves it.
	must(t, "IssueCredential", s.IssueCredential(ctx, fullCredential("c2", "p2", "1", 6)))
	// A batch member's index is taken.
	must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, slot("1", 9, "c1", 1)))
	assertErr(t, "IssueCredential on a member's index", s.IssueCredential(ctx, fullCredential("c3", "p3", "1", 9)), storage.ErrAlreadyExists)
	// Reserved for another credential.
	must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, slot("1", 11, "c9", 0)))
	assertErr(t, "IssueCredential on another's reservation", s.IssueCredential(ctx, fullCredential("c4", "p4", "1", 11)), storage.ErrAlreadyExists)
	for _, id := range []string{"c3", "c4"} {
		_, err := s.GetCredential(ctx, id)
		assertErr(t, "GetCredential after a failed issue", err, storage.ErrNotFound)
	}
	got, err := s.StatusListIndices(ctx, "1")
	must(t, "StatusListIndices", err)
	if want := []int64{5, 6, 9, 11}; !slices.Equal(got, want) {
		t.Fatalf("StatusListIndices(1) = %v, want %v", got, want)
	}
}

func testMembersShareStatus(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	c := fullCredential("c1", "p1", "1", 40)
	must(t, "IssueCredential", s.IssueCredential(ctx, c))
	// The batch: members in list 1 and, past a full list, list 2.
	for _, m := range []storage.StatusSlot{slot("1", 3, "c1", 1), slot("1", 90, "c1", 2), slot("2", 0, "c1", 3)} {
		must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, m))
	}
	other := fullCredential("c2", "p2", "1", 41)
	must(t, "IssueCredential", s.IssueCredential(ctx, other))
	// A reservation whose credential was never issued has no status.
	must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, slot("1", 50, "never", 1)))

	check := func(what string, st storage.CredentialStatus) {
		t.Helper()
		got, err := s.ListStatuses(ctx, "1")
		must(t, "ListStatuses", err)
		want := []storage.StatusEntry{{Index: 3, Status: st}, {Index: 40, Status: st}, {Index: 41, Status: storage.CredentialActive}, {Index: 90, Status: st}}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: ListStatuses(1) = %v, want %v", what, got, want)
		}
		got, err = s.ListStatuses(ctx, "2")
		must(t, "ListStatuses", err)
		if want := []storage.StatusEntry{{Index: 0, Status: st}}; !slices.Equal(got, want) {
			t.Fatalf("%s: ListStatuses(2) = %v, want %v", what, got, want)
		}
	}
	check("issued", storage.CredentialActive)
	for _, st := range []storage.CredentialStatus{storage.CredentialSuspended, storage.CredentialActive, storage.CredentialRevoked} {
		_, err := s.UpdateCredential(ctx, "c1", func(c storage.Credential) (storage.Credential, error) {
			c.Status = st
			return c, nil
		})
		must(t, "UpdateCredential", err)
		check(string(st), st)
	}
}

func testLastStatusList(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	last, err := s.LastStatusList(ctx)
	must(t, "LastStatusList", err)
	if last != "" {
		t.Fatalf("LastStatusList of an empty store = %q", last)
	}
	for i, list := range []string{"2", "9", "10", "1"} {
		must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, slot(list, 0, fmt.Sprintf("c%d", i), 1)))
	}
	last, err = s.LastStatusList(ctx)
	must(t, "LastStatusList", err)
	if last != "10" {
		t.Fatalf("LastStatusList = %q, want 10 (numbers, not text, order lists)", last)
	}
}

func testReserveInTransaction(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	must(t, "ReserveStatusSlot", s.ReserveStatusSlot(ctx, slot("1", 1, "c0", 1)))
	// A taken index inside a transaction does not spoil it: the caller
	// draws again and commits.
	err := s.InTransaction(ctx, func(tx storage.Storage) error {
		if err := tx.ReserveStatusSlot(ctx, slot("1", 1, "c1", 0)); !errors.Is(err, storage.ErrAlreadyExists) {
			return fmt.Errorf("reserving a taken index: %v, want ErrAlreadyExists", err)
		}
		if err := tx.ReserveStatusSlot(ctx, slot("1", 2, "c1", 0)); err != nil {
			return err
		}
		return tx.IssueCredential(ctx, fullCredential("c1", "p1", "1", 2))
	})
	must(t, "InTransaction", err)
	// A rolled-back transaction gives its reservations back.
	errRollback := errors.New("roll back")
	err = s.InTransaction(ctx, func(tx storage.Storage) error {
		if err := tx.ReserveStatusSlot(ctx, slot("1", 3, "c2", 1)); err != nil {
			return err
		}
		return errRollback
	})
	assertErr(t, "InTransaction", err, errRollback)
	got, err := s.StatusListIndices(ctx, "1")
	must(t, "StatusListIndices", err)
	if want := []int64{1, 2}; !slices.Equal(got, want) {
		t.Fatalf("StatusListIndices(1) = %v, want %v", got, want)
	}
}

// testRaceReserveStatusSlot: racing reservations of one index leave
// exactly one holder, on its own or inside transactions.
func testRaceReserveStatusSlot(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		sl := slot("1", 42, fmt.Sprintf("c%02d", i), 1)
		if i%2 == 0 {
			errs[i] = s.ReserveStatusSlot(ctx, sl)
			return
		}
		errs[i] = s.InTransaction(ctx, func(tx storage.Storage) error {
			return tx.ReserveStatusSlot(ctx, sl)
		})
	})
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, storage.ErrAlreadyExists):
		default:
			t.Errorf("ReserveStatusSlot #%d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("ReserveStatusSlot: %d callers took index 42, want exactly 1", ok)
	}
	got, err := s.StatusListIndices(ctx, "1")
	must(t, "StatusListIndices", err)
	if !slices.Equal(got, []int64{42}) {
		t.Fatalf("StatusListIndices = %v", got)
	}
}

// testRaceReserveStatusSlots: racing reservations of overlapping sets of
// indices, each in one call, leave each index exactly one holder, and
// each caller is told truly which indices it took.
func testRaceReserveStatusSlots(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	const indices = 12
	got := make([][]bool, goroutines)
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		// Caller i asks for indices i, i+1, … (mod indices), 6 of them.
		slots := make([]storage.StatusSlot, 6)
		for k := range slots {
			slots[k] = slot("1", int64((i+k)%indices), fmt.Sprintf("c%02d", i), k)
		}
		if i%2 == 0 {
			got[i], errs[i] = s.ReserveStatusSlots(ctx, slots)
			return
		}
		errs[i] = s.InTransaction(ctx, func(tx storage.Storage) error {
			var err error
			got[i], err = tx.ReserveStatusSlots(ctx, slots)
			return err
		})
	})
	holders := map[int64]string{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("ReserveStatusSlots #%d: %v", i, err)
		}
		for k, ok := range got[i] {
			if !ok {
				continue
			}
			idx := int64((i + k) % indices)
			if h, dup := holders[idx]; dup {
				t.Fatalf("index %d reported taken by %s and c%02d", idx, h, i)
			}
			holders[idx] = fmt.Sprintf("c%02d", i)
		}
	}
	for idx := range int64(indices) {
		h, ok := holders[idx]
		if !ok {
			t.Fatalf("index %d reported taken by nobody", idx)
		}
		slots, err := s.ListStatusSlots(ctx, h)
		must(t, "ListStatusSlots", err)
		if !slices.ContainsFunc(slots, func(sl storage.StatusSlot) bool { return sl.List == "1" && sl.Index == idx }) {
			t.Fatalf("index %d: %s was told it took it but does not hold it", idx, h)
		}
	}
}
