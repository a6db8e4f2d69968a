package rpapply

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Where a domain publishes its challenge.
const (
	// WellKnownPath is the path of the challenge file, followed by the
	// challenge.
	WellKnownPath = "/.well-known/netid-challenge/"
	// TXTPrefix is the label before the domain of the TXT record.
	TXTPrefix = "_netid-challenge."
	// maxProofBody is the most of a challenge file that is read.
	maxProofBody = 1 << 10
	// checkTimeout bounds one domain's check.
	checkTimeout = 5 * time.Second
)

// Checker looks for an application's challenge at its domains.
type Checker struct {
	// HTTP fetches the challenge files; nil means SafeHTTPClient().
	HTTP *http.Client
	// LookupTXT resolves TXT records; nil means net.DefaultResolver's.
	LookupTXT func(ctx context.Context, name string) ([]string, error)
}

// Ways a domain was proved.
const (
	MethodFile = "file"
	MethodDNS  = "dns"
)

// Finding is what a check found for one domain.
type Finding struct {
	Domain string `json:"domain"`
	// Proved is true once the challenge was found; Method says where.
	Proved bool   `json:"proved"`
	Method string `json:"method,omitempty"`
	// Problem says, for an unproved domain, what the file and the DNS
	// record lacked (no address, no content of the applicant's server).
	Problem string `json:"problem,omitempty"`
}

// Check looks for challenge at domain: first the file, then the TXT
// record.
func (c *Checker) Check(ctx context.Context, domain, challenge string) Finding {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	f := Finding{Domain: domain}
	fileErr := c.file(ctx, domain, challenge)
	if fileErr == nil {
		f.Proved, f.Method = true, MethodFile
		return f
	}
	dnsErr := c.dns(ctx, domain, challenge)
	if dnsErr == nil {
		f.Proved, f.Method = true, MethodDNS
		return f
	}
	f.Problem = "file: " + fileErr.Error() + "; dns: " + dnsErr.Error()
	return f
}

// errNoMatch: the file or record was found but does not hold the challenge.
var errNoMatch = errors.New("does not hold the challenge")

func (c *Checker) file(ctx context.Context, domain, challenge string) error {
	hc := c.HTTP
	if hc == nil {
		hc = SafeHTTPClient()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+domain+WellKnownPath+challenge, nil)
	if err != nil {
		return errors.New("not a valid address")
	}
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, errNotPublic) {
			return errNotPublic
		}
		return errors.New("could not be fetched")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProofBody+1))
	if err != nil {
		return errors.New("could not be read")
	}
	if !FileMatches(body, challenge) {
		return errNoMatch
	}
	return nil
}

func (c *Checker) dns(ctx context.Context, domain, challenge string) error {
	lookup := c.LookupTXT
	if lookup == nil {
		lookup = net.DefaultResolver.LookupTXT
	}
	records, err := lookup(ctx, TXTPrefix+domain)
	if err != nil {
		return errors.New("no TXT record")
	}
	if !TXTMatches(records, challenge) {
		return errNoMatch
	}
	return nil
}

// FileMatches reports whether a challenge file's content is the challenge:
// at most 1 KiB, the challenge alone, white space around it allowed.
func FileMatches(body []byte, challenge string) bool {
	if len(body) > maxProofBody || challenge == "" {
		return false
	}
	got := strings.TrimSpace(string(body))
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// TXTMatches reports whether one of a name's TXT records is the challenge
// (white space around it allowed).
func TXTMatches(records []string, challenge string) bool {
	if challenge == "" {
		return false
	}
	ok := false
	for _, r := range records {
		if len(r) <= maxProofBody && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(r)), []byte(challenge)) == 1 {
			ok = true
		}
	}
	return ok
}

// errNotPublic: the domain resolves to an address the platform does not
// reach out to.
var errNotPublic = errors.New("resolves to an address that is not public")

// PublicAddr reports whether the platform may connect to a: a public
// unicast address. Loopback, private (RFC 1918, unique-local fc00::/7),
// link-local, CGNAT (100.64.0.0/10), multicast, unspecified, documentation
// and benchmarking ranges, IPv4-mapped forms of those, and 0.0.0.0/8 are
// refused.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || !a.IsGlobalUnicast() {
		return false
	}
	for _, p := range refusedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var refusedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"),
}

// SafeHTTPClient is the client the platform fetches challenge files with:
// no proxy, no redirects, port 443 only, and every connection refused at
// dial time unless its address is public (PublicAddr), checked on the
// address actually dialled after resolution.
func SafeHTTPClient() *http.Client {
	dialer := &net.Dialer{
		Timeout: checkTimeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || ap.Port() != 443 || !PublicAddr(ap.Addr()) {
				return errNotPublic
			}
			return nil
		},
	}
	return &http.Client{
		Timeout: checkTimeout,
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			TLSHandshakeTimeout:    checkTimeout,
			ResponseHeaderTimeout:  checkTimeout,
			MaxResponseHeaderBytes: 8 << 10,
			DisableKeepAlives:      true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
