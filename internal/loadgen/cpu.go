package loadgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"runtime/metrics"
	"slices"
	"time"
)

// p256Floor is the unit the verification load reports its CPU cost in:
// the process CPU time of one P-256 signature verification (ecdsa.Verify,
// the cheapest essential operation of a session), measured in the same
// run so that the ratio does not depend on the machine's speed.
type p256Floor struct {
	perVerify time.Duration
}

// floorRounds is how many verifications one measurement of the floor
// runs: enough for getrusage's resolution (about 1 ms on Linux) to be
// below 1% of the total.
const floorRounds = 2000

// measureP256 times floorRounds P-256 verifications on one goroutine, in
// CPU time of the process (nothing else runs in the load generator while
// it does; an in-process platform is idle).
func measureP256() (p256Floor, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return p256Floor{}, err
	}
	h := sha256.Sum256([]byte("floor"))
	sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
	if err != nil {
		return p256Floor{}, err
	}
	c0, ok := processCPU()
	if !ok {
		return p256Floor{}, fmt.Errorf("the process CPU time cannot be read on this system")
	}
	for range floorRounds {
		if !ecdsa.VerifyASN1(&k.PublicKey, h[:], sig) {
			return p256Floor{}, fmt.Errorf("floor signature does not verify")
		}
	}
	c1, _ := processCPU()
	return p256Floor{perVerify: (c1 - c0) / floorRounds}, nil
}

// heapAllocs is what the process has allocated on the heap since it
// started, in objects and bytes, all goroutines (runtime/metrics, which
// counts every allocation, unlike a sampled memory profile; small objects
// are counted a span at a time, so a reading is off by at most the free
// slots of the spans the processors hold, a few hundred objects). Its
// difference over a run of thousands of sessions, divided by the
// sessions, is a cost that does not move with the host's speed as CPU
// time does.
type heapAllocs struct {
	objects, bytes uint64
}

var heapAllocSamples = []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/allocs:bytes"}}

func readHeapAllocs() heapAllocs {
	s := slices.Clone(heapAllocSamples)
	metrics.Read(s)
	var h heapAllocs
	if s[0].Value.Kind() == metrics.KindUint64 {
		h.objects = s[0].Value.Uint64()
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		h.bytes = s[1].Value.Uint64()
	}
	return h
}

// per formats the allocations from h0 to h for each of n sessions.
func (h heapAllocs) per(h0 heapAllocs, n int) string {
	if n == 0 {
		return "none"
	}
	return fmt.Sprintf("%.0f objects, %.1f KiB", float64(h.objects-h0.objects)/float64(n), float64(h.bytes-h0.bytes)/float64(n)/1024)
}
