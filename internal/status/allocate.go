package status

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"sync"

	"github.com/netid-project/netid/internal/storage"
)

// SlotStore is what an Allocator reads and reserves (storage.Storage
// satisfies it, as does a transaction).
type SlotStore interface {
	ReserveStatusSlot(ctx context.Context, slot storage.StatusSlot) error
	ReserveStatusSlots(ctx context.Context, slots []storage.StatusSlot) ([]bool, error)
	StatusListIndices(ctx context.Context, list string) ([]int64, error)
	LastStatusList(ctx context.Context) (string, error)
}

// quickDraws is how many uniformly drawn indices Allocate tries before it
// reads the list's taken indices and draws among the free ones. With a
// list filled to a fraction f, all of them are taken with probability
// f^quickDraws: for a half-full list, one issuance in 65536 reads the list.
const quickDraws = 16

// Allocator hands out status list indices at random, as the Token Status
// List draft recommends: an index drawn uniformly (crypto/rand) among the
// free indices of the current list reveals neither the order of issuance
// nor how many credentials were issued. Uniqueness is the storage's: two
// racing allocations that draw the same index both try to reserve it, and
// the loser draws again. When the current list has no free index, the
// next list ("1", "2", … in order) becomes the current one.
type Allocator struct {
	// Size is the number of indices per list.
	Size int64
	// Rand is the source of the draws; nil means crypto/rand.
	Rand io.Reader

	mu      sync.Mutex
	current int64 // 0 until read from storage
}

// Allocate reserves a free index at random in the current list of s for
// slot (its CredentialID, Member, DeviceKeyID and CreatedAt) and returns
// slot with List and Index set. s may be a transaction.
func (a *Allocator) Allocate(ctx context.Context, s SlotStore, slot storage.StatusSlot) (storage.StatusSlot, error) {
	if a.Size < 1 {
		return slot, errors.New("status: list size must be positive")
	}
	list, err := a.currentList(ctx, s)
	if err != nil {
		return slot, err
	}
	for {
		name := strconv.FormatInt(list, 10)
		slot.List = name
		// Draw uniformly in [0, Size); a taken index is drawn again, so
		// the reserved one is uniform among the free ones.
		for range quickDraws {
			if slot.Index, err = a.draw(a.Size); err != nil {
				return slot, err
			}
			err = s.ReserveStatusSlot(ctx, slot)
			if err == nil {
				return slot, nil
			}
			if !errors.Is(err, storage.ErrAlreadyExists) {
				return slot, fmt.Errorf("status: reserving index: %w", err)
			}
		}
		// The list is full or nearly: draw among the free indices.
		taken, err := s.StatusListIndices(ctx, name)
		if err != nil {
			return slot, fmt.Errorf("status: reading list %s: %w", name, err)
		}
		free := freeIndices(taken, a.Size)
		if free == 0 {
			list = a.advance(list)
			continue
		}
		k, err := a.draw(free)
		if err != nil {
			return slot, err
		}
		slot.Index = nthFree(taken, k)
		err = s.ReserveStatusSlot(ctx, slot)
		if err == nil {
			return slot, nil
		}
		if !errors.Is(err, storage.ErrAlreadyExists) {
			return slot, fmt.Errorf("status: reserving index: %w", err)
		}
		// Taken meanwhile by a racing allocation: draw again.
	}
}

// AllocateAll reserves a free index at random for each of slots, as
// Allocate does for one, and returns slots with List and Index set. The
// slots draw together: each round reserves every slot still without an
// index in one call of s.ReserveStatusSlots, so a batch costs one
// statement unless an index drawn was taken. After quickDraws rounds the
// slots still without one go through Allocate, which reads the list.
// s may be a transaction.
func (a *Allocator) AllocateAll(ctx context.Context, s SlotStore, slots []storage.StatusSlot) ([]storage.StatusSlot, error) {
	if a.Size < 1 {
		return nil, errors.New("status: list size must be positive")
	}
	out := slices.Clone(slots)
	if len(out) == 0 {
		return out, nil
	}
	list, err := a.currentList(ctx, s)
	if err != nil {
		return nil, err
	}
	name := strconv.FormatInt(list, 10)
	pending := make([]int, len(out)) // the positions in out still to reserve
	for i := range pending {
		pending[i] = i
	}
	batch := make([]storage.StatusSlot, 0, len(out))
	for range quickDraws {
		batch = batch[:0]
		for _, i := range pending {
			out[i].List = name
			if out[i].Index, err = a.draw(a.Size); err != nil {
				return nil, err
			}
			batch = append(batch, out[i])
		}
		reserved, err := s.ReserveStatusSlots(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("status: reserving indices: %w", err)
		}
		if len(reserved) != len(batch) {
			return nil, fmt.Errorf("status: reserving %d indices answered %d", len(batch), len(reserved))
		}
		left := pending[:0]
		for k, i := range pending {
			if !reserved[k] {
				left = append(left, i)
			}
		}
		if pending = left; len(pending) == 0 {
			return out, nil
		}
	}
	// The list is full or nearly: one at a time, reading the list.
	for _, i := range pending {
		if out[i], err = a.Allocate(ctx, s, out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// currentList is the list allocations go to: the highest list in storage,
// read once, then moved on by advance.
func (a *Allocator) currentList(ctx context.Context, s SlotStore) (int64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.current > 0 {
		return a.current, nil
	}
	last, err := s.LastStatusList(ctx)
	if err != nil {
		return 0, fmt.Errorf("status: finding the current list: %w", err)
	}
	n := int64(1)
	if last != "" {
		if n, err = strconv.ParseInt(last, 10, 64); err != nil || n < 1 {
			return 0, fmt.Errorf("status: list %q is not a positive decimal number", last)
		}
	}
	a.current = n
	return n, nil
}

// advance moves the current list past the full list full and returns the
// new current list.
func (a *Allocator) advance(full int64) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.current <= full {
		a.current = full + 1
	}
	return a.current
}

// draw returns an integer uniform in [0, n).
func (a *Allocator) draw(n int64) (int64, error) {
	r := a.Rand
	if r == nil {
		r = rand.Reader
	}
	k, err := rand.Int(r, big.NewInt(n))
	if err != nil {
		return 0, fmt.Errorf("status: reading randomness: %w", err)
	}
	return k.Int64(), nil
}

// freeIndices is how many indices of [0, size) taken (ascending, distinct)
// leaves free.
func freeIndices(taken []int64, size int64) int64 {
	n := size
	for _, t := range taken {
		if t >= 0 && t < size {
			n--
		}
	}
	return n
}

// nthFree returns the k-th (from 0) index not in taken (ascending,
// distinct).
func nthFree(taken []int64, k int64) int64 {
	i := k
	for _, t := range taken {
		if t < 0 {
			continue
		}
		if t > i {
			break
		}
		i++ // t ≤ i: one more index below the answer is taken
	}
	return i
}
