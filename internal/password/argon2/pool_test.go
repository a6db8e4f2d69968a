package argon2

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"testing"

	xargon2 "golang.org/x/crypto/argon2"
)

// TestIDKeyMatchesXCrypto: every result is x/crypto's, whatever memory
// the pool hands back (sizes alternate, so reused blocks hold an earlier
// hash's data).
func TestIDKeyMatchesXCrypto(t *testing.T) {
	for round := range 2 {
		for _, memory := range []uint32{64, 1024, 64, 8, 1024, 2048, 1024} {
			for threads := uint8(1); threads <= 4; threads++ {
				for time := uint32(1); time <= 3; time++ {
					pw := fmt.Appendf(nil, "password %d %d %d %d", round, memory, threads, time)
					salt := []byte("somesaltsomesalt")
					got := IDKey(pw, salt, time, memory, threads, 32)
					want := xargon2.IDKey(pw, salt, time, memory, threads, 32)
					if !bytes.Equal(got, want) {
						t.Fatalf("m=%d t=%d p=%d: %x, x/crypto %x", memory, time, threads, got, want)
					}
				}
			}
		}
	}
}

// TestIDKeyConcurrent: hashes running at once each get memory of their
// own (run with -race).
func TestIDKeyConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 8 {
				pw := fmt.Appendf(nil, "pw-%d-%d", g, i)
				if got, want := IDKey(pw, []byte("saltsalt"), 2, 512, 1, 32), xargon2.IDKey(pw, []byte("saltsalt"), 2, 512, 1, 32); !bytes.Equal(got, want) {
					t.Errorf("goroutine %d, hash %d: differs from x/crypto", g, i)
				}
			}
		})
	}
	wg.Wait()
}

// TestIDKeyReusesMemory: after the first hash, a hash of the same size
// allocates far less than its memory.
func TestIDKeyReusesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 8 MiB several times")
	}
	const memoryKiB = 8 * 1024
	IDKey([]byte("warm"), []byte("saltsalt"), 1, memoryKiB, 1, 32)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const hashes = 4
	for range hashes {
		IDKey([]byte("password"), []byte("saltsalt"), 1, memoryKiB, 1, 32)
	}
	runtime.ReadMemStats(&after)
	// A garbage collection between two hashes may empty the pool once.
	if per := (after.TotalAlloc - before.TotalAlloc) / hashes; per > memoryKiB*1024/2 {
		t.Errorf("%d bytes allocated per hash of %d KiB: the memory is not reused", per, memoryKiB)
	}
}

// FuzzIDKey holds IDKey to x/crypto's on any input and small costs, two
// hashes in a row so that the second runs on reused memory.
func FuzzIDKey(f *testing.F) {
	f.Add([]byte("password"), []byte("somesalt"), uint8(2), uint16(64), uint8(1), uint8(32))
	f.Add([]byte(""), []byte("saltsalt"), uint8(1), uint16(8), uint8(4), uint8(16))
	f.Fuzz(func(t *testing.T, pw, salt []byte, time uint8, memory uint16, threads, keyLen uint8) {
		time = 1 + time%3
		memory %= 1024
		threads = 1 + threads%4
		if keyLen < 4 {
			keyLen = 4
		}
		for range 2 {
			got := IDKey(pw, salt, uint32(time), uint32(memory), threads, uint32(keyLen))
			want := xargon2.IDKey(pw, salt, uint32(time), uint32(memory), threads, uint32(keyLen))
			if !bytes.Equal(got, want) {
				t.Fatalf("m=%d t=%d p=%d: %x, x/crypto %x", memory, time, threads, got, want)
			}
		}
	})
}

// BenchmarkIDKeyParallel hashes at netid's production parameters (m=19
// MiB, t=2, p=1) with one hasher per core, with x/crypto's IDKey and with
// this package's; the runs alternate, so the machine's load weighs on both
// alike (go test -bench IDKeyParallel -count 4).
func BenchmarkIDKeyParallel(b *testing.B) {
	for _, impl := range []struct {
		name  string
		idKey func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
	}{{"x-crypto", xargon2.IDKey}, {"pooled", IDKey}} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(1)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					impl.idKey([]byte("27418596"), []byte("somesaltsomesalt"), 2, 19*1024, 1, 32)
				}
			})
		})
	}
}
