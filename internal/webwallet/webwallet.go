package webwallet

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/text/language"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/help"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/oidc"
)

//go:embed static
var staticFiles embed.FS

//go:embed templates
var templateFiles embed.FS

// Paths of the pages.
const (
	PathLanding = "/"
	PathWallet  = "/wallet"
	// PathPrefs takes the switches' form (language, care mode).
	PathPrefs = "/wallet/prefs"
	// PathStatic serves the embedded assets (style sheet, scripts).
	PathStatic = "/wallet/static/"
	// PathEIDVerifier is the in-person verifier page: an enrolled
	// terminal scans eID codes (static/pages/verifier.js).
	PathEIDVerifier = "/verify/eid"
)

// ContentSecurityPolicy is every page's policy: scripts, styles and
// requests only from this origin (no inline script or style, nothing from
// another origin), images from here or made in the page (blob: for the
// eID card's photo), no plugins, no framing, forms posting only here.
// The camera's video goes to a <video> element as a MediaStream object,
// which no source directive governs.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' blob:; media-src 'self' blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// PermissionsPolicy lets the pages (and nothing they could frame) use the
// camera, for the face check and for scanning a relying party's QR code;
// every other powerful feature is off.
const PermissionsPolicy = "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()"

// CareCookie remembers the care mode (关怀版): "1" on, absent or "0" off.
const CareCookie = "care"

// prefsMaxAge is how long the language and care-mode cookies last.
const prefsMaxAge = 365 * 24 * 60 * 60

// Handler serves the pages. Mount it on the platform's mux.
type Handler struct {
	// PublicURL is the platform's external base URL: an https URL makes
	// every cookie Secure.
	PublicURL string
	// Log receives what a person's error page does not show.
	Log *slog.Logger
	// Dev makes the pages offer the development fixtures the platform
	// serves under /dev/ in --dev mode: a test document from the dev
	// document authority, the dev face check, the dev SMS outbox.
	Dev bool
	// Liveness says the platform relays face checks to a liveness
	// provider (POST /v1/liveness): the pages then offer the camera for
	// the face step, and otherwise say at once that no face check can be
	// done here.
	Liveness bool
	// Help is the operator's help, in every page's footer (and, from the
	// problems that carry it, under the errors a person cannot resolve
	// alone).
	Help help.Help

	pages map[string]*template.Template
}

// New returns a Handler for the platform at publicURL.
func New(publicURL string, log *slog.Logger) *Handler {
	h := &Handler{PublicURL: publicURL, Log: log}
	h.pages = parsePages()
	return h
}

func (h *Handler) secure() bool { return strings.HasPrefix(h.PublicURL, "https://") }

func (h *Handler) csrf() CSRF { return CSRF{Secure: h.secure()} }

// Mount registers the pages on mux. Only the exact path / is the landing
// page: every other unknown path stays the platform's JSON 404.
func (h *Handler) Mount(mux *http.ServeMux) {
	if h.pages == nil {
		h.pages = parsePages()
	}
	mux.HandleFunc("GET /{$}", h.landing)
	mux.HandleFunc("GET "+PathWallet, h.home)
	for _, s := range sections {
		mux.HandleFunc("GET "+s.Path(), h.section(s))
	}
	mux.HandleFunc("GET "+linkPathPattern, h.link)
	mux.HandleFunc("GET "+PathEIDVerifier, h.verifier)
	mux.HandleFunc("POST "+PathPrefs, h.prefs)
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix(PathStatic, http.FileServerFS(static))
	mux.Handle("GET "+PathStatic+"{file...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	}))
}

// parsePages parses each page's template with the layout around it.
func parsePages() map[string]*template.Template {
	layout := template.Must(template.ParseFS(templateFiles, "templates/layout.html"))
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		pages[base] = template.Must(template.Must(layout.Clone()).ParseFS(templateFiles, name))
	}
	return pages
}

// page is what every template sees.
type page struct {
	Lang     language.Tag
	HTMLLang string
	Care     bool
	CSRF     string
	// Back is where the switches return to: this page.
	Back  string
	Title i18n.Key
	// Wallet shows the wallet's navigation; Current is the section shown.
	Wallet   bool
	Current  string
	Sections []section
	// Section is the section page's section.
	Section *section
	// Link is the wallet link of the same-device page.
	Link    string
	LinkURL template.URL
	// What and Next are an error page's two lines.
	What, Next i18n.Key
	// Script is the page's own module under static/pages/ (without .js),
	// if it has one; Messages are the catalogue's messages it shows,
	// given to it in a JSON block (see static/wallet.js).
	Script   string
	Messages map[string]string
	// Style is set when the page's script has its own style sheet,
	// static/pages/<script>.css.
	Style bool
	// Dev is the Handler's Dev; Liveness the Handler's Liveness.
	Dev      bool
	Liveness bool
	// Help is the operator's help in the page's language (zero: none);
	// HelpTel its hotline as a tel: URI.
	Help    api.Help
	HelpTel template.URL
}

// HasHelp reports whether the operator configured help.
func (p page) HasHelp() bool { return p.Help != (api.Help{}) }

// T returns the message key in the page's language.
func (p page) T(key i18n.Key, args ...any) string { return i18n.Lookup(p.Lang, key, args...) }

// newPage fills what every page needs from the request.
func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, title i18n.Key) (page, error) {
	tag := i18n.Negotiate(r)
	tok, err := h.csrf().Token(w, r)
	if err != nil {
		return page{}, err
	}
	p := page{Lang: tag, HTMLLang: tag.String(), Care: careMode(r), CSRF: tok, Back: r.URL.RequestURI(), Title: title, Dev: h.Dev, Liveness: h.Liveness}
	if h.Help.Configured() {
		// The operator's values, checked at start (help.Help.Validate):
		// the hotline holds only digits, spaces, hyphens and a +.
		p.Help, p.HelpTel = h.Help.For(tag), template.URL(h.Help.Tel())
	}
	p.Sections = sections
	if p.Care {
		p.Sections = mainSections
	}
	return p, nil
}

