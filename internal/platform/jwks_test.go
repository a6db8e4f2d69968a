package platform_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/suite"
)

// TestJWKSRS256: /.well-known/jwks-rs256.json is the platform's JWKS
// reduced to its RS256 keys, on both suites; on an sm platform it is the
// one set go-jose reads whole (the full set holds SM2 keys, which it
// refuses).
func TestJWKSRS256(t *testing.T) {
	for _, st := range suite.All() {
		t.Run(string(st.Name()), func(t *testing.T) {
			e := newEnvOpt(t, "", func(c *config.Config) { c.CryptoSuite = string(st.Name()) }, platform.Options{})
			full := must(t, e.call("GET", "/.well-known/jwks.json", "", nil), http.StatusOK)
			if ct := full.header.Get("Content-Type"); ct != "application/jwk-set+json" {
				t.Errorf("jwks.json Content-Type %q", ct)
			}
			var all jws.JWKS
			if err := json.Unmarshal(full.body, &all); err != nil {
				t.Fatal(err)
			}
			r := must(t, e.call("GET", "/.well-known/jwks-rs256.json", "", nil), http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != "application/jwk-set+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var rs jose.JSONWebKeySet // go-jose itself, as an RS256 client reads it
			if err := json.Unmarshal(r.body, &rs); err != nil {
				t.Fatalf("go-jose does not read the RS256 set: %v\n%s", err, r.body)
			}
			var want []string
			for _, k := range all.Keys {
				if k.Algorithm == string(jose.RS256) {
					want = append(want, k.KeyID)
				}
			}
			if len(want) == 0 || len(rs.Keys) != len(want) {
				t.Fatalf("%d RS256 keys served, the full set has %d", len(rs.Keys), len(want))
			}
			for i, k := range rs.Keys {
				if k.KeyID != want[i] || k.Algorithm != string(jose.RS256) || !k.IsPublic() {
					t.Errorf("member %d: kid %s alg %s public %v", i, k.KeyID, k.Algorithm, k.IsPublic())
				}
			}
			var whole jose.JSONWebKeySet
			err := json.Unmarshal(full.body, &whole)
			if st == suite.SM && err == nil {
				t.Error("go-jose read the sm platform's full JWKS: the RS256 set would not be needed")
			}
			if st == suite.ES256 && err != nil {
				t.Errorf("go-jose does not read the es256 platform's JWKS: %v", err)
			}
		})
	}
}
