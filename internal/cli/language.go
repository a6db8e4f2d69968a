package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/wallet"
)

// globalFlags takes the flags given before the command (only --lang, as
// "--lang en" or "--lang=en") off args and returns the rest.
func globalFlags(args []string) (rest []string, lang string, err error) {
	for len(args) > 0 {
		a := args[0]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "lang" {
			break
		}
		if !hasValue {
			if len(args) < 2 {
				return nil, "", errors.New("--lang needs a language: zh or en")
			}
			value, args = args[1], args[1:]
		}
		if _, ok := i18n.Parse(value); !ok {
			return nil, "", fmt.Errorf("--lang %q: the languages are zh and en", value)
		}
		lang, args = value, args[1:]
	}
	return args, lang, nil
}

// chooseLanguage is the language of a command's messages: flag (--lang),
// else NETID_LANG, else the POSIX locale of messages (the first of LC_ALL,
// LC_MESSAGES and LANG that is set); a locale naming no language of the
// catalogue ("C", "fr_FR") and none at all give Chinese.
func chooseLanguage(flag string, getenv func(string) string) language.Tag {
	if flag != "" {
		t, _ := i18n.Parse(flag)
		return t
	}
	if getenv == nil {
		return i18n.Chinese
	}
	if t, ok := i18n.Parse(getenv("NETID_LANG")); ok {
		return t
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc := getenv(v); loc != "" {
			t, _ := i18n.Parse(posixLanguage(loc))
			return t
		}
	}
	return i18n.Chinese
}

// posixLanguage turns a POSIX locale (language[_territory][.codeset][@modifier],
// "en_US.UTF-8") into a BCP 47 tag ("en-US").
func posixLanguage(loc string) string {
	loc, _, _ = strings.Cut(loc, ".")
	loc, _, _ = strings.Cut(loc, "@")
	return strings.ReplaceAll(loc, "_", "-")
}

// personErrors are the wallet's errors a person acts on: what went wrong
// and what to do next.
var personErrors = []struct {
	err        error
	what, next i18n.Key
}{
	{wallet.ErrNoWallet, i18n.KeyCLIErrNoWallet, i18n.KeyCLIErrNoWalletNext},
	{wallet.ErrWrongPassword, i18n.KeyCLIErrWrongPassword, i18n.KeyCLIErrWrongPassNext},
	{wallet.ErrCredentialExists, i18n.KeyCLIErrCredentialExists, i18n.KeyCLIErrCredExistsNext},
	{wallet.ErrApplicationExpired, i18n.KeyCLIErrExpired, i18n.KeyCLIErrExpiredNext},
	{wallet.ErrDeclined, i18n.KeyCLIErrDeclined, i18n.KeyCLIErrDeclinedNext},
	{wallet.ErrNoPending, i18n.KeyCLIErrNoPending, i18n.KeyCLIErrNoPendingNext},
	{wallet.ErrNoEID, i18n.KeyCLIErrNoEID, i18n.KeyCLIErrNoEIDNext},
	{wallet.ErrNoLiveness, i18n.KeyCLIErrNoLiveness, i18n.KeyCLIErrNoLivenessNext},
	{wallet.ErrNoGuardianConsent, i18n.KeyCLIErrNoGuardianConsent, i18n.KeyCLIErrNoGuardianConsentNext},
	{wallet.ErrKeySuite, i18n.KeyCLIErrKeySuite, i18n.KeyCLIErrKeySuiteNext},
	{wallet.ErrPlatformSuite, i18n.KeyCLIErrPlatformSuite, i18n.KeyCLIErrPlatformSuiteNext},
}

// personMessage is the one line a command's failure prints: for the
// wallet's errors a person acts on and the platform's problems, what went
// wrong and what to do next in the command's language, then the error
// itself in parentheses (for a developer; never personal data); for any
// other error, the error.
func personMessage(env Env, err error) string {
	for _, pe := range personErrors {
		if errors.Is(err, pe.err) {
			return sentences(env.Lang, env.tr(pe.what), env.tr(pe.next)) + " (" + oneLine(err) + ")"
		}
	}
	if ae, ok := errors.AsType[*wallet.APIError](err); ok {
		return problemMessage(env, ae) + " (" + oneLine(err) + ")"
	}
	return oneLine(err)
}

// problemMessage says what the platform's problem means for a person: its
// title, the attempts left or the lock's end, and the next step.
func problemMessage(env Env, ae *wallet.APIError) string {
	slug := ae.Slug()
	title := ae.Title
	if i18n.Has(i18n.ProblemTitle(slug)) {
		title = env.tr(i18n.ProblemTitle(slug))
	}
	parts := []string{title}
	if n, ok := ae.RemainingAttempts(); ok {
		parts = append(parts, env.tr(i18n.KeyCLIErrTriesLeft, n))
	}
	if s, ok := ae.Extensions[api.ExtLockedUntil].(string); ok {
		if until, err := time.Parse(time.RFC3339, s); err == nil {
			parts = append(parts, env.tr(i18n.KeyCLIErrLockedUntil, until.Local().Format("2006-01-02 15:04")))
		}
	}
	if i18n.Has(i18n.ProblemNext(slug)) {
		parts = append(parts, env.tr(i18n.ProblemNext(slug)))
	}
	return sentences(env.Lang, parts...)
}

// sentences joins texts as sentences of lang: each ends with a full stop
// (。 in Chinese), separated by a space in English.
func sentences(lang language.Tag, texts ...string) string {
	zh := i18n.Match(lang) == i18n.Chinese
	var b strings.Builder
	for _, s := range texts {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !zh && b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
		if !strings.HasSuffix(s, "。") && !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "！") && !strings.HasSuffix(s, "？") {
			if zh {
				b.WriteString("。")
			} else {
				b.WriteString(".")
			}
		}
	}
	return b.String()
}
