package eid

import (
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"

	"github.com/netid-project/netid/internal/jws"
)

// An SM2 device key signs an online payload with SM2, which its key
// verifies and a P-256 key (or another SM2 key) does not; an ES256 payload
// is not verified by an SM2 key.
func TestOnlineSM2(t *testing.T) {
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := &k.PrivateKey
	p, err := SignOnline(key, testIssuer, testCID, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseOnline(p)
	if err != nil {
		t.Fatal(err)
	}
	if o.token.Header.Alg != jws.SM2 {
		t.Fatalf("alg %s", o.token.Header.Alg)
	}
	if err := o.Verify(&key.PublicKey, t0); err != nil {
		t.Fatal(err)
	}
	other, _ := sm2.GenerateKey(rand.Reader)
	for name, pub := range map[string]*ecdsa.PublicKey{"P-256": &newKey(t).PublicKey, "another SM2": &other.PublicKey} {
		if err := o.Verify(pub, t0); !errors.Is(err, ErrSignature) {
			t.Errorf("%s key: %v", name, err)
		}
	}
	es, err := SignOnline(newKey(t), testIssuer, testCID, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	oe, err := ParseOnline(es)
	if err != nil || !strings.Contains(es, PrefixOnline) {
		t.Fatal(err)
	}
	if err := oe.Verify(&key.PublicKey, t0); !errors.Is(err, ErrSignature) {
		t.Errorf("ES256 payload with an SM2 key: %v", err)
	}
}
