package relyingparty

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// suiteJWKS is the public key set of key (kid "s0", alg its algorithm), in
// the JWK form of its suite.
func suiteJWKS(t testing.TB, key *ecdsa.PrivateKey) json.RawMessage {
	t.Helper()
	alg, _ := jws.AlgorithmFor(&key.PublicKey)
	b, err := json.Marshal(jws.JWKS{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "s0", Algorithm: string(alg), Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A private_key_jwt client registers keys of the deployment's suite only
// (SM2 on sm, P-256 on es256), and its assertions, signed in its key's
// algorithm, authenticate only on a deployment of that suite.
func TestClientKeysOfSuite(t *testing.T) {
	ctx := context.Background()
	for _, keySuite := range suite.All() {
		key, err := keySuite.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		set := suiteJWKS(t, key)
		if _, err := ParseJWKS(set); err != nil {
			t.Fatalf("ParseJWKS(%s key): %v", keySuite, err)
		}
		for _, platform := range suite.All() {
			f := newFixture(t)
			f.registry.Suite, f.auth.Suite = platform, platform
			reg := Registration{
				ID: "sm.example", Name: "SM", Category: storage.CategoryInternetService,
				Domains: []string{"sm.example"}, AuthMethod: storage.AuthPrivateKeyJWT, JWKS: set,
			}
			_, _, err := f.registry.Register(ctx, reg)
			if keySuite != platform {
				if !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrJWKS) {
					t.Errorf("%s platform registered a %s key: %v", platform, keySuite, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s platform refused a %s key: %v", platform, keySuite, err)
			}
			tok, err := ClientAssertion(key, "s0", "sm.example", audience, f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			h, err := jws.Parse(tok, jws.Expect{Typ: "JWT"})
			if err != nil || h.Header.Alg != keySuite.SignatureAlgorithm() {
				t.Fatalf("assertion alg %v, %v", h, err)
			}
			if rp, err := f.auth.Authenticate(bearerRequest(tok), false); err != nil || rp.ID != "sm.example" {
				t.Fatalf("%s assertion on a %s platform: %v", keySuite, platform, err)
			}
			// The stored key set, read by a deployment of the other suite
			// (its data moved), authenticates nothing.
			other := map[bool]suite.Suite{true: suite.SM, false: suite.ES256}[platform == suite.ES256]
			f.auth.Suite = other
			tok, _ = ClientAssertion(key, "s0", "sm.example", audience, f.clock.Now())
			if _, err := f.auth.Authenticate(bearerRequest(tok), false); !errors.Is(err, ErrUnauthenticated) {
				t.Errorf("%s assertion on a %s authenticator: %v", keySuite, other, err)
			}
		}
	}
	// An SM2 key's JWK claiming ES256 is refused whatever the suite.
	sm, _ := suite.SM.GenerateKey(rand.Reader)
	bad := strings.Replace(string(suiteJWKS(t, sm)), `"alg":"SM2"`, `"alg":"ES256"`, 1)
	if _, err := ParseJWKS([]byte(bad)); !errors.Is(err, ErrJWKS) {
		t.Errorf("SM2 key for ES256: %v", err)
	}
}
