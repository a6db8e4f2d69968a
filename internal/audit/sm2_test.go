package audit

import (
	"context"
	"crypto"
	"crypto/rand"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/suite"
)

// sm2Key is an SM deployment's signing key.
type sm2Key struct {
	priv crypto.Signer
	kid  string
}

func (k sm2Key) Signer() (crypto.Signer, string) { return k.priv, k.kid }

// TestSM2Heads: on the SM suite the record log's heads and tree heads are
// signed with SM2 and verify with the published SM2 key.
func TestSM2Heads(t *testing.T) {
	ctx := context.Background()
	priv, err := suite.SM.GenerateSigningKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := suite.SM.KeyID(priv.Public())
	store := &fakeStore{}
	clock := &tick{}
	l := &Log{Store: store, Keys: sm2Key{priv, kid}, Now: clock.now, HeadEvery: 4}
	for i := range 10 {
		if _, err := l.Append(ctx, testRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	h, err := l.SignHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: priv.Public(), KeyID: kid, Algorithm: "SM2", Use: "sig"}}}
	if parsed, err := ParseHead(h.Signature, keys); err != nil || parsed.Seq != h.Seq {
		t.Fatalf("ParseHead = %+v, %v", parsed, err)
	}
	if rep := mustVerify(t, store, keys); !rep.OK() {
		t.Fatalf("Verify: %v", rep.Problems)
	}
	// A P-256 key of the same kid does not verify an SM2 head.
	other := newTestKey(t)
	wrong := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &other.priv.PublicKey, KeyID: kid}}}
	if _, err := ParseHead(h.Signature, wrong); err == nil {
		t.Fatal("an SM2 head verifies with a P-256 key")
	}
}
