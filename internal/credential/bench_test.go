package credential

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"
	"time"
)

func BenchmarkIssue(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.issuer.Issue(f.claims); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresentation measures offline presentation verification
// and, in the same run, its floor: the two P-256 signature checks it cannot
// avoid (the issuer's and the key-binding JWT's). It reports the floor's
// time per operation beside its own and the share of the floor in the
// whole ("%floor", 100 would be nothing but the two checks).
func BenchmarkVerifyPresentation(b *testing.B) {
	f := newFixture(b)
	p := f.present(b, "age_over_18", "name_digest")
	o := f.opts()
	floor := newFloor(b, f.issuerKey, f.holderKey)
	b.ReportAllocs()
	floor.start()
	for b.Loop() {
		if _, err := VerifyPresentation(p, o); err != nil {
			b.Fatal(err)
		}
		floor.interleave(b)
	}
	floor.report(b)
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

func newFloor(b *testing.B, k1, k2 *ecdsa.PrivateKey) *floor {
	fl := &floor{keys: [2]*ecdsa.PublicKey{&k1.PublicKey, &k2.PublicKey}, hash: sha256.Sum256([]byte("floor"))}
	for i, k := range []*ecdsa.PrivateKey{k1, k2} {
		r, s, err := ecdsa.Sign(rand.Reader, k, fl.hash[:])
		if err != nil {
			b.Fatal(err)
		}
		fl.r[i], fl.s[i] = r, s
	}
	return fl
}

// report runs the floor for the last iterations and reports its time per
// operation and the ratio of the two.
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

// BenchmarkVerifyPresentationUnder14 verifies an under-14 holder's
// presentation with its guardian consent statement (one more ES256
// signature); it reports the presentation's size.
func BenchmarkVerifyPresentationUnder14(b *testing.B) {
	f := newFixture(b)
	f.claims.GuardianConsentRequired = true
	consent := f.consentFor(b, testAud, f.claims.Holder)
	p, err := PresentWithConsent(f.issue(b), []string{"age_over_18", "name_digest"}, f.holderKey, testAud, testNon, consent, testNow)
	if err != nil {
		b.Fatal(err)
	}
	o := f.opts()
	b.ReportAllocs()
	b.ReportMetric(float64(len(p)), "bytes/presentation")
	for b.Loop() {
		if _, err := VerifyPresentation(p, o); err != nil {
			b.Fatal(err)
		}
	}
}
