package deeplink

import (
	"errors"
	"strings"
	"testing"
)

const code = "k3J9_xQ2-pZ7vB1m" // 16 characters, the shortest valid code

func TestStringAndHTTPS(t *testing.T) {
	for _, tc := range []struct {
		link         Link
		netid, https string
	}{
		{
			Link{ActionVerify, "https://netid.example", code},
			"netid://verify?platform=https%3A%2F%2Fnetid.example&code=" + code,
			"https://netid.example/wallet/verify?code=" + code,
		},
		{
			Link{ActionVerify, "https://id.gov.example:8443/netid/v1", code},
			"netid://verify?platform=https%3A%2F%2Fid.gov.example%3A8443%2Fnetid%2Fv1&code=" + code,
			"https://id.gov.example:8443/netid/v1/wallet/verify?code=" + code,
		},
		{
			Link{ActionVerify, "http://127.0.0.1:8080", code},
			"netid://verify?platform=http%3A%2F%2F127.0.0.1%3A8080&code=" + code,
			"http://127.0.0.1:8080/wallet/verify?code=" + code,
		},
	} {
		if got := tc.link.String(); got != tc.netid {
			t.Errorf("String() = %q, want %q", got, tc.netid)
		}
		if got := tc.link.HTTPS(); got != tc.https {
			t.Errorf("HTTPS() = %q, want %q", got, tc.https)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, l := range []Link{
		{ActionVerify, "https://netid.example", code},
		{ActionVerify, "https://netid.example", strings.Repeat("Az09_-", 22)[:MaxCodeLen]},
		{ActionVerify, "https://netid.example/wallet", code},
		{ActionVerify, "https://netid.example/a/wallet/verify", code},
		{ActionVerify, "https://xn--fiq228c.example/~user/a-b_c", code},
		{ActionVerify, "https://192.0.2.7", code},
		{ActionVerify, "https://[2001:db8::1]:443", code},
		{ActionVerify, "http://localhost:8080", code},
		{ActionVerify, "http://127.0.0.1", code},
		{ActionVerify, "http://127.255.0.1:1", code},
		{ActionVerify, "http://[::1]:65535", code},
		{ActionVerify, "https://a", code},
	} {
		if err := l.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", l, err)
			continue
		}
		for _, s := range []string{l.String(), l.HTTPS()} {
			got, err := Parse(s)
			if err != nil {
				t.Errorf("Parse(%q): %v", s, err)
			} else if got != l {
				t.Errorf("Parse(%q) = %+v, want %+v", s, got, l)
			}
		}
	}
}

// TestParseAccepts covers spellings String does not write but Parse takes.
func TestParseAccepts(t *testing.T) {
	want := Link{ActionVerify, "https://netid.example", code}
	for _, s := range []string{
		"netid://verify?code=" + code + "&platform=https%3A%2F%2Fnetid.example",
		"netid://verify?platform=https://netid.example&code=" + code,
		"netid://verify?platform=https%3a%2f%2fnetid.example&code=" + code,
		"netid://verify?platform=https%3A%2F%2Fnetid.example&code=%6B" + code[1:], // 'k' escaped
	} {
		got, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		} else if got != want {
			t.Errorf("Parse(%q) = %+v, want %+v", s, got, want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	const p = "platform=https%3A%2F%2Fnetid.example"
	ok := "netid://verify?" + p + "&code=" + code
	if _, err := Parse(ok); err != nil {
		t.Fatalf("the base case does not parse: %v", err)
	}
	plat := func(platform string) string {
		return "netid://verify?platform=" + strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "+", "%2B").Replace(platform) + "&code=" + code
	}
	for _, tc := range []struct {
		name, s string
		want    error
	}{
		// The link as a whole.
		{"empty", "", ErrInvalid},
		{"too long", ok + "&" + strings.Repeat("x", MaxLen), ErrInvalid},
		{"other scheme", "netids://verify?" + p + "&code=" + code, ErrInvalid},
		{"upper-case scheme", "NETID://verify?" + p + "&code=" + code, ErrInvalid},
		{"scheme without slashes", "netid:verify?" + p + "&code=" + code, ErrInvalid},
		{"ftp", "ftp://netid.example/wallet/verify?code=" + code, ErrInvalid},
		{"leading space", " " + ok, ErrInvalid},
		{"trailing newline", ok + "\n", ErrInvalid},
		{"fragment", ok + "#x", ErrInvalid},
		{"empty fragment", ok + "#", ErrInvalid},

		// The action.
		{"unknown action", "netid://eid?" + p + "&code=" + code, ErrUnknownAction},
		{"upper-case action", "netid://VERIFY?" + p + "&code=" + code, ErrInvalid},
		{"empty action", "netid://?" + p + "&code=" + code, ErrInvalid},
		{"action with path", "netid://verify/?" + p + "&code=" + code, ErrInvalid},
		{"action with port", "netid://verify:1?" + p + "&code=" + code, ErrInvalid},
		{"action with userinfo", "netid://u@verify?" + p + "&code=" + code, ErrInvalid},
		{"escaped action", "netid://%76erify?" + p + "&code=" + code, ErrInvalid},

		// The query.
		{"no query", "netid://verify", ErrInvalid},
		{"empty query", "netid://verify?", ErrInvalid},
		{"missing code", "netid://verify?" + p, ErrInvalid},
		{"missing platform", "netid://verify?code=" + code, ErrInvalid},
		{"unknown parameter", ok + "&x=1", ErrInvalid},
		{"upper-case parameter", "netid://verify?" + p + "&CODE=" + code, ErrInvalid},
		{"repeated code", ok + "&code=" + code, ErrInvalid},
		{"repeated platform", ok + "&" + p, ErrInvalid},
		{"empty piece", "netid://verify?" + p + "&&code=" + code, ErrInvalid},
		{"trailing ampersand", ok + "&", ErrInvalid},
		{"piece without =", ok + "&code", ErrInvalid},
		{"semicolon", "netid://verify?" + p + ";code=" + code, ErrInvalid},
		{"bad escape", "netid://verify?" + p + "&code=%zz" + code, ErrInvalid},
		{"escaped parameter name", "netid://verify?" + p + "&%63ode=" + code, ErrInvalid},

		// The code.
		{"empty code", "netid://verify?" + p + "&code=", ErrInvalid},
		{"short code", "netid://verify?" + p + "&code=" + code[:MinCodeLen-1], ErrInvalid},
		{"long code", "netid://verify?" + p + "&code=" + strings.Repeat("a", MaxCodeLen+1), ErrInvalid},
		{"code with dot", "netid://verify?" + p + "&code=" + code[:15] + ".", ErrInvalid},
		{"code with plus", "netid://verify?" + p + "&code=" + code[:15] + "+", ErrInvalid},
		{"code with escaped space", "netid://verify?" + p + "&code=" + code[:15] + "%20", ErrInvalid},
		{"code with non-ASCII", "netid://verify?" + p + "&code=" + code[:14] + "é", ErrInvalid},
		{"code with NUL", "netid://verify?" + p + "&code=" + code + "%00", ErrInvalid},

		// The platform.
		{"empty platform", plat(""), ErrInvalid},
		{"relative platform", plat("netid.example"), ErrInvalid},
		{"scheme-relative platform", plat("//netid.example"), ErrInvalid},
		{"http platform", plat("http://netid.example"), ErrInvalid},
		{"http on a private address", plat("http://10.0.0.1"), ErrInvalid},
		{"http on a loopback-looking name", plat("http://localhost.evil.example"), ErrInvalid},
		{"http on 0.0.0.0", plat("http://0.0.0.0"), ErrInvalid},
		{"ftp platform", plat("ftp://netid.example"), ErrInvalid},
		{"netid platform", plat("netid://netid.example"), ErrInvalid},
		{"upper-case scheme", plat("HTTPS://netid.example"), ErrInvalid},
		{"upper-case host", plat("https://NetID.example"), ErrInvalid},
		{"unicode host", plat("https://网证.example"), ErrInvalid},
		{"escaped host", plat("https://netid%2Eexample"), ErrInvalid},
		{"userinfo", plat("https://u@netid.example"), ErrInvalid},
		{"userinfo with password", plat("https://u:p@netid.example"), ErrInvalid},
		{"query", plat("https://netid.example?a=b"), ErrInvalid},
		{"empty query", plat("https://netid.example?"), ErrInvalid},
		{"fragment", plat("https://netid.example#a"), ErrInvalid},
		{"empty fragment", plat("https://netid.example#"), ErrInvalid},
		{"trailing slash", plat("https://netid.example/"), ErrInvalid},
		{"path with trailing slash", plat("https://netid.example/a/"), ErrInvalid},
		{"empty segment", plat("https://netid.example//a"), ErrInvalid},
		{"dot segment", plat("https://netid.example/./a"), ErrInvalid},
		{"dot-dot segment", plat("https://netid.example/a/.."), ErrInvalid},
		{"non-canonical escape", plat("https://netid.example/%7Ea"), ErrInvalid},
		{"escaped slash", plat("https://netid.example/a%2Fb"), ErrInvalid},
		{"lower-case escape", plat("https://netid.example/a%c3%a9"), ErrInvalid},
		{"space in path", plat("https://netid.example/a b"), ErrInvalid},
		{"no host", plat("https://"), ErrInvalid},
		{"no host with path", plat("https:///a"), ErrInvalid},
		{"opaque", plat("https:netid.example"), ErrInvalid},
		{"empty port", plat("https://netid.example:"), ErrInvalid},
		{"port 0", plat("https://netid.example:0"), ErrInvalid},
		{"port too big", plat("https://netid.example:65536"), ErrInvalid},
		{"port with leading zero", plat("https://netid.example:0443"), ErrInvalid},
		{"trailing dot", plat("https://netid.example."), ErrInvalid},
		{"empty label", plat("https://netid..example"), ErrInvalid},
		{"hyphen label", plat("https://-netid.example"), ErrInvalid},
		{"underscore", plat("https://net_id.example"), ErrInvalid},
		{"long label", plat("https://" + strings.Repeat("a", 64) + ".example"), ErrInvalid},
		{"numeric last label", plat("https://127.1"), ErrInvalid},
		{"hex host", plat("https://0x7f000001"), ErrInvalid},
		{"IPv4 with leading zero", plat("https://127.000.0.1"), ErrInvalid},
		{"IPv6 not canonical", plat("https://[2001:DB8::1]"), ErrInvalid},
		{"IPv6 with zone", plat("http://[fe80::1%25eth0]"), ErrInvalid},
		{"IPv4-mapped IPv6", plat("http://[::ffff:127.0.0.1]"), ErrInvalid},
		{"IPv6 unbracketed", plat("http://::1"), ErrInvalid},
		{"IPv4 in brackets", plat("http://[127.0.0.1]"), ErrInvalid},
		{"backslash", plat(`https://netid.example\@evil.example`), ErrInvalid},
		{"platform too long", plat("https://netid.example/" + strings.Repeat("a", MaxLen)), ErrInvalid},

		// The universal-link form.
		{"https without wallet path", "https://netid.example/verify?code=" + code, ErrInvalid},
		{"https root", "https://netid.example?code=" + code, ErrInvalid},
		{"https trailing slash", "https://netid.example/wallet/verify/?code=" + code, ErrInvalid},
		{"https unknown action", "https://netid.example/wallet/eid?code=" + code, ErrUnknownAction},
		{"https upper-case wallet", "https://netid.example/Wallet/verify?code=" + code, ErrInvalid},
		{"https platform parameter", "https://netid.example/wallet/verify?platform=https%3A%2F%2Fa.example&code=" + code, ErrInvalid},
		{"https missing code", "https://netid.example/wallet/verify", ErrInvalid},
		{"https repeated code", "https://netid.example/wallet/verify?code=" + code + "&code=" + code, ErrInvalid},
		{"https fragment", "https://netid.example/wallet/verify?code=" + code + "#x", ErrInvalid},
		{"https userinfo", "https://u@netid.example/wallet/verify?code=" + code, ErrInvalid},
		{"https double slash", "https://netid.example//wallet/verify?code=" + code, ErrInvalid},
		{"http not loopback", "http://netid.example/wallet/verify?code=" + code, ErrInvalid},
		{"https upper-case host", "https://NETID.example/wallet/verify?code=" + code, ErrInvalid},
		{"https short code", "https://netid.example/wallet/verify?code=abc", ErrInvalid},
		{"https escaped slash", "https://netid.example/a%2Fwallet/verify?code=" + code, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Parse(tc.s)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse(%q) = %+v, %v; want %v", tc.s, l, err, tc.want)
			}
			if l != (Link{}) {
				t.Errorf("Parse returned %+v with an error", l)
			}
			if strings.Contains(err.Error(), code) {
				t.Errorf("error quotes the code: %v", err)
			}
		})
	}
}

