package platform_test

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/credential"
)

// statusRef is the status list reference of an issued SD-JWT.
func statusRef(t testing.TB, sdjwt string) credential.Status {
	t.Helper()
	c, err := credential.DecodeUnverified(sdjwt)
	if err != nil {
		t.Fatal(err)
	}
	return c.Claims.Status
}

// TestStatusIndicesNotInIssuanceOrder issues 64 credentials one after the
// other and checks that their status list indices are not in issuance
// order. Drawn uniformly at random, 64 distinct indices come out in
// increasing order with probability 1/64! < 10^-89, and in decreasing
// order with the same probability: the test cannot fail by chance. Indices
// handed out in sequence (which reveal the order and volume of issuance)
// always fail it.
func TestStatusIndicesNotInIssuanceOrder(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		const n = 64
		var indices []int64
		seen := map[int64]bool{}
		for range n {
			h := e.apply(adult(t))
			st := statusRef(t, h.credential)
			if !strings.HasSuffix(st.URI, "/status/1") {
				t.Fatalf("status list %s, want the first list", st.URI)
			}
			if seen[st.Index] {
				t.Fatalf("status index %d handed out twice", st.Index)
			}
			seen[st.Index] = true
			indices = append(indices, st.Index)
		}
		if slices.IsSorted(indices) {
			t.Fatalf("status indices follow the issuance order: %v", indices)
		}
		if slices.IsSortedFunc(indices, func(a, b int64) int { return int(b - a) }) {
			t.Fatalf("status indices follow the reverse issuance order: %v", indices)
		}
	})
}

// TestPresentationCarriesNoCredentialID checks that nothing a relying
// party receives holds the platform's credential ID: neither the
// issuer-signed JWT nor the key-binding JWT, in any claim.
func TestPresentationCarriesNoCredentialID(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	p, err := credential.Present(h.credential, []string{"age_over_18"}, h.key, "https://shop.example", "n-1", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p, h.credentialID) {
		t.Fatal("the presentation holds the credential ID")
	}
	for i, part := range strings.Split(p, "~") {
		for _, seg := range strings.Split(part, ".") {
			b, err := base64.RawURLEncoding.DecodeString(seg)
			if err != nil {
				continue
			}
			if strings.Contains(string(b), h.credentialID) {
				t.Fatalf("part %d of the presentation holds the credential ID: %s", i, b)
			}
			var claims map[string]any
			if json.Unmarshal(b, &claims) == nil {
				if _, ok := claims["jti"]; ok {
					t.Fatalf("part %d of the presentation carries a jti: %s", i, b)
				}
			}
		}
	}
	c, err := credential.VerifyPresentation(p, credential.PresentationOptions{
		Keys: e.jwks(), Audience: "https://shop.example", Nonce: "n-1", Now: e.clock.Now(), MaxKBAge: time.Minute,
	})
	if err != nil {
		t.Fatalf("the presentation does not verify: %v", err)
	}
	if c.Claims.ID != "" {
		t.Fatalf("the verifier sees a credential ID %q", c.Claims.ID)
	}
}
