package witness

import (
	"crypto/rand"
	"testing"

	"github.com/netid-project/netid/internal/strictjson"
	"github.com/netid-project/netid/internal/suite"
)

// FuzzSM2KeyFile: whatever KeyFile holds, reading it as an SM2 private
// JWK returns an error or a key whose public point the file names, and
// never panics.
func FuzzSM2KeyFile(f *testing.F) {
	k, err := suite.SM.GenerateKey(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	kid, err := suite.KeyID(k)
	if err != nil {
		f.Fatal(err)
	}
	good, err := marshalSM2PrivateJWK(k, kid)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"kty":"EC","crv":"SM2","x":"","y":"","d":""}`))
	f.Add([]byte(`{"kty":"EC","crv":"SM2","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := strictjson.DecodeObject(b)
		if err != nil {
			return
		}
		got, err := parseSM2PrivateJWK(m)
		if err != nil {
			return
		}
		again, err := marshalSM2PrivateJWK(got.key, got.KeyID)
		if err != nil {
			t.Fatalf("a key read back does not encode: %v", err)
		}
		m2, err := strictjson.DecodeObject(again)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"x", "y", "d", "kid", "alg"} {
			if m2[name] != m[name] {
				t.Fatalf("%s read as %v, written back as %v", name, m[name], m2[name])
			}
		}
	})
}
