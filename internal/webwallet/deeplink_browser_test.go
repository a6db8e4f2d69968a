package webwallet

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/deeplink"
)

// jsLink is what static/deeplink.js's parse gives for a link.
type jsLink struct {
	OK       bool   `json:"ok"`
	Err      string `json:"err"`
	Action   string `json:"action"`
	Platform string `json:"platform"`
	Code     string `json:"code"`
}

const linkCode = "k3J9_xQ2-pZ7vB1m"

// goodLinks are links deeplink.Parse takes; the page must take them too.
func goodLinks() []string {
	var out []string
	for _, platform := range []string{
		"https://netid.example", "https://netid.example/wallet", "https://netid.example/a/wallet/verify",
		"https://xn--fiq228c.example/~user/a-b_c", "https://192.0.2.7", "https://[2001:db8::1]:443",
		"http://localhost:8080", "http://127.0.0.1", "http://127.255.0.1:1", "http://[::1]:65535", "https://a",
		"https://id.gov.example:8443/netid/v1",
	} {
		for _, code := range []string{linkCode, strings.Repeat("Az09_-", 22)[:deeplink.MaxCodeLen]} {
			l := deeplink.Link{Action: deeplink.ActionVerify, Platform: platform, Code: code}
			out = append(out, l.String(), l.HTTPS())
		}
	}
	return append(out,
		"netid://verify?code="+linkCode+"&platform=https%3A%2F%2Fnetid.example",
		"netid://verify?platform=https://netid.example&code="+linkCode,
		"netid://verify?platform=https%3a%2f%2fnetid.example&code="+linkCode,
		"netid://verify?platform=https%3A%2F%2Fnetid.example&code=%6B"+linkCode[1:],
	)
}

// badLinks are links deeplink.Parse refuses.
func badLinks() []string {
	const p = "platform=https%3A%2F%2Fnetid.example"
	ok := "netid://verify?" + p + "&code=" + linkCode
	plat := func(platform string) string {
		return "netid://verify?platform=" + strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "+", "%2B").Replace(platform) + "&code=" + linkCode
	}
	out := []string{
		"", ok + "&" + strings.Repeat("x", deeplink.MaxLen), "netids://verify?" + p + "&code=" + linkCode,
		"NETID://verify?" + p + "&code=" + linkCode, "netid:verify?" + p + "&code=" + linkCode,
		"ftp://netid.example/wallet/verify?code=" + linkCode, " " + ok, ok + "\n", ok + "#x", ok + "#",
		"netid://eid?" + p + "&code=" + linkCode, "netid://VERIFY?" + p + "&code=" + linkCode,
		"netid://?" + p + "&code=" + linkCode, "netid://verify/?" + p + "&code=" + linkCode,
		"netid://verify:1?" + p + "&code=" + linkCode, "netid://u@verify?" + p + "&code=" + linkCode,
		"netid://%76erify?" + p + "&code=" + linkCode, "netid://verify", "netid://verify?",
		"netid://verify?" + p, "netid://verify?code=" + linkCode, ok + "&x=1", "netid://verify?" + p + "&CODE=" + linkCode,
		ok + "&code=" + linkCode, ok + "&" + p, "netid://verify?" + p + "&&code=" + linkCode, ok + "&", ok + "&code",
		"netid://verify?" + p + ";code=" + linkCode, "netid://verify?" + p + "&code=%zz" + linkCode,
		"netid://verify?" + p + "&%63ode=" + linkCode, "netid://verify?" + p + "&code=",
		"netid://verify?" + p + "&code=" + linkCode[:15], "netid://verify?" + p + "&code=" + strings.Repeat("a", 129),
		"netid://verify?" + p + "&code=" + linkCode[:15] + ".", "netid://verify?" + p + "&code=" + linkCode[:15] + "+",
		"netid://verify?" + p + "&code=" + linkCode[:15] + "%20", "netid://verify?" + p + "&code=" + linkCode[:14] + "é",
		"netid://verify?" + p + "&code=" + linkCode + "%00",
		// The https form.
		"https://netid.example/wallet/verify?code=" + linkCode + "&platform=https%3A%2F%2Fnetid.example",
		"https://netid.example/wallet/verify?code=" + linkCode + "#",
		"https://u@netid.example/wallet/verify?code=" + linkCode,
		"https://netid.example/wallet/verify/?code=" + linkCode,
		"https://netid.example/verify?code=" + linkCode,
		"https://netid.example//wallet/verify?code=" + linkCode,
		"https://NETID.example/wallet/verify?code=" + linkCode,
		"http://netid.example/wallet/verify?code=" + linkCode,
		"https://netid.example/wallet/eid?code=" + linkCode,
		"https://netid.example/wallet/verify?code=" + linkCode + "&code=" + linkCode,
		"https://netid.example/wallet/verify",
		"https://netid.example/%77allet/verify?code=" + linkCode,
	}
	for _, platform := range []string{
		"", "netid.example", "//netid.example", "http://netid.example", "http://10.0.0.1", "http://localhost.evil.example",
		"http://0.0.0.0", "ftp://netid.example", "netid://netid.example", "HTTPS://netid.example", "https://NetID.example",
		"https://网证.example", "https://netid%2Eexample", "https://u@netid.example", "https://u:p@netid.example",
		"https://netid.example?a=b", "https://netid.example?", "https://netid.example#a", "https://netid.example#",
		"https://netid.example/", "https://netid.example/a/", "https://netid.example//a", "https://netid.example/./a",
		"https://netid.example/a/..", "https://netid.example/%7Ea", "https://netid.example/a%2Fb", "https://netid.example/a%c3%a9",
		"https://netid.example/a b", "https://", "https:///a", "https:netid.example", "https://netid.example:",
		"https://netid.example:0", "https://netid.example:65536", "https://netid.example:0443", "https://netid.example.",
		"https://netid..example", "https://-netid.example", "https://net_id.example", "https://" + strings.Repeat("a", 64) + ".example",
		"https://127.1", "https://0x7f000001", "https://127.000.0.1", "https://[2001:DB8::1]", "http://[fe80::1%25eth0]",
		"http://[::ffff:127.0.0.1]", "http://::1", "http://[127.0.0.1]", `https://netid.example\@evil.example`,
		"https://netid.example/" + strings.Repeat("a", deeplink.MaxLen),
	} {
		out = append(out, plat(platform))
	}
	return out
}

