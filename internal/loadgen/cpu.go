package loadgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
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
