package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
)

// netid wallet approve shows the relying party's other way in for people
// without a 网号, in the command's language (Chinese by default), and
// nothing of the kind when it named none.
func TestPrintRequestAlternative(t *testing.T) {
	p := api.Prompt{RelyingParty: api.PromptRelyingParty{Name: "示例银行", Domains: []string{"bank.example"},
		Alternative: &api.Alternative{URL: "https://bank.example/branches", Text: "到网点柜台办理"}}, Purpose: "开户"}
	for _, tc := range []struct {
		env  Env
		want string
	}{
		{Env{}, "  不用网号也可以：到网点柜台办理 · https://bank.example/branches\n"},
		{Env{Lang: i18n.English}, "  without a network ID: 到网点柜台办理 · https://bank.example/branches\n"},
	} {
		var out bytes.Buffer
		tc.env.Stdout = &out
		printRequest(tc.env, p)
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("%v: %q, want %q in it", tc.env.Lang, out.String(), tc.want)
		}
	}
	p.RelyingParty.Alternative = &api.Alternative{Text: "到网点柜台办理"}
	var out bytes.Buffer
	printRequest(Env{Stdout: &out}, p)
	if !strings.Contains(out.String(), "  不用网号也可以：到网点柜台办理\n") {
		t.Errorf("a description alone: %q", out.String())
	}
	p.RelyingParty.Alternative = nil
	out.Reset()
	printRequest(Env{Stdout: &out}, p)
	if strings.Contains(out.String(), "不用网号") {
		t.Errorf("no other way in: %q", out.String())
	}
}
