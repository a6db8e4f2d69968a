package guardian

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// An authority's SM2 key attests and its trust list file loads; its
// attestations verify on an sm deployment only, a P-256 authority's on
// es256 only.
func TestSuiteKeys(t *testing.T) {
	claim := Claim{Guardian: "guardian-ref", ChildRef: "child-ref", Relationship: "parent"}
	for _, keySuite := range suite.All() {
		key, err := keySuite.GenerateSigningKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		a := Authority{Issuer: issuer, Key: key}
		want, _ := keySuite.KeyID(key.Public())
		if set := a.JWKS(); len(set.Keys) != 1 || set.Keys[0].KeyID != want {
			t.Fatalf("%s JWKS %+v, want kid %s", keySuite, set, want)
		}
		dir := t.TempDir()
		b, err := json.Marshal(jws.JWKS(a.JWKS()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, url.PathEscape(issuer)+".json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		trusted, err := LoadTrust(dir)
		if err != nil {
			t.Fatalf("%s trust list: %v", keySuite, err)
		}
		tok, err := a.Attest(claim, now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for _, platform := range suite.All() {
			v := &JWSVerifier{Trusted: trusted, Suite: platform}
			err := v.Verify(context.Background(), tok, claim, now)
			if platform == keySuite && err != nil {
				t.Errorf("%s attestation on %s: %v", keySuite, platform, err)
			}
			if platform != keySuite && !errors.Is(err, ErrUntrusted) {
				t.Errorf("%s attestation on %s: %v, want ErrUntrusted", keySuite, platform, err)
			}
		}
	}
}
