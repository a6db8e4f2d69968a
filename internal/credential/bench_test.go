package credential

import (
	"testing"

	"github.com/netid-project/netid/internal/benchfloor"
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
