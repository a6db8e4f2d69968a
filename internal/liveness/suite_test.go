package liveness

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// A provider's SM2 key attests, its trust list file (an SM2 JWK) loads,
// and its attestations verify on an sm deployment only; a P-256
// provider's on es256 only.
func TestSuiteKeys(t *testing.T) {
	for _, keySuite := range suite.All() {
		f := newFixture(t)
		key, err := keySuite.GenerateSigningKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		f.signer.Key = key
		dir := t.TempDir()
		b, err := json.Marshal(jws.JWKS(f.signer.JWKS()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "devliveness.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		trusted, err := LoadTrust(dir)
		if err != nil {
			t.Fatalf("%s trust list: %v", keySuite, err)
		}
		att, err := f.signer.Attest(context.Background(), f.req)
		if err != nil {
			t.Fatal(err)
		}
		if h, _ := jws.Parse(att, jws.Expect{Typ: TokenType}); h == nil || h.Header.Alg != keySuite.SignatureAlgorithm() {
			t.Fatalf("%s attestation header %+v", keySuite, h)
		}
		for _, platform := range suite.All() {
			v := Verifier{Trusted: map[string]jose.JSONWebKeySet{"devliveness": trusted["devliveness"]}, Threshold: 0.5, Suite: platform}
			_, err := v.Verify(att, f.want, t0.Add(time.Second))
			if platform == keySuite && err != nil {
				t.Errorf("%s attestation on %s: %v", keySuite, platform, err)
			}
			if platform != keySuite && !errors.Is(err, ErrUntrusted) {
				t.Errorf("%s attestation on %s: %v, want ErrUntrusted", keySuite, platform, err)
			}
		}
	}
}
