package wallet

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// platformSide are packages of the platform that the holder's wallet must
// not link: it speaks to the platform only through the HTTP API (package
// api) and the formats both sides share (credential, document, holder
// proofs).
var platformSide = []string{
	"internal/server", "internal/storage", "internal/proofing", "internal/lifecycle",
	"internal/verification", "internal/eidverify", "internal/holder", "internal/platform",
	"internal/oidc", "internal/audit", "internal/relyingparty", "internal/keys", "internal/status",
}

// walletSide are subpackages of those that the wallet may link.
var walletSide = []string{"internal/holder/proof", "internal/audit/treeproof"}

func TestWalletLinksNoPlatformSide(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const module = "github.com/netid-project/netid/"
	for _, dep := range strings.Fields(string(out)) {
		rel, ok := strings.CutPrefix(dep, module)
		if !ok {
			continue
		}
		if slices.Contains(walletSide, rel) {
			continue
		}
		for _, p := range platformSide {
			if rel == p || strings.HasPrefix(rel, p+"/") {
				t.Errorf("the wallet links %s", rel)
			}
		}
	}
}
