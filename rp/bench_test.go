package rp_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/netid-project/netid/internal/benchfloor"
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
		floor := benchfloor.New(b)
		b.ReportAllocs()
		b.ResetTimer()
		floor.Start()
		for i := range b.N {
			if _, err := v.VerifyPresentation(context.Background(), list[i].s, list[i].want); err != nil {
				b.Fatal(err)
			}
			floor.Interleave(b)
		}
		floor.Report(b)
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
