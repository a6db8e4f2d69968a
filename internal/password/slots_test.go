package password

import (
	"crypto/rand"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHashesBoundedByCores: however many goroutines hash and verify at
// once, no more hashes run at a time than there are slots, one per core,
// and every call still answers.
func TestHashesBoundedByCores(t *testing.T) {
	var running, most atomic.Int64
	real := argon2IDKey
	argon2IDKey = func(pw, salt []byte, time_, memory uint32, threads uint8, keyLen uint32) []byte {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		defer running.Add(-1)
		return real(pw, salt, time_, memory, threads, keyLen)
	}
	t.Cleanup(func() { argon2IDKey = real })

	h, err := Hash("38172946", fastParams, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 * cap(slots) {
		wg.Go(func() {
			if i%2 == 0 {
				if _, err := Hash("38172946", fastParams, rand.Reader); err != nil {
					t.Error(err)
				}
			} else if ok, err := Verify(h, "38172946"); !ok || err != nil {
				t.Errorf("Verify: %v, %v", ok, err)
			}
		})
	}
	wg.Wait()
	if got := most.Load(); got > int64(cap(slots)) || cap(slots) != max(1, runtime.GOMAXPROCS(0)) {
		t.Errorf("%d hashes ran at once with %d slots, GOMAXPROCS %d", got, cap(slots), runtime.GOMAXPROCS(0))
	}
}
