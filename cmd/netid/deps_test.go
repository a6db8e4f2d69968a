package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestProductLinksNoLoadGenerator: the product binary links neither the
// load generator nor the demo (cmd/netid-load and cmd/netid-demo do).
func TestProductLinksNoLoadGenerator(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if errors.Is(err, exec.ErrNotFound) {
		t.Skip("the go command is not found")
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(goCmd, "list", "-deps", "github.com/netid-project/netid/cmd/netid").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed %d packages: %q", len(deps), out)
	}
	for _, d := range deps {
		for _, banned := range []string{"github.com/tsenart/vegeta", "/internal/loadgen", "/internal/demo", "/internal/devplatform"} {
			if strings.Contains(d, banned) {
				t.Errorf("cmd/netid links %s", d)
			}
		}
	}
}
