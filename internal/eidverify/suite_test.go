package eidverify

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// A credential's device key is a key of the deployment's suite: an SM2
// device key's payload verifies on an sm platform, and is refused on an
// es256 one; a P-256 key's the reverse.
func TestDeviceKeySuite(t *testing.T) {
	rp := inPerson("hotel1", "hotel: x", allClaims...)
	for _, keySuite := range suite.All() {
		for _, platform := range suite.All() {
			f := newFixture(t, document.Date{Year: 1990, Month: 5, Day: 17})
			key, err := keySuite.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			jwk, err := jws.JWK{Key: &key.PublicKey}.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			c := f.store.creds[f.cid]
			c.DeviceKey = jwk
			f.store.creds[f.cid] = c
			f.key = key
			f.svc.Suite = platform
			_, err = f.svc.Verify(context.Background(), rp, f.payload(t, f.now))
			if platform == keySuite {
				if err != nil {
					t.Errorf("%s key on %s platform: %v", keySuite, platform, err)
				}
			} else if !errors.Is(err, ErrSignature) {
				t.Errorf("%s key on %s platform: %v, want ErrSignature", keySuite, platform, err)
			}
		}
	}
}
