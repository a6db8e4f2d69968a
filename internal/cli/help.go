package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/wallet"
)

// maxHelpLine bounds each help line printed from the platform's answer.
const maxHelpLine = 600

// problemHelp returns the operator's help a problem carries (the member
// api.ExtHelp on the problems a person cannot resolve alone), if err is
// such a problem.
func problemHelp(err error) (api.Help, bool) {
	ae, ok := errors.AsType[*wallet.APIError](err)
	if !ok {
		return api.Help{}, false
	}
	return helpMember(ae.Extensions[api.ExtHelp])
}

// helpMember reads a problem's help member as decoded from JSON.
func helpMember(v any) (api.Help, bool) {
	if v == nil {
		return api.Help{}, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return api.Help{}, false
	}
	var h api.Help
	if json.Unmarshal(b, &h) != nil || h == (api.Help{}) {
		return api.Help{}, false
	}
	return h, true
}

// printHelp prints the operator's help under a failure, one line each
// for the text, the hotline and the office finder, indented by indent.
// What the platform sent is printed without control characters, so that
// it cannot drive the terminal.
func printHelp(env Env, w io.Writer, indent string, h api.Help) {
	line := func(key i18n.Key, v string) {
		if v = terminalSafe(v); v != "" {
			fmt.Fprintln(w, indent+env.tr(key, v))
		}
	}
	line(i18n.KeyCLIHelpTitle, h.Text)
	line(i18n.KeyCLIHelpHotline, h.Hotline)
	line(i18n.KeyCLIHelpOffices, h.OfficesURL)
}

// terminalSafe makes s one line without control or format characters,
// at most maxHelpLine characters.
func terminalSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar:
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxHelpLine {
		s = string(r[:maxHelpLine]) + "…"
	}
	return s
}
