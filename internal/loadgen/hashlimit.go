package loadgen

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netid-project/netid/internal/cputime"
	"github.com/netid-project/netid/internal/password"
)

// maxLimitTime bounds how long each measurement of the argon2id limit
// runs (its untimed warm-up adds half as long).
const maxLimitTime = time.Minute

// hashLimit is one measurement of the argon2id limit: how many credential
// password hashes this machine does per second with one hasher per core,
// the most complete applications per second could reach, since each one
// hashes its password once.
type hashLimit struct {
	hashers, hashes int
	elapsed         time.Duration
	// cpu is the process's CPU time over the measurement (cpuOK: it could
	// be read); nothing else runs then, so it is the hashers'.
	cpu   time.Duration
	cpuOK bool
	// faults is the process's minor page faults over the measurement
	// (faultsOK: they could be read).
	faults   int64
	faultsOK bool
	// warmHashes hashes ran untimed first, over warmTime.
	warmHashes int
	warmTime   time.Duration
}

// rate is hashes per second.
func (h hashLimit) rate() float64 { return float64(h.hashes) / h.elapsed.Seconds() }

// cpuPerHash is the CPU time of one hash.
func (h hashLimit) cpuPerHash() time.Duration { return h.cpu / time.Duration(h.hashes) }

// measureHashLimit runs hashers goroutines that hash a password with p
// through password.Hash, as the platform does, until d has passed (each
// at least once). They first hash untimed for d/2 (each at least once):
// the process's first hashes grow the heap to its working size a page at
// a time, each page faulted in, and so cost more than the hashes of a
// process that has been hashing for a while, which is what an
// application's hash is. The limit is the warm machine's.
func measureHashLimit(ctx context.Context, p password.Params, hashers int, d time.Duration) (hashLimit, error) {
	h := hashLimit{hashers: hashers}
	var firstErr error
	var errOnce sync.Once
	// hashUntil hashes on hashers goroutines until deadline (each at least
	// once) and returns how many hashes they did.
	hashUntil := func(deadline time.Time) int {
		var count atomic.Int64
		var wg sync.WaitGroup
		for range hashers {
			wg.Go(func() {
				for {
					if _, err := password.Hash(holderPassword, p, rand.Reader); err != nil {
						errOnce.Do(func() { firstErr = err })
						return
					}
					count.Add(1)
					if ctx.Err() != nil || !time.Now().Before(deadline) {
						return
					}
				}
			})
		}
		wg.Wait()
		return int(count.Load())
	}
	warmStart := time.Now()
	h.warmHashes = hashUntil(warmStart.Add(d / 2))
	h.warmTime = time.Since(warmStart)
	if firstErr != nil {
		return h, firstErr
	}
	if err := ctx.Err(); err != nil {
		return h, err
	}
	cpu0, ok0 := cputime.Process()
	faults0, fok0 := cputime.PageFaults()
	start := time.Now()
	n := hashUntil(start.Add(d))
	h.elapsed = time.Since(start)
	cpu1, ok1 := cputime.Process()
	faults1, fok1 := cputime.PageFaults()
	h.hashes = n
	h.cpu, h.cpuOK = cpu1-cpu0, ok0 && ok1
	h.faults, h.faultsOK = faults1-faults0, fok0 && fok1
	if firstErr != nil {
		return h, firstErr
	}
	return h, ctx.Err()
}

// printLimit prints one measurement of the limit.
func printLimit(out io.Writer, when string, p password.Params, h hashLimit) {
	fmt.Fprintf(out, "argon2id limit %s (m=%d KiB, t=%d, p=%d; %d hashers, one per core): %.1f hashes/s",
		when, p.MemoryKiB, p.Time, p.Threads, h.hashers, h.rate())
	if h.cpuOK {
		fmt.Fprintf(out, ", %s CPU per hash", ms(h.cpuPerHash()))
	}
	if h.faultsOK && h.hashes > 0 {
		fmt.Fprintf(out, ", %.1f page faults per hash", float64(h.faults)/float64(h.hashes))
	}
	fmt.Fprintln(out)
}

// ms formats a duration in milliseconds with one decimal.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
