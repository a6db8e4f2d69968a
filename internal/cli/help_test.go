package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/wallet"
)

// The operator's help a problem carries is printed under it, one line
// each, in the command's language; what the platform sent cannot drive
// the terminal; a problem without it, or with a member of the wrong shape,
// prints nothing.
func TestPrintHelp(t *testing.T) {
	problem := func(help any) error {
		ext := map[string]any{}
		if help != nil {
			ext[api.ExtHelp] = help
		}
		return fmt.Errorf("resuming: %w", &wallet.APIError{Status: 403, Type: "https://netid.dev/problems/operator-suspension", Title: "x", Extensions: ext})
	}
	decoded := map[string]any{"text": "请拨打\x1b[2J服务热线。\n谢谢", "hotline": "12345", "offices_url": "https://gov.example/offices\u202e"}
	h, ok := problemHelp(problem(decoded))
	if !ok {
		t.Fatal("no help read from the problem")
	}
	var out bytes.Buffer
	printHelp(Env{Lang: i18n.Chinese}, &out, "  ", h)
	want := "  需要帮助：请拨打[2J服务热线。 谢谢\n  服务热线：12345\n  服务网点：https://gov.example/offices\n"
	if out.String() != want {
		t.Errorf("printed %q\nwant    %q", out.String(), want)
	}
	out.Reset()
	printHelp(Env{Lang: i18n.English}, &out, "", api.Help{Hotline: "12345"})
	if out.String() != "Hotline: 12345\n" {
		t.Errorf("English: %q", out.String())
	}
	for _, bad := range []any{nil, "call us", 42, []any{"x"}, map[string]any{}, map[string]any{"text": 7}} {
		if h, ok := problemHelp(problem(bad)); ok {
			t.Errorf("help %v read as %+v", bad, h)
		}
	}
	if _, ok := problemHelp(fmt.Errorf("not a problem")); ok {
		t.Error("help read from an error that is no problem")
	}
}

func FuzzTerminalSafe(f *testing.F) {
	for _, s := range []string{"请拨打 12345。", "a\x1b]52;c;ZXZpbA==\x07b", "\u202e\u200b\r\n\t", strings.Repeat("帮", maxHelpLine+3)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := terminalSafe(s)
		if strings.ContainsFunc(out, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
			t.Fatalf("terminalSafe(%q) = %q holds control characters", s, out)
		}
		if n := len([]rune(out)); n > maxHelpLine+1 {
			t.Fatalf("terminalSafe gave %d characters", n)
		}
		if out != strings.TrimSpace(out) || strings.Contains(out, "  ") {
			t.Fatalf("terminalSafe(%q) = %q is not one tidy line", s, out)
		}
	})
}
