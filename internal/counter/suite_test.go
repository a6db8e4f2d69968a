package counter_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/internal/counter"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// A counter registers a key of the deployment's suite only, as a JWK or a
// PEM public key, and its submissions verify only on that suite; a
// counter registered before under the other suite is refused at Verify.
func TestCounterKeySuite(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_760_000_000, 0)
	for _, keySuite := range suite.All() {
		k, err := keySuite.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		jwk, err := jws.JWK{Key: &k.PublicKey}.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		der, err := smx509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		for form, key := range map[string][]byte{"JWK": jwk, "PEM": pemOf("PUBLIC KEY", der)} {
			for _, platform := range suite.All() {
				f := newFake()
				reg := &counter.Registry{Store: f, Now: func() time.Time { return now }, Suite: platform}
				_, err := reg.Add(ctx, counter.Registration{ID: "desk-1", Name: "desk", Kind: counter.KindPoliceStation, LegalBasis: "law", Key: key})
				if keySuite != platform {
					var ve *counter.ValidationError
					if !errors.As(err, &ve) {
						t.Errorf("%s platform registered a %s %s key: %v", platform, keySuite, form, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s platform refused a %s %s key: %v", platform, keySuite, form, err)
				}
				tok, err := counter.Sign(k, claims("desk-1", now))
				if err != nil {
					t.Fatal(err)
				}
				v := &counter.Verifier{Store: f, Issuer: issuer, Now: func() time.Time { return now }, Suite: platform}
				other := &counter.Verifier{Store: f, Issuer: issuer, Now: func() time.Time { return now }, Suite: map[bool]suite.Suite{true: suite.SM, false: suite.ES256}[platform == suite.ES256]}
				if _, err := other.Verify(ctx, tok); !errors.Is(err, counter.ErrBadSignature) {
					t.Errorf("a %s counter's submission on the other suite: %v", keySuite, err)
				}
				if _, err := v.Verify(ctx, tok); err != nil {
					t.Errorf("%s %s counter's submission: %v", keySuite, form, err)
				}
			}
		}
	}
}
