package sqlstore

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzStringList checks that a string list survives the SQLite flavor's
// argument conversion then Scan exactly (empty as nil), or that the
// conversion refuses it, and that Scan of arbitrary stored text never
// panics. The list is the fuzzed string split on 0x1f.
func FuzzStringList(f *testing.F) {
	for _, seed := range []string{"", "a", "a\x1fb", "\x1f", `"q"\x1f[1]`, "身份\x1f", "\xff", "nul\x00", "[]", "null"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var in []string
		if s != "" {
			in = strings.Split(s, "\x1f")
		}
		args, err := sqliteFlavor.args([]any{in})
		valid := true
		for _, e := range in {
			if !utf8.ValidString(e) || strings.IndexByte(e, 0) >= 0 {
				valid = false
			}
		}
		if !valid {
			if !errors.Is(err, errBadListElement) {
				t.Fatalf("args(%q) error = %v, want errBadListElement", in, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("args(%q): %v", in, err)
		}
		var out []string
		if err := sqliteFlavor.dests([]any{&out})[0].(*listDest).Scan(args[0]); err != nil {
			t.Fatalf("Scan(args(%q)): %v", in, err)
		}
		if !reflect.DeepEqual(out, in) {
			t.Fatalf("round trip of %q = %q", in, out)
		}
		// Arbitrary stored text: an error or a list, never a panic, and
		// never an empty non-nil list.
		var arb []string
		if err := sqliteFlavor.dests([]any{&arb})[0].(*listDest).Scan(s); err == nil && arb != nil && len(arb) == 0 {
			t.Fatalf("Scan(%q) = empty non-nil list", s)
		}
	})
}
