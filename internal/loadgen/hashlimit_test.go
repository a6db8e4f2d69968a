package loadgen

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/password"
)

func TestMeasureHashLimit(t *testing.T) {
	cheap := password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}
	h, err := measureHashLimit(context.Background(), cheap, 2, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if h.hashers != 2 || h.hashes < 2 || h.elapsed < 20*time.Millisecond || h.rate() <= 0 {
		t.Errorf("measurement %+v: want 2 hashers, at least one hash each, at least 20ms", h)
	}
	// The untimed warm-up ran first: half the time, at least one hash each.
	if h.warmHashes < 2 || h.warmTime < 10*time.Millisecond {
		t.Errorf("measurement %+v: want a warm-up of at least 10ms and one hash per hasher", h)
	}
	if runtime.GOOS == "linux" && (!h.cpuOK || !h.faultsOK) {
		t.Errorf("measurement %+v: CPU time and page faults not read", h)
	}
	// Parameters password.Hash refuses are an error, not a figure.
	if _, err := measureHashLimit(context.Background(), password.Params{}, 1, time.Millisecond); err == nil {
		t.Error("zero parameters measured")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := measureHashLimit(ctx, cheap, 1, time.Hour); err == nil {
		t.Error("a cancelled measurement ran on")
	}
}

func TestPrintAgainstLimit(t *testing.T) {
	limits := []hashLimit{
		{hashers: 2, hashes: 100, elapsed: time.Second, cpu: 3 * time.Second, cpuOK: true},
		{hashers: 2, hashes: 60, elapsed: time.Second, cpu: 1800 * time.Millisecond, cpuOK: true},
	}
	var out bytes.Buffer
	printAgainstLimit(&out, 64, 37500*time.Microsecond, false, limits)
	want := "applications against the argon2id limit: 80.0% of the argon2id limit (64.0 applications/s, 80.0 hashes/s)\n" +
		"CPU per application: 37.5 ms (client and platform) = 1.25 × the CPU of one hash (30.0 ms); the hash is 80.0% of it\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	printAgainstLimit(&out, 64, 0, false, limits[:1])
	if want := "applications against the argon2id limit: 64.0% of the argon2id limit (64.0 applications/s, 100.0 hashes/s)\n"; out.String() != want {
		t.Errorf("without CPU time: got %q, want %q", out.String(), want)
	}
	out.Reset()
	printAgainstLimit(&out, 64, 12*time.Millisecond, true, limits[1:])
	if want := "applications against the argon2id limit: 106.7% of the argon2id limit (64.0 applications/s, 60.0 hashes/s)\n" +
		"CPU per application of the load generator alone (the platform runs in another process): 12.0 ms; of one hash: 30.0 ms\n"; out.String() != want {
		t.Errorf("remote platform: got %q, want %q", out.String(), want)
	}
	out.Reset()
	printAgainstLimit(&out, 64, time.Millisecond, false, nil)
	if out.Len() != 0 {
		t.Errorf("without a limit: got %q", out.String())
	}
}

func TestPrintLimitAndFaults(t *testing.T) {
	p := password.DefaultParams
	var out bytes.Buffer
	printLimit(&out, "before the run", p, hashLimit{hashers: 2, hashes: 40, elapsed: time.Second,
		cpu: 900 * time.Millisecond, cpuOK: true, faults: 4000, faultsOK: true})
	want := "argon2id limit before the run (m=19456 KiB, t=2, p=1; 2 hashers, one per core): 40.0 hashes/s, 22.5 ms CPU per hash, 100.0 page faults per hash\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	out.Reset()
	printLimit(&out, "after the run", p, hashLimit{hashers: 2, hashes: 40, elapsed: time.Second})
	if want := "argon2id limit after the run (m=19456 KiB, t=2, p=1; 2 hashers, one per core): 40.0 hashes/s\n"; out.String() != want {
		t.Errorf("without CPU time or faults: got %q, want %q", out.String(), want)
	}
	out.Reset()
	printFaults(&out, 960, false)
	printFaults(&out, 0.64, true)
	if want := "page faults per application: 960.0 (minor, client and platform)\n" +
		"page faults per application: 0.6 (minor, the load generator alone)\n"; out.String() != want {
		t.Errorf("faults: got %q, want %q", out.String(), want)
	}
}
