package webwallet

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
	"regexp"
	"testing"
)

// TestVendoredChecksums: each vendored library's README records the
// sha256 of the file the pages load ("sha256 of <file>: <hex>"), and the
// embedded file has it: a changed or replaced library fails here until its
// README says what it now is.
func TestVendoredChecksums(t *testing.T) {
	readmes, err := fs.Glob(staticFiles, "static/vendor/*/README.md")
	if err != nil || len(readmes) < 3 {
		t.Fatalf("vendored libraries %v (%v)", readmes, err)
	}
	line := regexp.MustCompile(`(?m)^sha256 of (\S+): ([0-9a-f]{64})$`)
	for _, r := range readmes {
		b, err := fs.ReadFile(staticFiles, r)
		if err != nil {
			t.Fatal(err)
		}
		m := line.FindAllSubmatch(b, -1)
		if len(m) == 0 {
			t.Errorf("%s records no sha256", r)
		}
		for _, c := range m {
			f := path.Join(path.Dir(r), string(c[1]))
			data, err := fs.ReadFile(staticFiles, f)
			if err != nil {
				t.Errorf("%s names %s: %v", r, c[1], err)
				continue
			}
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != string(c[2]) {
				t.Errorf("%s has sha256 %x, its README says %s", f, sum, c[2])
			}
		}
	}
}