func careMode(r *http.Request) bool {
	c, err := r.Cookie(CareCookie)
	return err == nil && c.Value == "1"
}

// render writes the page named name with status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := h.pages[name]
	if !ok {
		h.log().Error("web wallet: no such page template", "page", name)
		http.Error(w, "page missing", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("Permissions-Policy", PermissionsPolicy)
	hd.Set("Content-Language", p.HTMLLang)
	hd.Add("Vary", "Cookie, Accept-Language")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "layout", p); err != nil {
		h.log().Error("web wallet: rendering a page", "page", name, "err", err)
	}
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// fail answers with the error page: what happened and what to do next.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, what, next i18n.Key) {
	p, err := h.newPage(w, r, i18n.KeyErrorTitle)
	if err != nil {
		h.log().Error("web wallet: error page", "err", err)
		httpx.WriteError(w, r, h.Log, httpx.Internal())
		return
	}
	p.What, p.Next = what, next
	h.render(w, r, status, "error", p)
}

// serve renders page name, or the error page if the request cannot be
// answered.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, name string, title i18n.Key, fill func(*page)) {
	p, err := h.newPage(w, r, title)
	if err != nil {
		h.log().Error("web wallet: page", "page", name, "err", err)
		h.fail(w, r, http.StatusInternalServerError, i18n.KeyErrorBadRequest, i18n.KeyErrorExpiredNext)
		return
	}
	if fill != nil {
		fill(&p)
	}
	h.render(w, r, http.StatusOK, name, p)
}

func (h *Handler) landing(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, "landing", i18n.KeyLandingTitle, nil)
}

// verifier is the in-person verifier's page: not a wallet section (a
// terminal holds no wallet), on the same origin and shared modules.
func (h *Handler) verifier(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, "verifier", "verifier.title", func(p *page) {
		p.withScript("verifier", "verifier.")
	})
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, "home", i18n.KeyWalletTitle, func(p *page) {
		p.Wallet = true
		p.withScript("home", "home.")
	})
}

// section serves a section's page: its own template and script when it
// has them, else the placeholder naming the command-line wallet's
// commands.
func (h *Handler) section(s section) http.HandlerFunc {
	name := "section"
	if _, ok := h.pages[s.Slug]; ok {
		name = s.Slug
	}
	return func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, name, s.Name, func(p *page) {
			p.Wallet, p.Current, p.Section = true, s.Slug, &s
			if name != "section" {
				p.withScript(s.Slug, s.Slug+".")
			}
		})
	}
}

// scriptPrefixes are the messages every page script gets besides its own:
// the shared ones of static/wallet.js (js.) and the person-facing texts of
// the API's problems (err.).
var scriptPrefixes = []string{"js.", "err."}

// withScript gives the page its module static/pages/<script>.js and the
// messages under prefixes (and the shared ones).
func (p *page) withScript(script string, prefixes ...string) {
	p.Script = script
	_, err := fs.Stat(staticFiles, "static/pages/"+script+".css")
	p.Style = err == nil
	p.Messages = i18n.Messages(p.Lang, append(append([]string(nil), scriptPrefixes...), prefixes...)...)
}

// maxPrefsForm bounds the switches' form.
const maxPrefsForm = 4 << 10

// prefs takes the switches' form: it sets the language or care-mode
// cookie and returns to the page the form was on.
func (h *Handler) prefs(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPrefsForm)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, i18n.KeyErrorBadRequest, i18n.KeyErrorExpiredNext)
		return
	}
	if err := h.csrf().Check(r); err != nil {
		h.log().Info("web wallet: preferences form refused", "err", err)
		h.fail(w, r, http.StatusForbidden, i18n.KeyErrorExpired, i18n.KeyErrorExpiredNext)
		return
	}
	if v := r.PostFormValue("lang"); v != "" {
		tag, ok := i18n.Parse(v)
		if !ok {
			h.fail(w, r, http.StatusBadRequest, i18n.KeyErrorBadRequest, i18n.KeyErrorExpiredNext)
			return
		}
		h.setCookie(w, i18n.CookieName, tag.String())
	}
	switch v := r.PostFormValue("care"); v {
	case "":
	case "0", "1":
		h.setCookie(w, CareCookie, v)
	default:
		h.fail(w, r, http.StatusBadRequest, i18n.KeyErrorBadRequest, i18n.KeyErrorExpiredNext)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back")), http.StatusSeeOther)
}

func (h *Handler) setCookie(w http.ResponseWriter, name, value string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: prefsMaxAge,
		HttpOnly: true, Secure: h.secure(), SameSite: http.SameSiteStrictMode,
	})
}

// maxBack bounds the path the switches return to.
const maxBack = 2048

// localPath returns back if it is a path on this site, else the wallet's
// home: the switches never redirect elsewhere.
func localPath(back string) string {
	if len(back) > maxBack || !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") ||
		strings.ContainsAny(back, "\\\r\n\t") {
		return PathWallet
	}
	if u, err := url.Parse(back); err != nil || u.Scheme != "" || u.Host != "" {
		return PathWallet
	}
	return back
}

// sdkImport is the relying parties' Go SDK.
const sdkImport = "github.com/netid-project/netid/rp"

// registerCommand is how an operator registers a relying party.
const registerCommand = "netid admin rp add"

func (p page) SDK() string       { return sdkImport }
func (p page) Register() string  { return registerCommand }
func (p page) Verifier() string  { return PathEIDVerifier }
func (p page) Discovery() string { return oidc.PathDiscovery }
