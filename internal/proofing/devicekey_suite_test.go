package proofing

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// A device key of the deployment's suite is accepted (SM2 on sm, P-256 on
// es256, and by default), the other suite's refused, and the stored form
// of an accepted key reads back.
func TestDeviceProofSuite(t *testing.T) {
	claims, _ := json.Marshal(map[string]any{"aud": fuzzIssuer, "nonce": fuzzNonce, "iat": fuzzNow.Unix()})
	keys := map[suite.Name]*ecdsa.PrivateKey{}
	for _, st := range suite.All() {
		k, err := st.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys[st.Name()] = k
	}
	for _, platform := range []suite.Suite{{}, suite.ES256, suite.SM} {
		s := &Service{Issuer: fuzzIssuer, Suite: platform}
		for name, key := range keys {
			proof, err := jws.SignWithJWK(key, credential.DeviceProofType, claims)
			if err != nil {
				t.Fatal(err)
			}
			dp, err := s.verifyDeviceProof(proof, fuzzNonce, fuzzNow)
			if name != platform.Or(suite.ES256).Name() {
				if !errors.Is(err, ErrDeviceProof) {
					t.Errorf("platform %q accepted a %s device key: %v", platform, name, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("platform %q refused a %s device key: %v", platform, name, err)
			}
			stored, err := jws.JWK(*dp.jwk).MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			_, pub, err := platform.Or(suite.ES256).ParsePublicJWK(stored)
			if err != nil || !pub.Equal(&key.PublicKey) {
				t.Fatalf("stored %s reads back %v", stored, err)
			}
			thumb, err := thumbprint(dp.jwk)
			want, _ := platform.Or(suite.ES256).KeyID(&key.PublicKey)
			if err != nil || thumb != want {
				t.Errorf("thumbprint %q, %v, want %q", thumb, err, want)
			}
		}
	}
}
