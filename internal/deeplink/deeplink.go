package deeplink

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Scheme is the URL scheme of wallet links.
const Scheme = "netid"

// MaxLen is the longest link, in bytes, that Parse accepts and Validate
// allows (measured on the netid:// form, the longer of the two).
const MaxLen = 2048

// UniversalPathPrefix is the path, under the platform's base URL, of the
// universal-link form: <platform>/wallet/<action>?…. The platform serves a
// page there that hands the link to an installed wallet.
const UniversalPathPrefix = "/wallet/"

// Actions a link can ask of a wallet.
const (
	// ActionVerify asks the wallet to answer a verification session:
	// Platform is the platform's base URL and Code the session code.
	ActionVerify = "verify"
)

// The code's length limits, in characters of [A-Za-z0-9_-].
const (
	MinCodeLen = 16
	MaxCodeLen = 128
)

var (
	// ErrInvalid is wrapped by every error of Parse and Validate.
	ErrInvalid = errors.New("deeplink: invalid link")
	// ErrUnknownAction is returned for a well-formed link whose action
	// this version does not know (a newer platform's link, say). It wraps
	// ErrInvalid.
	ErrUnknownAction = fmt.Errorf("%w: unknown action", ErrInvalid)
)

// A Link tells a wallet what to do. Action says what ([ActionVerify], …);
// the other fields are the action's parameters, and a field the action does
// not take must be empty.
type Link struct {
	// Action is one of the Action constants.
	Action string
	// Platform is the netid platform's base URL (canonical https, or http
	// on a loopback host), without a trailing slash.
	Platform string
	// Code is the short-lived code the action refers to, e.g. the
	// verification session code: 16 to 128 characters of [A-Za-z0-9_-].
	Code string
}

// Parameter names, as they appear in links.
const (
	paramPlatform = "platform"
	paramCode     = "code"
)

// actions lists, for every known action, the parameters it takes, in the
// order String writes them. Every action takes the platform: it says whom
// the wallet talks to.
var actions = map[string][]string{
	ActionVerify: {paramPlatform, paramCode},
}

// params is the parameter list of l's action, or platform and code for an
// unknown action (so that String and HTTPS still show something).
func (l Link) params() []string {
	if p, ok := actions[l.Action]; ok {
		return p
	}
	return []string{paramPlatform, paramCode}
}

// field returns the value of the named parameter.
func (l Link) field(name string) string {
	switch name {
	case paramPlatform:
		return l.Platform
	case paramCode:
		return l.Code
	}
	return ""
}

// setField sets the named parameter; names are those of the actions table.
func (l *Link) setField(name, v string) {
	switch name {
	case paramPlatform:
		l.Platform = v
	case paramCode:
		l.Code = v
	}
}

// query writes the parameters in names as an escaped query string,
// leaving out the platform if skipPlatform is set (the universal-link form
// carries it in the URL itself).
func (l Link) query(names []string, skipPlatform bool) string {
	var b strings.Builder
	for _, name := range names {
		if skipPlatform && name == paramPlatform {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(l.field(name)))
	}
	return b.String()
}

// String is the netid:// form, e.g.
// netid://verify?platform=https%3A%2F%2Fnetid.example&code=…, with the
// parameters in a fixed order. It does not validate: call Validate first
// for a Link that was not returned by Parse.
func (l Link) String() string {
	return Scheme + "://" + l.Action + "?" + l.query(l.params(), false)
}

// HTTPS is the universal-link form,
// <platform>/wallet/<action>?code=…, for the same-device flow in a
// browser. Like String, it does not validate.
func (l Link) HTTPS() string {
	return l.Platform + UniversalPathPrefix + l.Action + "?" + l.query(l.params(), true)
}

// Validate reports whether l is a link Parse would return: a known action,
// every parameter it takes valid, the others empty, and a netid:// form of
// at most MaxLen bytes.
func (l Link) Validate() error {
	names, ok := actions[l.Action]
	if !ok {
		if validActionName(l.Action) {
			return ErrUnknownAction
		}
		return fmt.Errorf("%w: malformed action", ErrInvalid)
	}
	takes := map[string]bool{}
	for _, name := range names {
		takes[name] = true
	}
	for _, name := range []string{paramPlatform, paramCode} {
		v := l.field(name)
		switch {
		case !takes[name] && v != "":
			return fmt.Errorf("%w: action %s takes no %s", ErrInvalid, l.Action, name)
		case !takes[name]:
		case v == "":
			return fmt.Errorf("%w: missing %s", ErrInvalid, name)
		case name == paramPlatform:
			if err := checkPlatform(v); err != nil {
				return err
			}
		case name == paramCode:
			if !validCode(v) {
				return fmt.Errorf("%w: code must be %d to %d characters of A-Z a-z 0-9 _ -", ErrInvalid, MinCodeLen, MaxCodeLen)
			}
		}
	}
	if n := len(l.String()); n > MaxLen {
		return fmt.Errorf("%w: %d bytes (at most %d)", ErrInvalid, n, MaxLen)
	}
	return nil
}

