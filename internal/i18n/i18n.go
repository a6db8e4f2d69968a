package i18n

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Key names a message in the catalogue.
type Key string

// The languages of the catalogue. Chinese comes first: it is the default.
var (
	// Chinese is Simplified Chinese as written in mainland China.
	Chinese = language.MustParse("zh-CN")
	// English is English.
	English = language.English
)

// Languages are the catalogue's languages, the default first.
var Languages = []language.Tag{Chinese, English}

// CookieName is the cookie that remembers the language a person chose.
const CookieName = "lang"

var (
	matcher = language.NewMatcher(Languages)

	// messages is the catalogue: each file of the package adds its
	// messages in an init function (add), before anything looks one up.
	messages = map[Key]entry{}
	// named are the keys that pages name as strings (templates and
	// scripts) rather than by a Key constant; their packages' tests check
	// each name they use.
	named = map[Key]bool{}

	// cat holds the messages looked up so far, each compiled on its
	// first use: a command that prints one message compiles one, not the
	// whole catalogue. catalog.Builder is safe for concurrent use.
	cat      = catalog.NewBuilder(catalog.Fallback(Chinese))
	compiled sync.Map // Key → true once in cat
)

// add puts ms into the catalogue; a key given twice is a programming
// error.
func add(ms map[Key]entry) {
	for k, m := range ms {
		if _, dup := messages[k]; dup {
			panic(fmt.Sprintf("i18n: message %s given twice", k))
		}
		messages[k] = m
	}
}

// addNamed puts ms into the catalogue as messages that pages name by
// string.
func addNamed(ms map[Key]entry) {
	add(ms)
	for k := range ms {
		named[k] = true
	}
}

// catalogue returns the catalogue with key's messages compiled in.
func catalogue(key Key) catalog.Catalog {
	if _, ok := compiled.Load(key); !ok {
		compile(cat, key, messages[key])
		compiled.Store(key, true) // a racing first use compiles it twice, harmlessly
	}
	return cat
}

// compile puts key's messages into b; a message that does not compile is
// a programming error (the package's tests compile every one).
func compile(b *catalog.Builder, key Key, m entry) {
	if err := b.SetString(Chinese, string(key), m.zh); err != nil {
		panic(fmt.Sprintf("i18n: message %s (zh): %v", key, err))
	}
	if err := b.SetString(English, string(key), m.en); err != nil {
		panic(fmt.Sprintf("i18n: message %s (en): %v", key, err))
	}
}

// build compiles every message into a new catalogue.
func build() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(Chinese))
	for key, m := range messages {
		compile(b, key, m)
	}
	return b
}

// Lookup returns the message key in language tag (one of [Languages]; any
// other tag gets the language closest to it), formatted with args as
// fmt.Sprintf would. An unknown key comes back as itself, so that a missing
// message shows as its name rather than as nothing.
func Lookup(tag language.Tag, key Key, args ...any) string {
	if _, ok := messages[key]; !ok {
		return string(key)
	}
	return message.NewPrinter(Match(tag), message.Catalog(catalogue(key))).Sprintf(string(key), args...)
}

// Match returns the catalogue's language closest to tag (Chinese when none
// is close).
func Match(tag language.Tag) language.Tag {
	_, i, conf := matcher.Match(tag)
	if conf == language.No {
		return Chinese
	}
	return Languages[i]
}

// Parse returns the catalogue's language that the language tag s (a cookie
// value, a query parameter: outside input) names, and false when s is not
// a tag or names no language of the catalogue.
func Parse(s string) (language.Tag, bool) {
	if len(s) > 35 {
		return Chinese, false
	}
	t, err := language.Parse(s)
	if err != nil {
		return Chinese, false
	}
	_, i, conf := matcher.Match(t)
	if conf < language.High {
		return Chinese, false
	}
	return Languages[i], true
}

// maxAcceptLanguage bounds the Accept-Language header read: browsers send a
// few dozen bytes.
const maxAcceptLanguage = 512

// Negotiate returns the language to answer r in: the one its "lang" cookie
// names, else the best match of its Accept-Language header, else Chinese.
func Negotiate(r *http.Request) language.Tag {
	if c, err := r.Cookie(CookieName); err == nil {
		if t, ok := Parse(c.Value); ok {
			return t
		}
	}
	if al := r.Header.Get("Accept-Language"); al != "" && len(al) <= maxAcceptLanguage {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			if _, i, conf := matcher.Match(tags...); conf >= language.High {
				return Languages[i]
			}
		}
	}
	return Chinese
}

// Has reports whether the catalogue holds key (templates name keys as
// strings: their tests check each one with Has).
func Has(key Key) bool {
	_, ok := messages[key]
	return ok
}

// Messages returns, in language tag, every message whose key starts with
// one of prefixes, unformatted (a page's script formats them itself).
func Messages(tag language.Tag, prefixes ...string) map[string]string {
	out := map[string]string{}
	lang := Match(tag)
	for k, m := range messages {
		for _, p := range prefixes {
			if strings.HasPrefix(string(k), p) {
				if lang == English {
					out[string(k)] = m.en
				} else {
					out[string(k)] = m.zh
				}
				break
			}
		}
	}
	return out
}

// ProblemTitle is the key of the title of the API's problem type slug
// ("err.<slug>"): what a person reads about the error.
func ProblemTitle(slug string) Key { return Key("err." + slug) }

// ProblemNext is the key of what a person does next after the problem
// type slug ("err.<slug>.next").
func ProblemNext(slug string) Key { return Key("err." + slug + ".next") }
