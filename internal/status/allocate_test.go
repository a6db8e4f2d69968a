package status_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/netid-project/netid/internal/pgschema"
	"github.com/netid-project/netid/internal/status"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// backends runs fn on SQLite and, when NETID_TEST_POSTGRES_DSN is set, on
// PostgreSQL, each with a fresh store.
func backends(t *testing.T, fn func(t *testing.T, s storage.Storage)) {
	t.Run("sqlite", func(t *testing.T) {
		s, err := sqlstore.OpenSQLite(t.Context(), t.TempDir()+"/netid.db")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
		}
		s, err := sqlstore.OpenPostgres(t.Context(), freshSchema(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
}

func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	return pgschema.ForTest(t, dsn, "netid_status")
}

func allocate(t *testing.T, a *status.Allocator, s status.SlotStore, id string) storage.StatusSlot {
	t.Helper()
	sl, err := a.Allocate(t.Context(), s, storage.StatusSlot{CredentialID: id, DeviceKeyID: "k-" + id})
	if err != nil {
		t.Fatalf("Allocate %s: %v", id, err)
	}
	return sl
}

// TestAllocateFillsListThenNext fills a list of 8 (every index once, the
// later ones found among the few free) and moves on to list 2, where a
// new allocator (another process, or after a restart) carries on.
func TestAllocateFillsListThenNext(t *testing.T) {
	backends(t, func(t *testing.T, s storage.Storage) {
		a := &status.Allocator{Size: 8}
		var got []int64
		for i := range 8 {
			sl := allocate(t, a, s, fmt.Sprintf("c%d", i))
			if sl.List != "1" {
				t.Fatalf("allocation %d went to list %s before list 1 was full", i, sl.List)
			}
			got = append(got, sl.Index)
		}
		slices.Sort(got)
		if want := []int64{0, 1, 2, 3, 4, 5, 6, 7}; !slices.Equal(got, want) {
			t.Fatalf("indices of a full list: %v, want each of %v once", got, want)
		}
		if sl := allocate(t, a, s, "c8"); sl.List != "2" || sl.Index < 0 || sl.Index >= 8 {
			t.Fatalf("after a full list: %+v, want list 2", sl)
		}
		if sl := allocate(t, &status.Allocator{Size: 8}, s, "c9"); sl.List != "2" {
			t.Fatalf("a new allocator used list %s, want the current list 2", sl.List)
		}
	})
}

// TestAllocateRacing races allocators that draw the same indices in the
// same order (two processes with the same random stream: the worst case)
// until two lists are full: every index is handed out once, and none
// twice.
func TestAllocateRacing(t *testing.T) {
	backends(t, func(t *testing.T, s storage.Storage) {
		const size, racers, each = 16, 4, 8
		stream := bytes.Repeat([]byte{0x35, 0x07, 0x1b, 0x2c, 0x0e, 0x3f, 0x21, 0x12}, 4096)
		var mu sync.Mutex
		var slots []storage.StatusSlot
		var wg sync.WaitGroup
		start := make(chan struct{})
		for r := range racers {
			a := &status.Allocator{Size: size, Rand: bytes.NewReader(stream)}
			wg.Go(func() {
				<-start
				for i := range each {
					id := fmt.Sprintf("r%d-%d", r, i)
					// Half inside a transaction, as issuance does.
					var sl storage.StatusSlot
					var err error
					if i%2 == 0 {
						err = s.InTransaction(t.Context(), func(tx storage.Storage) error {
							sl, err = a.Allocate(t.Context(), tx, storage.StatusSlot{CredentialID: id, DeviceKeyID: id})
							return err
						})
					} else {
						sl, err = a.Allocate(t.Context(), s, storage.StatusSlot{CredentialID: id, DeviceKeyID: id})
					}
					if err != nil {
						t.Errorf("Allocate %s: %v", id, err)
						return
					}
					mu.Lock()
					slots = append(slots, sl)
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		seen := map[[2]int64]bool{}
		for _, sl := range slots {
			var list int64
			fmt.Sscan(sl.List, &list)
			k := [2]int64{list, sl.Index}
			if seen[k] {
				t.Fatalf("index %d of list %s handed out twice", sl.Index, sl.List)
			}
			seen[k] = true
		}
		taken := 0
		for _, l := range []string{"1", "2", "3"} {
			idx, err := s.StatusListIndices(t.Context(), l)
			if err != nil {
				t.Fatal(err)
			}
			taken += len(idx)
		}
		if want := racers * each; taken != want || len(seen) != want {
			t.Fatalf("%d indices taken, want %d", taken, want)
		}
	})
}

// TestAllocateNearlyFull checks that the draw among the free indices of a
// nearly full list reaches each free index: with indices 0, 2 and 3 of 5
// taken, only 1 and 4 are free.
func TestAllocateNearlyFull(t *testing.T) {
	backends(t, func(t *testing.T, s storage.Storage) {
		for _, i := range []int64{0, 2, 3} {
			if err := s.ReserveStatusSlot(t.Context(), storage.StatusSlot{List: "1", Index: i, CredentialID: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		a := &status.Allocator{Size: 5}
		got := []int64{allocate(t, a, s, "a").Index, allocate(t, a, s, "b").Index}
		slices.Sort(got)
		if !slices.Equal(got, []int64{1, 4}) {
			t.Fatalf("allocated %v, want the free indices 1 and 4", got)
		}
		if sl := allocate(t, a, s, "c"); sl.List != "2" {
			t.Fatalf("list 1 is full, got %+v", sl)
		}
	})
}

// counting counts the reservations an allocator asks of a store.
type counting struct {
	status.SlotStore
	one, many int
}

func (c *counting) ReserveStatusSlot(ctx context.Context, sl storage.StatusSlot) error {
	c.one++
	return c.SlotStore.ReserveStatusSlot(ctx, sl)
}

func (c *counting) ReserveStatusSlots(ctx context.Context, sl []storage.StatusSlot) ([]bool, error) {
	c.many++
	return c.SlotStore.ReserveStatusSlots(ctx, sl)
}

func batchOf(id string, n int) []storage.StatusSlot {
	out := make([]storage.StatusSlot, n)
	for i := range out {
		out[i] = storage.StatusSlot{CredentialID: id, Member: i, DeviceKeyID: fmt.Sprintf("k-%s-%d", id, i)}
	}
	return out
}

// TestAllocateAllOneCall: a batch in a roomy list is reserved in one
// call, each slot at its own index, in the order of the slots asked for.
func TestAllocateAllOneCall(t *testing.T) {
	backends(t, func(t *testing.T, s storage.Storage) {
		c := &counting{SlotStore: s}
		a := &status.Allocator{Size: 1 << 20}
		want := batchOf("c1", 9)
		got, err := a.AllocateAll(t.Context(), c, want)
		if err != nil {
			t.Fatal(err)
		}
		if c.many != 1 || c.one != 0 {
			t.Fatalf("9 slots took %d batch reservations and %d single ones, want 1 and 0", c.many, c.one)
		}
		held, err := s.ListStatusSlots(t.Context(), "c1")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 9 || len(held) != 9 {
			t.Fatalf("allocated %d slots, %d held, want 9", len(got), len(held))
		}
		for i, sl := range got {
			if sl.List != "1" || sl.Member != i || sl.DeviceKeyID != want[i].DeviceKeyID || held[i].Index != sl.Index {
				t.Fatalf("slot %d: %+v, held %+v", i, sl, held[i])
			}
		}
		if got, err := a.AllocateAll(t.Context(), c, nil); err != nil || len(got) != 0 || c.many != 1 {
			t.Fatalf("AllocateAll of none: %v, %v, %d calls", got, err, c.many)
		}
	})
}

// TestAllocateAllFillsListThenNext fills a list of 8 with batches (the
// last indices drawn again, or found among the few free) and moves on to
// list 2.
func TestAllocateAllFillsListThenNext(t *testing.T) {
	backends(t, func(t *testing.T, s storage.Storage) {
		a := &status.Allocator{Size: 8}
		var got []int64
		for i, n := range []int{3, 4, 1} {
			slots, err := a.AllocateAll(t.Context(), s, batchOf(fmt.Sprintf("c%d", i), n))
			if err != nil {
				t.Fatal(err)
			}
			for _, sl := range slots {
				if sl.List != "1" {
					t.Fatalf("batch %d went to list %s before list 1 was full", i, sl.List)
				}
				got = append(got, sl.Index)
			}
		}
		slices.Sort(got)
		if want := []int64{0, 1, 2, 3, 4, 5, 6, 7}; !slices.Equal(got, want) {
			t.Fatalf("indices of a full list: %v, want each of %v once", got, want)
		}
		slots, err := a.AllocateAll(t.Context(), s, batchOf("c9", 2))
		if err != nil {
			t.Fatal(err)
		}
		if slots[0].List != "2" || slots[1].List != "2" || slots[0].Index == slots[1].Index {
			t.Fatalf("after a full list: %+v, want two indices of list 2", slots)
		}
	})
}

// TestAllocateAllRacing races batch allocations that draw the same
// indices in the same order (the worst case) until two lists of 16 are
// full: every index is handed out once. The batches run outside a
// transaction: inside one, on PostgreSQL, a batch holding indices from
// an earlier draw can wait for another that waits for it, and one of the
// two fails with a deadlock (as two issuances reserving one index at a
// time could), which these forced collisions would make common.
func TestAllocateAllRacing(t *testing.T) {
	backends(t, func(t *testing.T, s storage.Storage) {
		const size, racers, batches, each = 16, 4, 2, 4
		stream := bytes.Repeat([]byte{0x35, 0x07, 0x1b, 0x2c, 0x0e, 0x3f, 0x21, 0x12}, 4096)
		var mu sync.Mutex
		seen := map[[2]string]bool{}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for r := range racers {
			a := &status.Allocator{Size: size, Rand: bytes.NewReader(stream)}
			wg.Go(func() {
				<-start
				for b := range batches {
					slots, err := a.AllocateAll(t.Context(), s, batchOf(fmt.Sprintf("r%d-%d", r, b), each))
					if err != nil {
						t.Errorf("AllocateAll: %v", err)
						return
					}
					mu.Lock()
					for _, sl := range slots {
						k := [2]string{sl.List, fmt.Sprint(sl.Index)}
						if seen[k] {
							t.Errorf("index %d of list %s handed out twice", sl.Index, sl.List)
						}
						seen[k] = true
					}
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		if want := racers * batches * each; len(seen) != want {
			t.Fatalf("%d indices handed out, want %d", len(seen), want)
		}
	})
}