// Parse reads a link in either form, netid://<action>?… or
// <platform>/wallet/<action>?…, and returns it only if it is valid (see the
// package documentation for what that means). Every error wraps ErrInvalid.
func Parse(s string) (Link, error) {
	if len(s) > MaxLen {
		return Link{}, fmt.Errorf("%w: %d bytes (at most %d)", ErrInvalid, len(s), MaxLen)
	}
	var (
		l   Link
		err error
	)
	switch {
	case strings.HasPrefix(s, Scheme+"://"):
		l, err = parseNetID(s[len(Scheme+"://"):])
	case strings.HasPrefix(s, "https://"), strings.HasPrefix(s, "http://"):
		l, err = parseUniversal(s)
	default:
		return Link{}, fmt.Errorf("%w: not a netid:// or http(s) link", ErrInvalid)
	}
	if err != nil {
		return Link{}, err
	}
	if err := l.Validate(); err != nil {
		return Link{}, err
	}
	return l, nil
}

// parseNetID reads what follows "netid://": <action>?<query>.
func parseNetID(rest string) (Link, error) {
	if strings.ContainsRune(rest, '#') {
		return Link{}, fmt.Errorf("%w: fragment", ErrInvalid)
	}
	action, query, _ := strings.Cut(rest, "?")
	if err := checkAction(action); err != nil {
		return Link{}, err
	}
	l := Link{Action: action}
	if err := l.parseQuery(query, actions[action]); err != nil {
		return Link{}, err
	}
	return l, nil
}

