package credential

import (
	"testing"
	"time"

	"github.com/netid-project/netid/internal/benchfloor"
	"github.com/netid-project/netid/internal/cputime"
	"github.com/netid-project/netid/internal/suite"
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
	floor := benchfloor.New(b)
	b.ReportAllocs()
	floor.Start()
	for b.Loop() {
		if _, err := VerifyPresentation(p, o); err != nil {
			b.Fatal(err)
		}
		floor.Interleave(b)
	}
	floor.Report(b)
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

// BenchmarkSuitesSideBySide issues, presents and verifies the same
// credential under the two crypto suites (ES256 with SHA-256 digests
// against SM2 with SM3 digests), alternately in blocks of 16 inside one
// loop, and reports the process's CPU time per operation of each suite
// (es256-cpu-ns/op, sm-cpu-ns/op) and their ratio, as the suite package's
// BenchmarkSideBySide does for the primitives: the alternation puts both
// under the same load, and CPU time is not inflated by other processes.
// ns/op is one block of each, in wall time.
func BenchmarkSuitesSideBySide(b *testing.B) {
	es := newFixture(b)
	sm, _ := smIssuerFixture(b)
	suites := [2]suite.Suite{suite.ES256, suite.SM}
	var ops = map[string][2]func(b *testing.B){}
	for i, f := range [2]*fixture{es, sm} {
		issued := f.issue(b)
		p := f.present(b, "age_over_18", "name_digest")
		o := f.opts()
		o.Suite = suites[i]
		set := func(name string, fn func(b *testing.B)) {
			pair := ops[name]
			pair[i] = fn
			ops[name] = pair
		}
		set("issue", func(b *testing.B) {
			if _, err := f.issuer.Issue(f.claims); err != nil {
				b.Fatal(err)
			}
		})
		set("present", func(b *testing.B) {
			if _, err := Present(issued, []string{"age_over_18", "name_digest"}, f.holderKey, testAud, testNon, testNow); err != nil {
				b.Fatal(err)
			}
		})
		set("verify-presentation", func(b *testing.B) {
			if _, err := VerifyPresentation(p, o); err != nil {
				b.Fatal(err)
			}
		})
	}
	for _, name := range []string{"issue", "present", "verify-presentation"} {
		pair := ops[name]
		b.Run(name, func(b *testing.B) {
			if _, ok := cputime.Process(); !ok {
				b.Skip("the process's CPU time is not read on this system")
			}
			const block = 16
			var cpu [2]time.Duration
			var n [2]int
			for b.Loop() {
				for side := range 2 {
					t0, _ := cputime.Process()
					for range block {
						pair[side](b)
					}
					t1, _ := cputime.Process()
					cpu[side] += t1 - t0
					n[side] += block
				}
			}
			es := float64(cpu[0]) / float64(n[0])
			sm := float64(cpu[1]) / float64(n[1])
			b.ReportMetric(es, "es256-cpu-ns/op")
			b.ReportMetric(sm, "sm-cpu-ns/op")
			b.ReportMetric(sm/es, "sm/es256")
		})
	}
}
