package credential

import "testing"

func BenchmarkIssue(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.issuer.Issue(f.claims); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPresentation(b *testing.B) {
	f := newFixture(b)
	p := f.present(b, "age_over_18", "name_digest")
	o := f.opts()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyPresentation(p, o); err != nil {
			b.Fatal(err)
		}
	}
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
