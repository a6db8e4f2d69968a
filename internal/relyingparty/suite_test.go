package relyingparty

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"slices"
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
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), otherSuiteKey(0, platform).Error()) {
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
	if _, err := ParseJWKS([]byte(bad)); !errors.Is(err, ErrJWKS) || !strings.Contains(err.Error(), `key 0 names alg "ES256", but it is a key for SM2`) {
		t.Errorf("SM2 key for ES256: %v", err)
	}
}

// A key of the other suite is refused on a deployment, by ParseJWKSFor,
// Register and Update, with a message naming the key and
// the algorithm the deployment's suite takes, whatever "alg" the key's
// JWK names: absent, its own, or (mislabelled) the deployment's.
func TestClientKeyOfOtherSuiteMessage(t *testing.T) {
	ctx := context.Background()
	want := map[suite.Name]string{
		suite.NameES256: "not an acceptable key set: key 0 is not a P-256 key (ES256), as the platform's crypto suite es256 requires",
		suite.NameSM:    "not an acceptable key set: key 0 is not an SM2 key (SM2), as the platform's crypto suite sm requires",
	}
	for _, platform := range suite.All() {
		other := suite.SM
		if platform == suite.SM {
			other = suite.ES256
		}
		key, err := other.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		own := string(suiteJWKS(t, key))
		ownAlg := `"alg":"` + string(other.SignatureAlgorithm()) + `"`
		for label, set := range map[string]string{
			"own alg":      own,
			"no alg":       strings.Replace(own, ownAlg+",", "", 1),
			"platform alg": strings.Replace(own, ownAlg, `"alg":"`+string(platform.SignatureAlgorithm())+`"`, 1),
		} {
			if set == own && label != "own alg" {
				t.Fatalf("%s: the set did not change: %s", label, set)
			}
			_, err := ParseJWKSFor([]byte(set), platform)
			if !errors.Is(err, ErrJWKS) || err.Error() != want[platform.Name()] {
				t.Errorf("%s platform, %s key with %s: ParseJWKSFor: %v", platform, other, label, err)
			}
			f := newFixture(t)
			f.registry.Suite, f.auth.Suite = platform, platform
			reg := Registration{
				ID: "other.example", Name: "Other", Category: storage.CategoryInternetService,
				Domains: []string{"other.example"}, AuthMethod: storage.AuthPrivateKeyJWT, JWKS: json.RawMessage(set),
			}
			_, _, err = f.registry.Register(ctx, reg)
			ve, ok := errors.AsType[*ValidationError](err)
			if !ok || len(ve.Problems) != 1 || ve.Problems[0] != "jwks: "+want[platform.Name()] {
				t.Errorf("%s platform, %s key with %s: Register: %v", platform, other, label, err)
			}
			_, err = f.registry.Update(ctx, jwtClient, func(r *Registration) error {
				r.JWKS = json.RawMessage(set)
				return nil
			})
			if ve, ok := errors.AsType[*ValidationError](err); !ok || !slices.Contains(ve.Problems, "jwks: "+want[platform.Name()]) {
				t.Errorf("%s platform, %s key with %s: Update: %v", platform, other, label, err)
			}
		}
	}
}
