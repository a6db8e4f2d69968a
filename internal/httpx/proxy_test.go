package httpx

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func prefixes(t testing.TB, ss ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		p, err := ParsePrefix(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestTrustedProxies(t *testing.T) {
	trusted := prefixes(t, "10.0.0.0/8", "fd00::/8", "192.0.2.10")
	tests := []struct {
		name   string
		peer   string
		header string
		values []string
		want   string // ClientIP after the middleware
	}{
		{"untrusted peer: forged header ignored", "203.0.113.9:5555", HeaderXForwardedFor, []string{"198.51.100.1"}, "203.0.113.9"},
		{"untrusted peer: forged Forwarded ignored", "203.0.113.9:5555", HeaderForwarded, []string{"for=198.51.100.1"}, "203.0.113.9"},
		{"trusted peer, one hop", "10.0.0.1:443", HeaderXForwardedFor, []string{"198.51.100.1"}, "198.51.100.1"},
		{"single trusted address", "192.0.2.10:443", HeaderXForwardedFor, []string{"198.51.100.1"}, "198.51.100.1"},
		{"address next to a trusted one is not trusted", "192.0.2.11:443", HeaderXForwardedFor, []string{"198.51.100.1"}, "192.0.2.11"},
		{"client forges the left part", "10.0.0.1:443", HeaderXForwardedFor, []string{"1.1.1.1, 2.2.2.2, 198.51.100.1"}, "198.51.100.1"},
		{"two proxies", "10.0.0.1:443", HeaderXForwardedFor, []string{"6.6.6.6, 198.51.100.1, 10.0.0.2"}, "198.51.100.1"},
		{"header lines joined", "10.0.0.1:443", HeaderXForwardedFor, []string{"6.6.6.6", "198.51.100.1, 10.0.0.2"}, "198.51.100.1"},
		{"all trusted: leftmost", "10.0.0.1:443", HeaderXForwardedFor, []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3"},
		{"no header: the proxy", "10.0.0.1:443", HeaderXForwardedFor, nil, "10.0.0.1"},
		{"garbage hop: the proxy", "10.0.0.1:443", HeaderXForwardedFor, []string{"198.51.100.1, nonsense"}, "10.0.0.1"},
		{"with port", "10.0.0.1:443", HeaderXForwardedFor, []string{"198.51.100.1:1234"}, "198.51.100.1"},
		{"IPv6 client reduced to /64", "[fd00::1]:443", HeaderXForwardedFor, []string{"2001:db8:1:2::77"}, "2001:db8:1:2::/64"},
		{"Forwarded", "10.0.0.1:443", HeaderForwarded, []string{`for=6.6.6.6, for=198.51.100.1;proto=https;by=10.0.0.1`}, "198.51.100.1"},
		{"Forwarded quoted IPv6 with port", "10.0.0.1:443", HeaderForwarded, []string{`for="[2001:db8::5]:4711"`}, "2001:db8::/64"},
		{"Forwarded obfuscated: the proxy", "10.0.0.1:443", HeaderForwarded, []string{`for=_hidden`}, "10.0.0.1"},
		{"Forwarded quoted comma", "10.0.0.1:443", HeaderForwarded, []string{`for="6.6.6.6,7.7.7.7";x=1, for=198.51.100.1`}, "198.51.100.1"},
		{"X-Forwarded-For ignored when Forwarded is configured", "10.0.0.1:443", HeaderForwarded, nil, "10.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			h := TrustedProxies(trusted, tc.header)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r) }))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.values {
				r.Header.Add(tc.header, v)
			}
			if tc.header == HeaderForwarded {
				r.Header.Add(HeaderXForwardedFor, "9.9.9.9")
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("client = %s, want %s", got, tc.want)
			}
		})
	}
	// Without trusted ranges nothing changes, whatever the headers say.
	var got string
	h := TrustedProxies(nil, HeaderXForwardedFor)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r) }))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:443"
	r.Header.Set(HeaderXForwardedFor, "198.51.100.1")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "10.0.0.1" {
		t.Errorf("no trusted proxy: client = %s", got)
	}
}

func TestParsePrefix(t *testing.T) {
	for in, want := range map[string]string{"10.1.2.3/8": "10.0.0.0/8", "192.0.2.1": "192.0.2.1/32", "::ffff:192.0.2.1": "192.0.2.1/32", "fd00::1": "fd00::1/128"} {
		p, err := ParsePrefix(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePrefix(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, bad := range []string{"", "10.0.0.0/33", "nonsense", "10.0.0.0/8/8", "fe80::1%eth0"} {
		if _, err := ParsePrefix(bad); err == nil {
			t.Errorf("ParsePrefix(%q): no error", bad)
		}
	}
}

// FuzzForwardedHeaders: any forwarded headers from a trusted proxy give the
// peer or an address the headers carry, never a panic.
func FuzzForwardedHeaders(f *testing.F) {
	f.Add(`for=198.51.100.1;proto=https, for="[2001:db8::1]:80"`, "1.1.1.1, 10.0.0.2")
	f.Add(`for="\"`, ",,,")
	f.Add(`;;;=,for=`, " ")
	trusted := prefixes(f, "10.0.0.0/8")
	peer := netip.MustParseAddr("10.0.0.1")
	f.Fuzz(func(t *testing.T, forwarded, xff string) {
		for _, hops := range [][]string{ForwardedFor([]string{forwarded}), XForwardedFor([]string{xff})} {
			if len(hops) > maxHops {
				t.Fatalf("%d hops kept", len(hops))
			}
			got := ClientFromHops(peer, hops, trusted)
			if got == peer {
				continue
			}
			found := false
			for _, h := range hops {
				if a, ok := hopAddr(h); ok && a == got {
					found = true
				}
			}
			if !found {
				t.Fatalf("client %s is neither the peer nor a forwarded address of %q", got, hops)
			}
		}
	})
}
