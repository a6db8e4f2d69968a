package jws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func TestTypIs(t *testing.T) {
	tests := []struct {
		typ, want string
		ok        bool
	}{
		{"dc+sd-jwt", "dc+sd-jwt", true},
		{"application/dc+sd-jwt", "dc+sd-jwt", true},
		{"DC+SD-JWT", "dc+sd-jwt", true},
		{"vc+sd-jwt", "dc+sd-jwt", false},
		{"application/", "dc+sd-jwt", false},
		{"", "kb+jwt", false},
	}
	for _, tt := range tests {
		if got := TypIs(tt.typ, tt.want); got != tt.ok {
			t.Errorf("TypIs(%q, %q) = %v", tt.typ, tt.want, got)
		}
	}
}

func TestSignVerify(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tok, err := Sign(key, "kb+jwt", "k1", []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	h, payload, err := VerifyKey(tok, "kb+jwt", &key.PublicKey)
	if err != nil || string(payload) != `{"a":1}` || h.KeyID != "k1" || h.Alg != "ES256" {
		t.Fatalf("VerifyKey = %+v, %q, %v", h, payload, err)
	}
	keys := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &key.PublicKey, KeyID: "k1", Use: "enc"}, // wrong use: skipped
	}}
	if _, _, err := VerifyKID(tok, "kb+jwt", keys); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("VerifyKID with enc key = %v, want ErrUnknownKey", err)
	}
	keys.Keys = append(keys.Keys, jose.JSONWebKey{Key: &key.PublicKey, KeyID: "k1"})
	if _, _, err := VerifyKID(tok, "kb+jwt", keys); err != nil {
		t.Fatal(err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := Sign(p384, "kb+jwt", "", nil); !errors.Is(err, ErrKey) {
		t.Fatalf("Sign with P-384 = %v, want ErrKey", err)
	}
	if _, _, err := VerifyKey(tok, "kb+jwt", &p384.PublicKey); !errors.Is(err, ErrKey) {
		t.Fatalf("VerifyKey with P-384 = %v, want ErrKey", err)
	}
	if _, _, err := VerifyKey(tok, "dc+sd-jwt", &key.PublicKey); !errors.Is(err, ErrMalformed) {
		t.Fatalf("wrong typ = %v, want ErrMalformed", err)
	}
}
