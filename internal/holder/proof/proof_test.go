package proof

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestSign(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1750000000, 0)
	tok, err := Sign(key, "cred-1", "POST", "https://netid.example/v1/holder/suspend", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != Type || h.KeyID != "cred-1" {
		t.Fatalf("header typ %v kid %q", h.ExtraHeaders[jose.HeaderType], h.KeyID)
	}
	payload, err := jws.Verify(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	if c.Method != "POST" || c.URL != "https://netid.example/v1/holder/suspend" || c.Iat != now.Unix() || len(c.JTI) != 22 {
		t.Fatalf("claims %+v", c)
	}
	again, err := Sign(key, "cred-1", "POST", "https://netid.example/v1/holder/suspend", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again == tok {
		t.Fatal("two proofs share a jti")
	}
}
