package help_test

import (
	"testing"

	"github.com/netid-project/netid/internal/help"
	"github.com/netid-project/netid/internal/httpx"
	_ "github.com/netid-project/netid/internal/server" // declares the platform's problem types
)

// TestNeededAreProblemTypes: every problem type help is offered under is
// one the platform declares (a typo would silently offer nothing).
func TestNeededAreProblemTypes(t *testing.T) {
	declared := map[string]bool{}
	for _, ty := range httpx.Types() {
		declared[ty.Slug] = true
	}
	for _, s := range help.Slugs() {
		if !declared[s] {
			t.Errorf("help is offered under %q, which is no declared problem type", s)
		}
	}
	for _, s := range []string{"password-locked", "operator-suspension", "document-expired", "eid-credential-suspended", "eid-credential-expired"} {
		if !help.Needed(s) {
			t.Errorf("no help under %s", s)
		}
	}
	if help.Needed("wrong-password") {
		t.Error("help under a problem a person resolves alone")
	}
}
