package jws

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/strictjson"
)

// TestJWKS: a set with an SM2 and a P-256 key round-trips; a set without
// SM2 keys encodes byte for byte as go-jose's.
func TestJWKS(t *testing.T) {
	p256, sm := newKey(t), newSM2Key(t)
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &sm.PublicKey, KeyID: "s", Algorithm: "SM2", Use: "sig"},
		{Key: &p256.PublicKey, KeyID: "p", Algorithm: "ES256", Use: "sig"},
	}}
	b, err := json.Marshal(JWKS(set))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"crv":"SM2"`) || !strings.Contains(string(b), `"crv":"P-256"`) {
		t.Fatalf("JWKS %s", b)
	}
	var back JWKS
	if err := strictjson.Unmarshal(b, &back, strictjson.IgnoreUnknownFields); err != nil {
		t.Fatal(err)
	}
	got := jose.JSONWebKeySet(back)
	if len(got.Keys) != 2 || got.Keys[0].KeyID != "s" || got.Keys[1].KeyID != "p" {
		t.Fatalf("read back %+v", got)
	}
	if pub, ok := SM2PublicKey(got.Keys[0].Key); !ok || !pub.Equal(&sm.PublicKey) || got.Keys[0].Algorithm != "SM2" {
		t.Fatal("SM2 member")
	}
	if pub, ok := P256(&got.Keys[1]); !ok || !pub.Equal(&p256.PublicKey) {
		t.Fatal("P-256 member")
	}
	// A token signed by the SM2 key verifies with the set read back.
	tok, _ := Sign(sm, testTyp, "s", []byte(`{}`))
	if _, _, err := Verify(tok, Expect{Typ: testTyp, Algorithms: []Algorithm{SM2}, Keys: ByKeyID(got)}); err != nil {
		t.Fatal(err)
	}

	es := jose.JSONWebKeySet{Keys: set.Keys[1:]}
	mine, _ := json.Marshal(JWKS(es))
	theirs, _ := json.Marshal(es)
	if string(mine) != string(theirs) {
		t.Fatalf("ES256-only set\n%s\nwant go-jose's\n%s", mine, theirs)
	}

	if _, err := json.Marshal(JWKS{Keys: []jose.JSONWebKey{{Key: sm}}}); err == nil {
		t.Fatal("an SM2 private key is written into a JWK set")
	}
	for _, bad := range []string{
		`{"keys":[{"kty":"EC","crv":"SM2","x":"AA","y":"AA"}]}`,
		`{"keys":[{"kty":"EC","crv":"P-257","x":"AA","y":"AA"}]}`,
		`{"keys":[{"kty":"EC","crv":"SM2","crv":"SM2"}]}`,
		`{"keys":{}}`,
	} {
		var s JWKS
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("read %s", bad)
		}
	}
}

func FuzzJWKS(f *testing.F) {
	sm := newSM2Key(f)
	b, _ := json.Marshal(JWKS{Keys: []jose.JSONWebKey{{Key: &sm.PublicKey, KeyID: "s"}, {Key: &newKey(f).PublicKey, KeyID: "p"}}})
	f.Add(b)
	f.Add([]byte(`{"keys":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s JWKS
		if err := s.UnmarshalJSON(data); err != nil {
			return
		}
		// What was read writes, and reads back to the same keys.
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("a set read cannot be written: %v", err)
		}
		var again JWKS
		if err := again.UnmarshalJSON(out); err != nil || len(again.Keys) != len(s.Keys) {
			t.Fatalf("round trip of %s: %v", out, err)
		}
	})
}
