package platform

import (
	"path/filepath"
	"testing"

	"github.com/netid-project/netid/internal/suite"
)

// The development authorities' keys are of the platform's suite: created,
// read back with the same kid, and refused by a platform of the other
// suite.
func TestDevKeySuite(t *testing.T) {
	for _, st := range suite.All() {
		path := filepath.Join(t.TempDir(), "dev", "liveness.key")
		key, kid, err := loadOrCreateKey(path, st)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := st.PublicKey(key.Public()); !ok {
			t.Fatalf("%s: made a %T", st, key.Public())
		}
		if want, _ := st.KeyID(key.Public()); kid != want {
			t.Fatalf("%s: kid %s, want %s", st, kid, want)
		}
		again, kid2, err := loadOrCreateKey(path, st)
		if err != nil || kid2 != kid {
			t.Fatalf("%s: read back %s, %v", st, kid2, err)
		}
		if _, ok := st.PublicKey(again.Public()); !ok {
			t.Fatalf("%s: read back a %T", st, again.Public())
		}
		other := map[bool]suite.Suite{true: suite.SM, false: suite.ES256}[st == suite.ES256]
		if _, _, err := loadOrCreateKey(path, other); err == nil {
			t.Errorf("a %s key file opened as %s", st, other)
		}
	}
}
