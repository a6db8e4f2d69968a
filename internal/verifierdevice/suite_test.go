package verifierdevice

import (
	"crypto/rand"
	"errors"
	"testing"

	"github.com/netid-project/netid/internal/suite"
)

// A terminal enrols with a key of the deployment's suite only (SM2 on sm,
// P-256 on es256) and then authenticates its requests with it.
func TestEnrolSuite(t *testing.T) {
	for _, keySuite := range suite.All() {
		for _, platform := range suite.All() {
			e := newEnv(t)
			e.s.Suite = platform
			a, err := e.s.Add(t.Context(), "hotel", "前台")
			if err != nil {
				t.Fatal(err)
			}
			k, err := keySuite.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			p, err := EnrolProof(k, a.Code, issuer, e.now)
			if err != nil {
				t.Fatal(err)
			}
			d, err := e.s.Enrol(t.Context(), p)
			if keySuite != platform {
				if !errors.Is(err, ErrCode) {
					t.Errorf("%s platform enrolled a %s key: %v", platform, keySuite, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s platform refused a %s key: %v", platform, keySuite, err)
			}
			url := issuer + "/v1/eid/verify"
			proof, err := Sign(k, d.ID, "POST", url, nil, e.now)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.Authenticate(t.Context(), proof, "POST", url, nil); err != nil {
				t.Fatalf("%s device's request: %v", keySuite, err)
			}
		}
	}
}
