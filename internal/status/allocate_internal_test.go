package status

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestNthFree compares nthFree and freeIndices with counting the free
// indices one by one, on random sets.
func TestNthFree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		size := int64(1 + r.IntN(40))
		var taken []int64
		for i := range size {
			if r.IntN(3) == 0 {
				taken = append(taken, i)
			}
		}
		var free []int64
		for i := range size {
			if !slices.Contains(taken, i) {
				free = append(free, i)
			}
		}
		if got := freeIndices(taken, size); got != int64(len(free)) {
			t.Fatalf("freeIndices(%v, %d) = %d, want %d", taken, size, got, len(free))
		}
		for k, want := range free {
			if got := nthFree(taken, int64(k)); got != want {
				t.Fatalf("nthFree(%v, %d) = %d, want %d", taken, k, got, want)
			}
		}
	}
}
