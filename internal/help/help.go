package help

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
)

// Help is what the operator configured. The zero Help offers none.
type Help struct {
	// Text is the help text in Simplified Chinese; TextEN in English
	// (optional: English readers get the Chinese text without it).
	Text   string
	TextEN string
	// Hotline is a telephone number: digits, with spaces or hyphens
	// between groups and an optional leading +.
	Hotline string
	// OfficesURL is a page that finds a service office: https (http only
	// for a loopback host).
	OfficesURL string
}

// MaxText bounds each help text, in characters.
const MaxText = 500

// Configured reports whether any help is configured.
func (h Help) Configured() bool { return h != Help{} }

// hotline is the shape of a telephone number: "12345", "400-123-4567",
// "+86 10 1234 5678".
var hotline = regexp.MustCompile(`^\+?[0-9]+(?:[ -][0-9]+)*$`)

// Validate reports every problem of h at once, each naming its flag.
func (h Help) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, t := range []struct{ flag, text string }{{"--help-text", h.Text}, {"--help-text-en", h.TextEN}} {
		if err := checkText(t.text); err != nil {
			bad("%s: %v", t.flag, err)
		}
	}
	if h.TextEN != "" && h.Text == "" {
		bad("--help-text-en: given without --help-text (the Chinese text comes first)")
	}
	if h.Hotline != "" {
		digits := len(Tel(h.Hotline)) - len("tel:") - strings.Count(h.Hotline, "+")
		if !hotline.MatchString(h.Hotline) || digits < 3 || digits > 20 {
			bad("--help-hotline %q: want a telephone number of 3 to 20 digits (spaces or hyphens between groups, an optional leading +)", h.Hotline)
		}
	}
	if h.OfficesURL != "" {
		if u, err := url.Parse(h.OfficesURL); err != nil || u.Host == "" || u.User != nil ||
			!(u.Scheme == "https" || u.Scheme == "http" && loopback(u.Hostname())) {
			bad("--help-offices-url: want an absolute https URL without user info (http only for a loopback host)")
		}
	}
	return errors.Join(errs...)
}

// checkText refuses a text that is not valid UTF-8, is longer than
// MaxText characters, or holds control characters other than line breaks.
func checkText(s string) error {
	switch {
	case !utf8.ValidString(s):
		return errors.New("not valid UTF-8")
	case utf8.RuneCountInString(s) > MaxText:
		return fmt.Errorf("longer than %d characters", MaxText)
	case strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) }):
		return errors.New("holds control characters")
	}
	return nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// For returns the help as a reader of lang gets it: the English text for
// English (the Chinese one if there is none), the Chinese text otherwise.
func (h Help) For(lang language.Tag) api.Help {
	text := h.Text
	if i18n.Match(lang) == i18n.English && h.TextEN != "" {
		text = h.TextEN
	}
	return api.Help{Text: text, Hotline: h.Hotline, OfficesURL: h.OfficesURL}
}

// Tel is the hotline as a tel: URI (RFC 3966): its digits and leading +.
func (h Help) Tel() string { return Tel(h.Hotline) }

// Tel is hotline as a tel: URI: its digits and a leading +.
func Tel(hotline string) string {
	var b strings.Builder
	b.WriteString("tel:")
	for i, r := range hotline {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// needed are the problem types a person cannot resolve alone, by slug.
var needed = map[string]bool{
	"password-locked":          true, // the credential password is locked for a while
	"password-tries-exhausted": true, // re-proofing: no password tries left
	"operator-suspension":      true, // an operator suspended the credential
	"credential-inactive":      true, // the credential is suspended or revoked
	"document-expired":         true, // the document read at proofing has expired
	"document-expired-reapply": true, // the document on file has expired
	"eid-credential-suspended": true, // in person: the credential is suspended
	"eid-credential-revoked":   true, // in person: the credential is revoked
	"eid-credential-expired":   true, // in person: the credential or document expired
}

// Needed reports whether the problem type slug is one a person cannot
// resolve alone, under which the platform offers its help.
func Needed(slug string) bool { return needed[slug] }

// Slugs lists the problem types Needed reports, sorted.
func Slugs() []string {
	out := make([]string, 0, len(needed))
	for s := range needed {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
