package httpx

import (
	"fmt"
	"net/http"
	"slices"
	"sync"

	"golang.org/x/text/language"

	"github.com/netid-project/netid/internal/i18n"
)

// Type is a problem type: the slug of its type URI and its HTTP status.
// Its title is not written beside it: it is the message catalogue's
// i18n.ProblemTitle(slug), in the language of the request it answers
// (see [WriteError]), and i18n.ProblemNext(slug) says what a person does
// next.
//
// Declare every Type with [NewType] in a package-level variable, never
// inside a function: the registry ([Types]) then holds every type the
// program can answer before it answers anything, and a test checks that
// each has its messages in every language.
type Type struct {
	Status int
	Slug   string
}

var (
	registryMu sync.Mutex
	registry   = map[string]Type{}
)

// NewType declares the problem type slug answered with status and
// returns it. A slug declared twice must have the same status.
func NewType(status int, slug string) Type {
	if slug == "" || http.StatusText(status) == "" || status < 400 {
		panic(fmt.Sprintf("httpx: problem type %q with status %d", slug, status))
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if t, ok := registry[slug]; ok && t.Status != status {
		panic(fmt.Sprintf("httpx: problem type %q declared with statuses %d and %d", slug, t.Status, status))
	}
	t := Type{Status: status, Slug: slug}
	registry[slug] = t
	return t
}

// Types returns every problem type declared so far, sorted by slug.
func Types() []Type {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]Type, 0, len(registry))
	for _, t := range registry {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Type) int {
		switch {
		case a.Slug < b.Slug:
			return -1
		case a.Slug > b.Slug:
			return 1
		}
		return 0
	})
	return out
}

// languageOf returns the language a problem answering r is written in:
// i18n.Negotiate (the "lang" cookie, then Accept-Language, then
// Chinese); Chinese when r is nil.
func languageOf(r *http.Request) language.Tag {
	if r == nil {
		return i18n.Chinese
	}
	return i18n.Negotiate(r)
}

// localized returns a copy of p whose title is the catalogue's message for
// its type in lang. A problem of a type outside netid's (an "about:blank"
// one) keeps its title.
func (p *Problem) localized(lang language.Tag) *Problem {
	c := p.clone()
	if slug := p.Slug(); slug != p.Type {
		c.Title = i18n.Lookup(lang, i18n.ProblemTitle(slug))
	}
	return c
}
