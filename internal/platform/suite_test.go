package platform_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"

	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/suite"
)

// TestOpenCoreSuite: a data directory created under one crypto suite opens
// again under it, with that suite's keys, sealer and indexer, opens under
// it for a tool that names none, and is refused under the other with a
// message naming the suite to use.
func TestOpenCoreSuite(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	for _, tc := range []struct {
		created, other suite.Suite
		overhead       int
	}{
		{suite.SM, suite.ES256, 81},
		{suite.ES256, suite.SM, keys.Overhead},
	} {
		dir := filepath.Join(root, tc.created.String())
		core, err := platform.OpenCore(ctx, coreConfig(t, dir, ""), platform.CoreOptions{Create: true, Suite: tc.created})
		if err != nil {
			t.Fatal(err)
		}
		signer, _ := core.Keys.Signer()
		if _, isSM2 := signer.(*sm2.PrivateKey); isSM2 != (tc.created == suite.SM) || core.Keys.Suite() != tc.created || core.Sealer.Overhead() != tc.overhead {
			t.Fatalf("%s: signer %T, suite %s, overhead %d", tc.created, signer, core.Keys.Suite(), core.Sealer.Overhead())
		}
		sealed, err := core.Sealer.Seal([]byte("110101199003077777"), []byte("person:p1:identity"))
		if err != nil {
			t.Fatal(err)
		}
		index := core.Indexer.Index("phone", "+8613800000000")
		core.Close()

		again, err := platform.OpenCore(ctx, coreConfig(t, dir, ""), platform.CoreOptions{Suite: tc.created})
		if err != nil {
			t.Fatalf("%s data reopened under %s: %v", tc.created, tc.created, err)
		}
		if pt, err := again.Sealer.Open(sealed, []byte("person:p1:identity")); err != nil || string(pt) != "110101199003077777" ||
			again.Indexer.Index("phone", "+8613800000000") != index {
			t.Fatalf("%s: reopened, the sealed value and the index are not the same: %v", tc.created, err)
		}
		again.Close()

		// A tool opening the data without naming a suite gets the recorded one.
		tool, err := platform.OpenCore(ctx, coreConfig(t, dir, ""), platform.CoreOptions{})
		if err != nil || tool.Keys.Suite() != tc.created {
			t.Fatalf("%s data opened without a suite: %v", tc.created, err)
		}
		tool.Close()

		for _, create := range []bool{false, true} {
			_, err = platform.OpenCore(ctx, coreConfig(t, dir, ""), platform.CoreOptions{Create: create, Suite: tc.other})
			if !errors.Is(err, keys.ErrSuite) || !strings.Contains(err.Error(), "--crypto-suite "+tc.created.String()) {
				t.Fatalf("%s data opened under %s (create %v): %v, want keys.ErrSuite naming %s", tc.created, tc.other, create, err, tc.created)
			}
		}
	}
}