func TestUnknownActionIsInvalid(t *testing.T) {
	if !errors.Is(ErrUnknownAction, ErrInvalid) {
		t.Fatal("ErrUnknownAction does not wrap ErrInvalid")
	}
	if errors.Is(ErrInvalid, ErrUnknownAction) {
		t.Fatal("ErrInvalid is ErrUnknownAction")
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    Link
		want error
	}{
		{"valid", Link{ActionVerify, "https://netid.example", code}, nil},
		{"zero", Link{}, ErrInvalid},
		{"unknown action", Link{"eid", "https://netid.example", code}, ErrUnknownAction},
		{"malformed action", Link{"Verify", "https://netid.example", code}, ErrInvalid},
		{"action with query", Link{"verify?x=1", "https://netid.example", code}, ErrInvalid},
		{"missing platform", Link{ActionVerify, "", code}, ErrInvalid},
		{"missing code", Link{ActionVerify, "https://netid.example", ""}, ErrInvalid},
		{"bad platform", Link{ActionVerify, "https://netid.example/", code}, ErrInvalid},
		{"bad code", Link{ActionVerify, "https://netid.example", code + "!"}, ErrInvalid},
		{"too long", Link{ActionVerify, "https://netid.example/" + strings.Repeat("a/", 700) + "a", code}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.l.Validate()
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Validate() = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestMaxLen checks the limit at its edge: a link of exactly MaxLen bytes
// parses, one byte more does not.
func TestMaxLen(t *testing.T) {
	base := Link{ActionVerify, "https://netid.example/", code}
	pad := MaxLen - len(base.String()) // the platform's path grows by one byte per byte
	l := Link{ActionVerify, "https://netid.example/" + strings.Repeat("a", pad), code}
	if n := len(l.String()); n != MaxLen {
		t.Fatalf("test link is %d bytes, want %d", n, MaxLen)
	}
	if _, err := Parse(l.String()); err != nil {
		t.Fatalf("Parse of %d bytes: %v", MaxLen, err)
	}
	if _, err := Parse(l.HTTPS()); err != nil {
		t.Fatalf("Parse of the universal form: %v", err)
	}
	l.Platform += "a"
	if n := len(l.HTTPS()); n > MaxLen {
		t.Fatalf("universal form is %d bytes; the test needs it within MaxLen", n)
	}
	if _, err := Parse(l.String()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Parse of %d bytes: %v, want ErrInvalid", MaxLen+1, err)
	}
	if _, err := Parse(l.HTTPS()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Parse of a universal form whose netid form is too long: %v, want ErrInvalid", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"netid://verify?platform=https%3A%2F%2Fnetid.example&code=" + code,
		"netid://verify?code=" + code + "&platform=http%3A%2F%2F%5B%3A%3A1%5D%3A8080",
		"https://netid.example/base/wallet/verify?code=" + code,
		"http://127.0.0.1:8080/wallet/verify?code=" + code,
		"netid://eid?platform=https%3A%2F%2Fnetid.example&code=" + code,
		"netid://verify?platform=https%3A%2F%2Fnetid.example%2F&code=" + code,
		"https://u@netid.example/wallet/verify?code=" + code + "#f",
		"netid://verify?platform=&code=&code=",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q): error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("Parse(%q) = %+v, which does not validate: %v", s, l, err)
		}
		for _, form := range []string{l.String(), l.HTTPS()} {
			l2, err := Parse(form)
			if err != nil {
				t.Fatalf("Parse(%q) = %+v; its form %q does not parse: %v", s, l, form, err)
			}
			if l2 != l {
				t.Fatalf("Parse(%q) = %+v; its form %q parses to %+v", s, l, form, l2)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	s := Link{ActionVerify, "https://netid.example/base", code}.String()
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}