// mutations are links made from good ones by changing, adding or
// removing a character, most of them invalid: the page must take none
// that Go refuses.
func mutations(good []string, n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "azAZ09-_.~:/?#&=%+@[]\\ 2Fé"
	chars := []rune(alphabet)
	var out []string
	for range n {
		s := []rune(good[r.IntN(len(good))])
		i := r.IntN(len(s) + 1)
		c := chars[r.IntN(len(chars))]
		switch r.IntN(3) {
		case 0:
			s = append(s[:i], append([]rune{c}, s[i:]...)...)
		case 1:
			if i < len(s) {
				s[i] = c
			}
		case 2:
			if i < len(s) {
				s = append(s[:i], s[i+1:]...)
			}
		}
		out = append(out, string(s))
	}
	return out
}

// TestDeeplinkJSAgreesWithGo: static/deeplink.js takes every good link
// of the table and reads it as deeplink.Parse does, refuses every bad
// one, and, over thousands of near-misses, takes none that Go refuses
// and reads alike every one it takes.
func TestDeeplinkJSAgreesWithGo(t *testing.T) {
	bctx := browsertest.New(t)
	ts := jsTestServer(t, "deeplink.js")
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/jstest/"), chromedp.Poll[chromedp.Void](`document.title === "ready"`)); err != nil {
		t.Fatalf("loading deeplink.js: %v", err)
	}
	parseAll := func(links []string) []jsLink {
		t.Helper()
		in, err := json.Marshal(links)
		if err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]jsLink](`(`+string(in)+`).map((s) => {
			try { const l = window.mod.parse(s); return { ok: true, ...l }; }
			catch (e) { return { ok: false, err: e.name + ": " + e.message }; }
		})`))
		if err != nil || len(got) != len(links) {
			t.Fatalf("parsing in the page: %v (%d answers)", err, len(got))
		}
		return got
	}
	good := goodLinks()
	for i, g := range parseAll(good) {
		want, err := deeplink.Parse(good[i])
		if err != nil {
			t.Fatalf("the table's good link %q does not parse in Go: %v", good[i], err)
		}
		if !g.OK || g.Action != want.Action || g.Platform != want.Platform || g.Code != want.Code {
			t.Errorf("%q: the page reads %+v, Go %+v", good[i], g, want)
		}
	}
	bad := badLinks()
	for i, g := range parseAll(bad) {
		if _, err := deeplink.Parse(bad[i]); err == nil {
			t.Fatalf("the table's bad link %q parses in Go", bad[i])
		}
		if g.OK {
			t.Errorf("%q: the page takes it as %+v; Go refuses it", bad[i], g)
		}
	}
	near := mutations(good, 5000)
	taken := 0
	for i, g := range parseAll(near) {
		want, err := deeplink.Parse(near[i])
		switch {
		case g.OK && err != nil:
			t.Errorf("%q: the page takes it as %+v; Go refuses it: %v", near[i], g, err)
		case g.OK && (g.Action != want.Action || g.Platform != want.Platform || g.Code != want.Code):
			t.Errorf("%q: the page reads %+v, Go %+v", near[i], g, want)
		case g.OK:
			taken++
		}
	}
	t.Logf("of %d near-misses the page took %d, each as Go reads it", len(near), taken)
}
