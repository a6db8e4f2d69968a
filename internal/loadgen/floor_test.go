package loadgen

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkSessionFloor measures each part of a session's floor (see
// Floor) as a benchmark: the process CPU time per session
// ("cpu-µs/session") and that time in units of one P-256 verification
// measured just before and after it ("×p256"). The HTTP and SQLite parts
// run from 8 goroutines, as `netid-load verify -c 8` does.
//
//	go test -run '^$' -bench SessionFloor -benchtime 3000x ./internal/loadgen
func BenchmarkSessionFloor(b *testing.B) {
	for _, p := range floorParts {
		b.Run(p.name, func(b *testing.B) {
			op, stop, err := p.start(b.Context(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer stop()
			before, err := measureP256()
			if err != nil {
				b.Fatal(err)
			}
			var failed atomic.Pointer[error]
			b.ResetTimer()
			c0, ok := processCPU()
			if !ok {
				b.Skip("the process CPU time cannot be read on this system")
			}
			if p.parallel {
				b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := op(b.Context()); err != nil {
							failed.CompareAndSwap(nil, &err)
						}
					}
				})
			} else {
				for b.Loop() {
					if err := op(b.Context()); err != nil {
						b.Fatal(err)
					}
				}
			}
			c1, _ := processCPU()
			b.StopTimer()
			if e := failed.Load(); e != nil {
				b.Fatal(*e)
			}
			after, err := measureP256()
			if err != nil {
				b.Fatal(err)
			}
			per := float64(c1-c0) / float64(b.N)
			b.ReportMetric(per/1e3, "cpu-µs/session")
			b.ReportMetric(per/float64(before.perVerify+after.perVerify)*2, "×p256")
		})
	}
}

// TestFloor runs the floor command's measurement and reads its figures.
func TestFloor(t *testing.T) {
	var out bytes.Buffer
	if err := Floor(t.Context(), FloorOptions{N: 20, Concurrency: 4, Out: &out}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, re := range []string{
		`(?m)^the floor of a level-1 verification session on this stack, without netid's code: 20 sessions per part, 4 at a time$`,
		`(?m)^signatures: [0-9.]+(µs|ms) per session = [0-9.]+ × one P-256 verification \(4 P-256 signatures and 3 verifications on crypto/ecdsa\)$`,
		`(?m)^http:\s+[0-9.]+(µs|ms) per session = [0-9.]+ × one P-256 verification \(4 exchanges`,
		`(?m)^sqlite:\s+[0-9.]+(µs|ms) per session = [0-9.]+ × one P-256 verification \(16 statements and 3 commits`,
		`(?m)^floor per session: [0-9.]+(µs|ms) = [0-9.]+ × one P-256 verification \([0-9.]+µs to [0-9.]+µs, measured before, between and after the parts\)$`,
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("the output does not match %s:\n%s", re, got)
		}
	}
	// The signatures are seven ECDSA operations, three of them
	// verifications like the unit: well over 2 × even on a noisy machine.
	m := regexp.MustCompile(`signatures: \S+ per session = ([0-9.]+) ×`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no signatures ratio in:\n%s", got)
	}
	if r, err := strconv.ParseFloat(m[1], 64); err != nil || r < 2 {
		t.Errorf("the signatures cost %s × one P-256 verification: fewer operations than a session's", m[1])
	}
}

// TestFloorParts: each part does its work, and fails when it cannot.
func TestFloorParts(t *testing.T) {
	ctx := t.Context()
	for _, p := range floorParts {
		op, stop, err := p.start(ctx, t.TempDir())
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		for range 3 {
			if err := op(ctx); err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
		}
		stop()
		// Stopped, the HTTP and SQLite parts have nothing to work with.
		if p.parallel {
			if err := op(ctx); err == nil {
				t.Errorf("%s: a session succeeded after stop", p.name)
			}
		}
	}
	// A session that cannot finish fails the part, and Floor.
	boom := errors.New("boom")
	bad := floorPart{name: "bad", parallel: true, start: func(context.Context, string) (func(context.Context) error, func(), error) {
		return func(context.Context) error { return boom }, func() {}, nil
	}}
	if _, err := runFloorPart(ctx, bad, t.TempDir(), 10, 3); !errors.Is(err, boom) {
		t.Errorf("a failing part: %v", err)
	}
}

// TestFloorOptions: bounds are checked before any work.
func TestFloorOptions(t *testing.T) {
	for _, o := range []FloorOptions{{N: 0, Concurrency: 1}, {N: 1, Concurrency: 0}, {N: maxFloorN + 1, Concurrency: 1}, {N: 1, Concurrency: maxFloorConc + 1}} {
		var out bytes.Buffer
		o.Out = &out
		if err := Floor(t.Context(), o); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "-n must be") || out.Len() != 0 {
			t.Errorf("%+v: %v, wrote %q", o, err, out.String())
		}
	}
}
