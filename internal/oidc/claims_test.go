package oidc_test

import (
	"errors"
	"testing"

	"github.com/netid-project/netid/internal/oidc"
)

// TestParseClaimsRequestStrict: the claims parameter goes through the
// strict decoder; unknown members are still ignored (Core §5.5), but a
// repeated member, which parsers would read differently, is refused.
func TestParseClaimsRequestStrict(t *testing.T) {
	for s, want := range map[string]error{
		`{"id_token":{"acr":{"essential":true}},"unknown":{"x":1}}`:                                    nil,
		`{"id_token":{"acr":{"essential":true}},"id_token":{}}`:                                        oidc.ErrInvalidRequest,
		`{"id_token":{"acr":{"essential":true},"ACR":null}}`:                                           oidc.ErrInvalidRequest,
		`{"userinfo":{"age_over_18":null}} {}`:                                                         oidc.ErrInvalidRequest,
		`{"id_token":{"acr":{"values":["urn:netid:acr:face"],"values":["urn:netid:acr:possession"]}}}`: oidc.ErrInvalidRequest,
	} {
		_, err := oidc.ParseClaimsRequest(s)
		if !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("ParseClaimsRequest(%s) = %v, want %v", s, err, want)
		}
	}
}
