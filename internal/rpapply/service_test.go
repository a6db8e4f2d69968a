package rpapply

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/relyingparty"
)

// An applicant sends its client ID as client_id: the problems of a refused
// application name that field, not the registration's own name for it.
func TestCreateProblemsNameRequestFields(t *testing.T) {
	s := &Service{} // validation runs before any storage call
	_, _, err := s.Create(context.Background(), Request{ClientID: "-", Name: "商店"})
	ve, ok := errors.AsType[*relyingparty.ValidationError](err)
	if !ok {
		t.Fatalf("Create: %v, want a validation error", err)
	}
	var clientID, domains bool
	for _, p := range ve.Problems {
		if strings.HasPrefix(p, "id:") {
			t.Errorf("problem %q names the registration's field", p)
		}
		clientID = clientID || strings.HasPrefix(p, "client_id:")
		domains = domains || strings.HasPrefix(p, "domains:")
	}
	if !clientID || !domains {
		t.Errorf("problems %q: want client_id and domains named", ve.Problems)
	}
}
