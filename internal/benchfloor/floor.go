package benchfloor

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/cputime"
)

// Block is how many benchmark iterations pass between floor runs: the
// timer's stop and start read memory statistics, which is not free.
const Block = 32

// Floor is two ecdsa.Verify of P-256 signatures by two keys, run with the
// benchmark's timer stopped in blocks between its iterations, so that the
// machine's load, which varies, weighs on both alike.
type Floor struct {
	keys [2]*ecdsa.PublicKey
	hash [32]byte
	r, s [2]*big.Int
	// pending counts iterations not yet matched by a floor run; elapsed
	// is the floor's total time.
	pending, runs int
	elapsed       time.Duration
	// The process's CPU time, which the load of other processes does not
	// inflate: when the benchmark's timer last restarted, and spent in the
	// benchmark's iterations and in the floor runs.
	cpuMark, cpuOp, cpuFloor time.Duration
	cpuOK                    bool
}

// New makes two P-256 keys and a signature by each.
func New(b *testing.B) *Floor {
	fl := &Floor{hash: sha256.Sum256([]byte("floor"))}
	for i := range fl.keys {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		fl.keys[i] = &k.PublicKey
		if fl.r[i], fl.s[i], err = ecdsa.Sign(rand.Reader, k, fl.hash[:]); err != nil {
			b.Fatal(err)
		}
	}
	return fl
}

// Start marks the beginning of the benchmark's iterations.
func (fl *Floor) Start() {
	fl.cpuMark, fl.cpuOK = cputime.Process()
}

// Interleave is called after each iteration of the benchmark.
func (fl *Floor) Interleave(b *testing.B) {
	if fl.pending++; fl.pending == Block {
		fl.endOps()
		b.StopTimer()
		fl.run(b)
		b.StartTimer()
		// The timer's start and stop read memory statistics (stopping the
		// world); like the wall-clock time, the iterations' CPU time is
		// counted without them.
		fl.cpuMark, _ = cputime.Process()
	}
}

// endOps adds the CPU time since the mark to the iterations'.
func (fl *Floor) endOps() {
	cpu, _ := cputime.Process()
	fl.cpuOp += cpu - fl.cpuMark
}

func (fl *Floor) run(b *testing.B) {
	cpu0, _ := cputime.Process()
	start := time.Now()
	for range fl.pending {
		for i := range fl.keys {
			if !ecdsa.Verify(fl.keys[i], fl.hash[:], fl.r[i], fl.s[i]) {
				b.Fatal("floor signature does not verify")
			}
		}
	}
	fl.elapsed += time.Since(start)
	cpu1, _ := cputime.Process()
	fl.cpuFloor += cpu1 - cpu0
	fl.runs += fl.pending
	fl.pending = 0
}

// Report stops the timer, runs the floor for the last iterations and
// reports its time per operation ("floor-ns/op"), the floor's share of the
// wall time ("%floor", 100 would be nothing but the two checks) and of the
// process's CPU time ("cpu-%floor", where it can be read).
func (fl *Floor) Report(b *testing.B) {
	fl.endOps()
	b.StopTimer()
	fl.run(b)
	if fl.runs == 0 {
		return
	}
	floorNs := float64(fl.elapsed.Nanoseconds()) / float64(fl.runs)
	opNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(floorNs, "floor-ns/op")
	b.ReportMetric(100*floorNs/opNs, "%floor")
	if fl.cpuOK && fl.cpuOp > 0 {
		b.ReportMetric(100*float64(fl.cpuFloor)/float64(fl.cpuOp), "cpu-%floor")
	}
}
