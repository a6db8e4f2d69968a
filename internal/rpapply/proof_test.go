package rpapply

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestPublicAddr(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
	}{
		{"93.184.216.34", true},
		{"2606:2800:220:1:248:1893:25c8:1946", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.64.0.1", false},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"192.0.2.1", false},
		{"198.18.0.1", false},
		{"fc00::1", false},
		{"fe80::1", false},
		{"ff02::1", false},
		{"::", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"64:ff9b::7f00:1", false},
		{"2001:db8::1", false},
	} {
		if got := PublicAddr(netip.MustParseAddr(tc.addr)); got != tc.public {
			t.Errorf("PublicAddr(%s) = %v, want %v", tc.addr, got, tc.public)
		}
	}
}

// The safe client refuses to connect to a loopback server (where an
// internal service would be), and to any port but 443.
func TestSafeHTTPClientRefusesInternal(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the safe client reached a loopback server")
	}))
	defer srv.Close()
	_, err := SafeHTTPClient().Get(srv.URL + "/")
	if !errors.Is(err, errNotPublic) {
		t.Fatalf("GET %s: %v, want refused as not public", srv.URL, err)
	}
	// A whole check: the file is never fetched; the DNS record decides.
	c := &Checker{LookupTXT: func(context.Context, string) ([]string, error) { return nil, errors.New("none") }}
	f := c.Check(t.Context(), "localhost.localdomain", "x")
	if f.Proved || !strings.Contains(f.Problem, "file:") {
		t.Errorf("check of a host without public address: %+v", f)
	}
}

// The safe client follows no redirect: a 3xx is an answer that proves
// nothing.
func TestCheckerNoRedirect(t *testing.T) {
	target := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("tok")) }))
	defer target.Close()
	redirect := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusFound)
	}))
	defer redirect.Close()
	hc := redirect.Client()
	hc.CheckRedirect = SafeHTTPClient().CheckRedirect
	// The client dials the redirecting server for the applicant's domain.
	tr := hc.Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.InsecureSkipVerify = true
	tr.TLSClientConfig.RootCAs = nil
	addr := redirect.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	hc.Transport = tr
	c := &Checker{HTTP: hc, LookupTXT: func(context.Context, string) ([]string, error) { return nil, errors.New("none") }}
	if f := c.Check(t.Context(), "shop.example", "tok"); f.Proved || !strings.Contains(f.Problem, "answered 302") {
		t.Errorf("a redirect: %+v", f)
	}
}

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{"tok", true}, {"tok\n", true}, {"  tok\r\n", true}, {"tok tok", false}, {"to", false}, {"", false},
		{"tok" + strings.Repeat(" ", maxProofBody), false},
	} {
		if got := FileMatches([]byte(tc.body), "tok"); got != tc.ok {
			t.Errorf("FileMatches(%q) = %v", tc.body, got)
		}
	}
	if FileMatches([]byte(""), "") || TXTMatches([]string{""}, "") {
		t.Error("an empty challenge matched")
	}
	if !TXTMatches([]string{"v=spf1 -all", " tok "}, "tok") || TXTMatches([]string{"tok2", "xtok"}, "tok") || TXTMatches(nil, "tok") {
		t.Error("TXTMatches")
	}
}

// FuzzMatches: what an applicant's server or DNS answers never panics the
// matchers, and only the challenge itself (white space around it) matches.
func FuzzMatches(f *testing.F) {
	f.Add([]byte("tok\n"), "tok", "tok")
	f.Add([]byte("\x00\xff"), "tok", "v=spf1")
	f.Add([]byte(strings.Repeat("a", 2000)), "a", "a")
	f.Fuzz(func(t *testing.T, body []byte, challenge, record string) {
		fm := FileMatches(body, challenge)
		tm := TXTMatches([]string{record}, challenge)
		if fm && strings.TrimSpace(string(body)) != challenge {
			t.Fatalf("file %q matched challenge %q", body, challenge)
		}
		if tm && strings.TrimSpace(record) != challenge {
			t.Fatalf("record %q matched challenge %q", record, challenge)
		}
		if (fm || tm) && challenge == "" {
			t.Fatal("an empty challenge matched")
		}
	})
}
