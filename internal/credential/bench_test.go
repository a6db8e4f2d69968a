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
