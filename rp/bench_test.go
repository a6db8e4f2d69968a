package rp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netid-project/netid/rp"
)

// BenchmarkVerifyPresentation measures offline presentation verification:
// keys and the status list are cached (no HTTP request is made while
// timing); each iteration verifies a distinct presentation (its own nonce),
// since a nonce is accepted once. The serial run also measures, between
// its iterations, the floor of two P-256 signature checks (the issuer's
// and the key-binding JWT's), and reports it beside its own time with
// the share of the floor in the whole ("%floor").
func BenchmarkVerifyPresentation(b *testing.B) {
	pres, v, p := benchSetup(b)
	b.Run("serial", func(b *testing.B) {
		list := pres(b, b.N)
		jwks0, lists0 := p.hits()
		floor := newFloor(b)
		b.ReportAllocs()
		b.ResetTimer()
		floor.start()
		for i := range b.N {
			if _, err := v.VerifyPresentation(context.Background(), list[i].s, list[i].want); err != nil {
				b.Fatal(err)
			}
			floor.interleave(b)
		}
		floor.report(b)
		benchOffline(b, p, jwks0, lists0)
	})
	b.Run("parallel", func(b *testing.B) {
		list := pres(b, b.N)
		jwks0, lists0 := p.hits()
		var next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				e := list[next.Add(1)-1]
				if _, err := v.VerifyPresentation(context.Background(), e.s, e.want); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.StopTimer()
		benchOffline(b, p, jwks0, lists0)
	})
}

type benchPresentation struct {
	s    string
	want rp.Expect
}

var benchRun atomic.Int64

// benchSetup returns a Verifier with warm caches and a function making n
// presentations of distinct holders with fresh nonces.
func benchSetup(b *testing.B) (func(b *testing.B, n int) []benchPresentation, *rp.Verifier, *platform) {
	p := newPlatform(b, newClock())
	v := newVerifier(b, p)
	holders := make([]*holder, 16)
	for i := range holders {
		holders[i] = p.issue(b, int64(i), nil)
	}
	warm := rp.Expect{Audience: testAud, Nonce: "warm-up"}
	if _, err := v.VerifyPresentation(context.Background(), holders[0].present(b, warm.Audience, warm.Nonce, p.clock.Now()), warm); err != nil {
		b.Fatal(err)
	}
	return func(b *testing.B, n int) []benchPresentation {
		run := benchRun.Add(1)
		out := make([]benchPresentation, n)
		for i := range out {
			want := rp.Expect{Audience: testAud, Nonce: fmt.Sprintf("n-%d-%d", run, i)}
			out[i] = benchPresentation{holders[i%len(holders)].present(b, want.Audience, want.Nonce, p.clock.Now()), want}
		}
		return out
	}, v, p
}

// benchOffline fails the benchmark if the timed loop made HTTP requests.
func benchOffline(b *testing.B, p *platform, jwks0, lists0 int64) {
	if jwks, lists := p.hits(); jwks != jwks0 || lists != lists0 {
		b.Fatalf("%d JWKS and %d status list requests while timing", jwks-jwks0, lists-lists0)
	}
}

// floor is two ecdsa.Verify of P-256 signatures by two keys, run with the
// benchmark's timer stopped in blocks between its iterations, so that the
// machine's load, which varies, weighs on both alike.
type floor struct {
	keys [2]*ecdsa.PublicKey
	hash [32]byte
	r, s [2]*big.Int
	// pending counts iterations not yet matched by a floor run; elapsed
	// is the floor's total time.
	pending, runs int
	elapsed       time.Duration
	// The process's CPU time, which the load of other processes does not
	// inflate: at the end of the last floor run, and spent in the
	// benchmark's iterations and in the floor runs.
	cpuMark, cpuOp, cpuFloor time.Duration
	cpuOK                    bool
}

// floorBlock is how many benchmark iterations pass between floor runs: the
// timer's stop and start read memory statistics, which is not free.
const floorBlock = 32

func newFloor(b *testing.B) *floor {
	fl := &floor{hash: sha256.Sum256([]byte("floor"))}
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

// interleave is called after each iteration of the benchmark.
func (fl *floor) interleave(b *testing.B) {
	if fl.pending++; fl.pending == floorBlock {
		b.StopTimer()
		fl.run(b)
		b.StartTimer()
	}
}

func (fl *floor) run(b *testing.B) {
	cpu0, _ := cpuTime()
	fl.cpuOp += cpu0 - fl.cpuMark
	start := time.Now()
	for range fl.pending {
		for i := range fl.keys {
			if !ecdsa.Verify(fl.keys[i], fl.hash[:], fl.r[i], fl.s[i]) {
				b.Fatal("floor signature does not verify")
			}
		}
	}
	fl.elapsed += time.Since(start)
	fl.cpuMark, _ = cpuTime()
	fl.cpuFloor += fl.cpuMark - cpu0
	fl.runs += fl.pending
	fl.pending = 0
}

// report stops the timer, runs the floor for the last iterations and
// reports its time per operation and the ratio of the two.
func (fl *floor) report(b *testing.B) {
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

// start marks the beginning of the benchmark's iterations.
func (fl *floor) start() {
	fl.cpuMark, fl.cpuOK = cpuTime()
}
