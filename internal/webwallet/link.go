package webwallet

import (
	"html/template"
	"mime"
	"net/http"
	"strings"

	"github.com/netid-project/netid/internal/deeplink"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/i18n"
)

// linkPathPattern is the path of the https form of a wallet link,
// <platform>/wallet/<action>?…: the sections' own paths are more specific
// and win.
const linkPathPattern = deeplink.UniversalPathPrefix + "{action}"

// link is the same-device page of a wallet link, opened on a device where
// no wallet app took the link. Where this browser holds a web wallet, its
// script opens the Approve page with the link; else it shows the netid://
// link, how to answer it with the reference wallet, and how to apply. A
// link that does not parse answers a person with an error page and a
// program with a problem document.
func (h *Handler) link(w http.ResponseWriter, r *http.Request) {
	l, err := deeplink.Parse(strings.TrimSuffix(h.PublicURL, "/") + r.URL.RequestURI())
	if err != nil {
		if !wantsHTML(r) {
			httpx.WriteError(w, r, h.Log, httpx.New(typeInvalidLink, "this is not a valid netid wallet link"))
			return
		}
		h.fail(w, r, http.StatusBadRequest, i18n.KeyErrorBadLink, i18n.KeyErrorBadLinkNext)
		return
	}
	h.serve(w, r, "link", i18n.KeyLinkTitle, func(p *page) {
		p.Wallet, p.Current = true, "approve"
		// html/template lets only http, https and mailto URLs into an
		// href (anything else becomes #ZgotmplZ); this netid:// link was
		// parsed and rebuilt by deeplink, so it is safe to mark as a URL.
		p.Link, p.LinkURL = l.String(), template.URL(l.String())
		// Its script opens the Approve page when this browser holds a
		// wallet.
		p.withScript("link", "link.")
	})
}

// wantsHTML reports whether r comes from a browser (its Accept names
// text/html) rather than from a program.
func wantsHTML(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/html" {
			return true
		}
	}
	return false
}

// typeInvalidLink answers a wallet link that is not one.
var typeInvalidLink = httpx.NewType(http.StatusBadRequest, "invalid-link")