// parseUniversal reads <platform>/wallet/<action>?<query>.
func parseUniversal(s string) (Link, error) {
	if strings.ContainsRune(s, '#') {
		return Link{}, fmt.Errorf("%w: fragment", ErrInvalid)
	}
	u, err := url.Parse(s)
	if err != nil {
		return Link{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if u.Opaque != "" || u.User != nil || u.Host == "" {
		return Link{}, fmt.Errorf("%w: not an absolute URL with a host and no userinfo", ErrInvalid)
	}
	p := u.EscapedPath()
	i := strings.LastIndexByte(p, '/')
	if i < 0 || !strings.HasSuffix(p[:i+1], UniversalPathPrefix) {
		return Link{}, fmt.Errorf("%w: path is not …%s<action>", ErrInvalid, UniversalPathPrefix)
	}
	action := p[i+1:]
	if err := checkAction(action); err != nil {
		return Link{}, err
	}
	l := Link{
		Action:   action,
		Platform: u.Scheme + "://" + u.Host + strings.TrimSuffix(p[:i+1], UniversalPathPrefix),
	}
	var names []string
	for _, name := range actions[action] {
		if name != paramPlatform {
			names = append(names, name)
		}
	}
	if err := l.parseQuery(u.RawQuery, names); err != nil {
		return Link{}, err
	}
	return l, nil
}

// checkAction accepts a known action; a well-formed unknown one is
// ErrUnknownAction.
func checkAction(action string) error {
	if _, ok := actions[action]; ok {
		return nil
	}
	if validActionName(action) {
		return ErrUnknownAction
	}
	return fmt.Errorf("%w: malformed action", ErrInvalid)
}

// validActionName reports whether s could name an action: 1 to 32
// lower-case letters, digits and hyphens, starting with a letter.
func validActionName(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// parseQuery sets the parameters in names from the raw query: each exactly
// once, nothing else, no empty pieces; values percent-decoded.
func (l *Link) parseQuery(raw string, names []string) error {
	allowed := map[string]bool{}
	for _, name := range names {
		allowed[name] = true
	}
	seen := map[string]bool{}
	if raw != "" {
		for piece := range strings.SplitSeq(raw, "&") {
			name, escaped, ok := strings.Cut(piece, "=")
			switch {
			case !ok:
				return fmt.Errorf("%w: query piece without '='", ErrInvalid)
			case !allowed[name]:
				return fmt.Errorf("%w: unknown parameter", ErrInvalid)
			case seen[name]:
				return fmt.Errorf("%w: repeated parameter %s", ErrInvalid, name)
			}
			seen[name] = true
			v, err := url.QueryUnescape(escaped)
			if err != nil {
				return fmt.Errorf("%w: parameter %s: bad escaping", ErrInvalid, name)
			}
			l.setField(name, v)
		}
	}
	for _, name := range names {
		if !seen[name] {
			return fmt.Errorf("%w: missing %s", ErrInvalid, name)
		}
	}
	return nil
}

// validCode reports whether s is MinCodeLen to MaxCodeLen characters of
// [A-Za-z0-9_-].
func validCode(s string) bool {
	if len(s) < MinCodeLen || len(s) > MaxCodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// checkPlatform accepts a canonical absolute https URL (http on a loopback
// host) without userinfo, query, fragment or trailing slash.
func checkPlatform(s string) error {
	bad := func(why string) error { return fmt.Errorf("%w: platform: %s", ErrInvalid, why) }
	u, err := url.Parse(s)
	if err != nil {
		return bad("not a URL")
	}
	switch {
	case !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://"):
		return bad("scheme must be https (or http on a loopback host)")
	case u.User != nil || strings.ContainsRune(u.Host, '@'):
		return bad("userinfo")
	case u.RawQuery != "" || u.ForceQuery:
		return bad("query")
	case u.Fragment != "" || strings.ContainsRune(s, '#'):
		return bad("fragment")
	case u.Opaque != "" || u.Host == "":
		return bad("no host")
	case u.String() != s || u.EscapedPath() != (&url.URL{Path: u.Path}).EscapedPath():
		// The second test catches escapes net/url keeps as written
		// ("%7E" for "~", "%2F" inside a segment).
		return bad("not in canonical form")
	}
	loopback, err := checkHost(u.Host)
	if err != nil {
		return err
	}
	if u.Scheme == "http" && !loopback {
		return bad("http only on a loopback host")
	}
	if p := u.EscapedPath(); p != "" {
		if strings.HasSuffix(p, "/") {
			return bad("trailing slash")
		}
		for seg := range strings.SplitSeq(p[1:], "/") {
			if seg == "" || seg == "." || seg == ".." {
				return bad("empty or dot path segment")
			}
		}
	}
	return nil
}

// checkHost accepts host[:port] where host is a lower-case DNS name or a
// canonical IP literal (IPv6 in brackets, no zone) and port 1..65535
// without leading zeros. It reports whether the host is loopback.
func checkHost(hostport string) (loopback bool, err error) {
	bad := func(why string) error { return fmt.Errorf("%w: platform: %s", ErrInvalid, why) }
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return false, bad("malformed IPv6 literal")
		}
		host, port = hostport[1:end], hostport[end+1:]
		if port != "" && port[0] != ':' {
			return false, bad("malformed host")
		}
		addr, err := netip.ParseAddr(host)
		if err != nil || !addr.Is6() || addr.Zone() != "" || addr.Is4In6() || addr.String() != host {
			return false, bad("IPv6 literal not in canonical form")
		}
		loopback = addr.IsLoopback()
	} else {
		if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
			host, port = hostport[:i], hostport[i:]
		}
		if addr, err := netip.ParseAddr(host); err == nil {
			if !addr.Is4() || addr.String() != host {
				return false, bad("IP address not in canonical form")
			}
			loopback = addr.IsLoopback()
		} else if !validDNSName(host) {
			return false, bad("host must be a lower-case ASCII DNS name or an IP address")
		} else {
			loopback = host == "localhost"
		}
	}
	if port != "" {
		p := port[1:]
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != p {
			return false, bad("port must be 1 to 65535")
		}
	}
	return loopback, nil
}

// validDNSName reports whether s is a lower-case ASCII DNS name (labels of
// a-z 0-9 and inner hyphens, at most 63 bytes each, 253 in all, no trailing
// dot) whose last label cannot be read as a number, since browsers read
// hosts like "127.1" or "0x7f000001" as IPv4 addresses.
func validDNSName(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, label := range labels {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	if strings.Trim(last, "0123456789") == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") && strings.Trim(last[2:], "0123456789abcdef") == "" {
		return false
	}
	return true
}
