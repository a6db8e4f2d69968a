package holder_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/holder"
)

// FuzzVerify: any proof string is either accepted as the fixture's
// credential or rejected with one of the package's sentinels; Verify never
// panics. The seeds include a valid proof (signed with a key derived from a
// fixed label, so every fuzz worker verifies it) and variants of it.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	valid := fx.sign(f, fx.now)
	parts := strings.Split(valid, ".")
	typ := map[jose.HeaderKey]any{jose.HeaderType: holder.ProofType, "kid": credID}
	for _, seed := range []string{
		valid,
		"",
		"..",
		"a.b.c",
		parts[0] + "." + parts[1] + ".",
		parts[0] + ".." + parts[2],
		valid + ".",
		`{"protected":"` + parts[0] + `","payload":"` + parts[1] + `","signature":"` + parts[2] + `"}`,
		rawProof(f, fx.device, typ, []byte(`{"htm":"GET","htu":"`+testURL+`","iat":1e300,"jti":"x"}`)),
		rawProof(f, fx.device, typ, []byte(`{"htm":"GET","htu":"`+testURL+`","iat":-9223372036854775808,"jti":"x"}`)),
		rawProof(f, fx.device, typ, []byte(`[]`)),
		rawProof(f, fx.device, map[jose.HeaderKey]any{jose.HeaderType: holder.ProofType, "kid": 7}, claims("GET", testURL, fx.now, "x")),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, proof string) {
		fx := newFixture(t) // a fresh nonce store: a valid proof is never a replay
		h, err := fx.v.Verify(context.Background(), proof, "GET", testURL)
		if err == nil {
			if h.Credential.ID != credID || h.Person.ID != "person-1" {
				t.Fatalf("accepted as %+v", h)
			}
			return
		}
		if !errors.Is(err, holder.ErrUnauthenticated) && !errors.Is(err, holder.ErrInactive) && !errors.Is(err, holder.ErrReplay) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
