package httpx

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Forwarding headers a TLS-terminating reverse proxy sets.
const (
	// HeaderXForwardedFor lists the addresses a request passed through,
	// each proxy appending the one it received the request from.
	HeaderXForwardedFor = "X-Forwarded-For"
	// HeaderForwarded is RFC 7239's header; its for= parameters carry the
	// same list.
	HeaderForwarded = "Forwarded"
)

// maxHops bounds the forwarded addresses read from a request.
const maxHops = 32

// TrustedProxies returns middleware that finds the client address of
// requests that reached the platform through reverse proxies. When the
// direct peer (r.RemoteAddr) is in one of trusted, it reads header
// (HeaderXForwardedFor or HeaderForwarded) from the right: each proxy
// appends the address it received the request from, so the rightmost
// address that is not itself a trusted proxy is the client's, and
// everything left of it is whatever the client chose to send. That address
// replaces r.RemoteAddr (with port 0), so per-address limits and logs see
// the client. A request from any other peer is left as it is: its
// forwarded headers, which anyone can send, are ignored. With no trusted
// ranges the middleware changes nothing.
func TrustedProxies(trusted []netip.Prefix, header string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if len(trusted) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			peer, ok := remoteAddr(r.RemoteAddr)
			if ok && inRanges(trusted, peer) {
				var hops []string
				if strings.EqualFold(header, HeaderForwarded) {
					hops = ForwardedFor(r.Header.Values(HeaderForwarded))
				} else {
					hops = XForwardedFor(r.Header.Values(HeaderXForwardedFor))
				}
				client := ClientFromHops(peer, hops, trusted)
				if client != peer {
					r2 := r.Clone(r.Context())
					r2.RemoteAddr = netip.AddrPortFrom(client, 0).String()
					r = r2
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ClientFromHops returns the client address of a request from peer (a
// trusted proxy) whose forwarded addresses are hops, leftmost first: walking
// from the right, the first address that is not in trusted. If every
// address is trusted, it is the leftmost; if a hop does not parse as an
// address (obfuscated, "unknown", garbage), the trusted proxy that
// forwarded it is the client as far as the platform can tell.
func ClientFromHops(peer netip.Addr, hops []string, trusted []netip.Prefix) netip.Addr {
	addr := peer
	for i := len(hops) - 1; i >= 0 && inRanges(trusted, addr); i-- {
		a, ok := hopAddr(hops[i])
		if !ok {
			return addr
		}
		addr = a
	}
	return addr
}

// XForwardedFor splits X-Forwarded-For header values into their
// addresses, leftmost first, keeping at most the rightmost maxHops.
func XForwardedFor(values []string) []string {
	var hops []string
	for _, v := range values {
		for h := range strings.SplitSeq(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	return lastHops(hops)
}

// ForwardedFor returns the for= parameters of Forwarded header values
// (RFC 7239 §4), leftmost first, unquoted, keeping at most the rightmost
// maxHops. An element without for= gives "" (an unknown hop).
func ForwardedFor(values []string) []string {
	var hops []string
	for _, v := range values {
		for _, element := range splitQuoted(v, ',') {
			hop := ""
			for _, pair := range splitQuoted(element, ';') {
				name, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(strings.TrimSpace(name), "for") {
					hop = unquote(strings.TrimSpace(value))
				}
			}
			hops = append(hops, hop)
		}
	}
	return lastHops(hops)
}

func lastHops(hops []string) []string {
	if len(hops) > maxHops {
		return hops[len(hops)-maxHops:]
	}
	return hops
}

// splitQuoted splits s at sep outside double-quoted strings.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquote removes the double quotes of an RFC 7230 quoted string and its
// backslash escapes; a token is returned as it is.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// hopAddr parses a forwarded address: an IP, an IP with a port, or a
// bracketed IPv6 address with or without a port.
func hopAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	return netip.Addr{}, false
}

// remoteAddr parses r.RemoteAddr (host:port, or a bare address).
func remoteAddr(s string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = s
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func inRanges(ranges []netip.Prefix, a netip.Addr) bool {
	for _, p := range ranges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParsePrefix parses a trusted range: a CIDR prefix (10.0.0.0/8,
// fd00::/8) or a single address (one proxy).
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("httpx: a trusted proxy address has no zone")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
