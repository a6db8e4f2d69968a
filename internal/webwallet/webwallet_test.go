package webwallet

import (
	"bytes"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/i18n"
)

// testCode is a well-formed wallet link code.
const testCode = "k3J9xQ2pZ7vB1mN8"

// newServer serves the pages as netid serve does: behind the API's
// security headers, with the JSON 404 for every other path.
func newServer(t *testing.T, publicURL string) (*httptest.Server, *Handler) {
	t.Helper()
	mux := http.NewServeMux()
	h := New(publicURL, slog.New(slog.DiscardHandler))
	h.Mount(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { httpx.WriteError(w, r, nil, httpx.NotFound()) })
	srv := httptest.NewServer(httpx.SecurityHeaders(mux))
	t.Cleanup(srv.Close)
	if publicURL == "" {
		h.PublicURL = srv.URL
	}
	return srv, h
}

// pagePaths are every page a person can open.
func pagePaths() []string {
	paths := []string{"/", "/wallet"}
	for _, s := range sections {
		paths = append(paths, s.Path())
	}
	return append(paths, "/wallet/verify?code="+testCode, PathEIDVerifier)
}

type answer struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, c *http.Client, u string, hdr map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Every page: 200, HTML, the strict CSP (over the API's), no inline style
// or script, the language by cookie then Accept-Language, care mode by
// cookie, the switches' form with a CSRF token equal to its cookie.
func TestPages(t *testing.T) {
	srv, _ := newServer(t, "")
	c := noRedirect()
	for _, p := range pagePaths() {
		for _, tc := range []struct {
			name     string
			hdr      map[string]string
			lang     string
			care     bool
			contains string
		}{
			{"default", nil, "zh-CN", false, "中文"},
			{"accept en", map[string]string{"Accept-Language": "en-US,en;q=0.9"}, "en", false, "Care mode"},
			{"cookie zh over accept en", map[string]string{"Accept-Language": "en", "Cookie": "lang=zh-CN"}, "zh-CN", false, "关怀版"},
			{"cookie en, care", map[string]string{"Cookie": "lang=en; care=1"}, "en", true, "Standard mode"},
			{"care zh", map[string]string{"Cookie": "care=1"}, "zh-CN", true, "标准版"},
		} {
			a := get(t, c, srv.URL+p, tc.hdr)
			if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s (%s): %d %s", p, tc.name, a.status, a.body)
			}
			if got := a.header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
				t.Errorf("%s: CSP %q", p, got)
			}
			if !strings.Contains(a.body, `<html lang="`+tc.lang+`"`) {
				t.Errorf("%s (%s): not lang %s", p, tc.name, tc.lang)
			}
			if got := strings.Contains(a.body, `class="care"`); got != tc.care {
				t.Errorf("%s (%s): care mode %v", p, tc.name, got)
			}
			if !strings.Contains(a.body, tc.contains) {
				t.Errorf("%s (%s): lacks %q", p, tc.name, tc.contains)
			}
			for _, bad := range []string{"<style", "style=", "onclick", "ZgotmplZ", "%!"} {
				if strings.Contains(a.body, bad) {
					t.Errorf("%s (%s): holds %q", p, tc.name, bad)
				}
			}
			// The only scripts: the page's module from this origin and
			// its messages as a JSON data block (not run).
			scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(a.body, -1)
			for _, sc := range scripts {
				if sc != `<script type="application/json" id="netid-messages">` &&
					!regexp.MustCompile(`^<script type="module" src="/wallet/static/pages/[a-z-]+\.js">$`).MatchString(sc) {
					t.Errorf("%s (%s): script element %s", p, tc.name, sc)
				}
			}
			if got := a.header.Get("Permissions-Policy"); got != PermissionsPolicy {
				t.Errorf("%s: Permissions-Policy %q", p, got)
			}
			tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(a.body)
			if tok == nil {
				t.Fatalf("%s: no CSRF field", p)
			}
			var cookie string
			for _, ck := range (&http.Response{Header: a.header}).Cookies() {
				if ck.Name == "netid_csrf" {
					cookie = ck.Value
					if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure {
						t.Errorf("CSRF cookie %+v", ck)
					}
				}
			}
			if cookie != tok[1] {
				t.Errorf("%s: form token %q, cookie %q", p, tok[1], cookie)
			}
		}
	}
}

// The wallet's home lists the six sections, care mode's only the three
// main actions; each section page says it is coming and names its
// commands; the navigation marks the current page.
func TestSections(t *testing.T) {
	srv, _ := newServer(t, "")
	c := noRedirect()
	home := get(t, c, srv.URL+"/wallet", nil).body
	care := get(t, c, srv.URL+"/wallet", map[string]string{"Cookie": "care=1"}).body
	for _, s := range sections {
		// The navigation and the tile (and, for Apply, the home screen's
		// own call to apply when the browser holds no wallet yet).
		extra := strings.Count(home, `class="button primary" href="`+s.Path()+`"`)
		if n := strings.Count(home, `href="`+s.Path()+`"`) - extra; n != 2 {
			t.Errorf("home links %d times to %s, want nav and tile", n, s.Path())
		}
		want := 0
		if s.Main {
			want = 2
		}
		careExtra := strings.Count(care, `class="button primary" href="`+s.Path()+`"`)
		if n := strings.Count(care, `href="`+s.Path()+`"`) - careExtra; n != want {
			t.Errorf("care home links %d times to %s, want %d", n, s.Path(), want)
		}
		for _, lang := range []string{"zh-CN", "en"} {
			tag, _ := i18n.Parse(lang)
			body := get(t, c, srv.URL+s.Path(), map[string]string{"Cookie": "lang=" + lang}).body
			wants := []string{i18n.Lookup(tag, s.Name)}
			if _, own := parsePages()[s.Slug]; !own {
				wants = append(wants, i18n.Lookup(tag, i18n.KeyComingSoon), s.Commands[0])
			}
			for _, want := range wants {
				if !strings.Contains(body, escaped(want)) {
					t.Errorf("%s (%s) lacks %q", s.Path(), lang, want)
				}
			}
			if !strings.Contains(body, `href="`+s.Path()+`" aria-current="page"`) {
				t.Errorf("%s (%s): the navigation does not mark it current", s.Path(), lang)
			}
		}
	}
	if got := len(mainSections); got != 3 {
		t.Fatalf("%d main actions", got)
	}
}

// escaped escapes s as html/template writes text.
func escaped(s string) string {
	return strings.NewReplacer("'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

// The same-device page shows the netid:// link itself; a damaged link
// gives a person a page saying what to do, and a program the problem.
func TestLinkPage(t *testing.T) {
	srv, _ := newServer(t, "")
	c := noRedirect()
	a := get(t, c, srv.URL+"/wallet/verify?code="+testCode, nil)
	if !strings.Contains(a.body, `id="wallet-link" href="netid://verify?`) || !strings.Contains(a.body, "code="+testCode) {
		t.Fatalf("link page: %s", a.body)
	}
	a = get(t, c, srv.URL+"/wallet/verify?code=short", map[string]string{"Accept": "text/html,application/xhtml+xml;q=0.9", "Accept-Language": "en"})
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, i18n.Lookup(i18n.English, i18n.KeyErrorBadLinkNext)) || strings.Contains(a.body, "deeplink") {
		t.Fatalf("damaged link, browser: %d %s", a.status, a.body)
	}
	if a.header.Get("Content-Security-Policy") != ContentSecurityPolicy {
		t.Fatalf("error page CSP %q", a.header.Get("Content-Security-Policy"))
	}
	a = get(t, c, srv.URL+"/wallet/verify?code=short", nil)
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, `"invalid-link"`) && !strings.Contains(a.body, "/invalid-link") {
		t.Fatalf("damaged link, program: %d %s", a.status, a.body)
	}
}

// Only / is the landing page; other paths stay the JSON 404.
func TestUnknownPathsStayProblems(t *testing.T) {
	srv, _ := newServer(t, "")
	for _, p := range []string{"/nope", "/v1/nope", "/wallet/", "/wallet/nope/deeper", "/index.html"} {
		a := get(t, noRedirect(), srv.URL+p, map[string]string{"Accept": "text/html"})
		if a.status != http.StatusNotFound || !strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d %s %s", p, a.status, a.header.Get("Content-Type"), a.body)
		}
	}
	a := get(t, noRedirect(), srv.URL+"/wallet/static/style.css", nil)
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/css") {
		t.Fatalf("style sheet: %d %s", a.status, a.header.Get("Content-Type"))
	}
}

// Every key a template names is in the catalogue.
func TestTemplatesUseKnownKeys(t *testing.T) {
	files, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	used := 0
	for _, f := range files {
		b, err := fs.ReadFile(templateFiles, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`\.T "([^"]+)"`).FindAllSubmatch(b, -1) {
			used++
			if !i18n.Has(i18n.Key(m[1])) {
				t.Errorf("%s names the unknown message %q", f, m[1])
			}
		}
	}
	if used < 10 {
		t.Fatalf("found only %d messages in the templates", used)
	}
}

// post submits the switches' form.
func post(t *testing.T, srvURL string, form url.Values, cookies string, hdr map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest("POST", srvURL+PathPrefs, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookies != "" {
		req.Header.Set("Cookie", cookies)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := noRedirect().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

const goodToken = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// The switches: with the page's token they set the cookie and return to
// the page (never to another site); without it, or from another site,
// they answer a page saying what to do, in the person's language.
func TestPrefs(t *testing.T) {
	for _, tc := range []struct {
		name, publicURL string
		secure          bool
	}{{"http", "", false}, {"https", "https://id.example", true}} {
		srv, h := newServer(t, tc.publicURL)
		name := h.csrf().CookieName()
		jar := name + "=" + goodToken
		a := post(t, srv.URL, url.Values{"csrf": {goodToken}, "lang": {"en"}, "back": {"/wallet/history"}}, jar, nil)
		if a.status != http.StatusSeeOther || a.header.Get("Location") != "/wallet/history" {
			t.Fatalf("%s: switch answered %d to %q", tc.name, a.status, a.header.Get("Location"))
		}
		cks := (&http.Response{Header: a.header}).Cookies()
		if len(cks) != 1 || cks[0].Name != "lang" || cks[0].Value != "en" || !cks[0].HttpOnly || cks[0].SameSite != http.SameSiteStrictMode || cks[0].Secure != tc.secure || cks[0].Path != "/" {
			t.Fatalf("%s: cookies %+v", tc.name, cks)
		}
		a = post(t, srv.URL, url.Values{"csrf": {goodToken}, "care": {"1"}, "back": {"//evil.example/x"}}, jar, nil)
		if a.header.Get("Location") != "/wallet" {
			t.Errorf("%s: back to %q", tc.name, a.header.Get("Location"))
		}
		if cks := (&http.Response{Header: a.header}).Cookies(); len(cks) != 1 || cks[0].Name != CareCookie || cks[0].Value != "1" || cks[0].Secure != tc.secure {
			t.Errorf("%s: care cookies %+v", tc.name, cks)
		}
		for _, bad := range []struct {
			name    string
			form    url.Values
			cookies string
			hdr     map[string]string
			status  int
		}{
			{"no cookie", url.Values{"csrf": {goodToken}, "lang": {"en"}}, "", nil, http.StatusForbidden},
			{"no field", url.Values{"lang": {"en"}}, jar, nil, http.StatusForbidden},
			{"other token", url.Values{"csrf": {strings.Repeat("B", 43)}, "lang": {"en"}}, jar, nil, http.StatusForbidden},
			{"cross-site", url.Values{"csrf": {goodToken}, "lang": {"en"}}, jar, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
			{"unknown language", url.Values{"csrf": {goodToken}, "lang": {"fr"}}, jar, nil, http.StatusBadRequest},
			{"bad care", url.Values{"csrf": {goodToken}, "care": {"2"}}, jar, nil, http.StatusBadRequest},
		} {
			a := post(t, srv.URL, bad.form, bad.cookies+"; lang=en", bad.hdr)
			if a.status != bad.status || !strings.Contains(a.body, `lang="en"`) || !strings.Contains(a.body, i18n.Lookup(i18n.English, i18n.KeyErrorExpiredNext)) {
				t.Errorf("%s %s: %d %s", tc.name, bad.name, a.status, a.body)
			}
			if strings.Contains(a.body, "webwallet") || strings.Contains(a.body, "csrf:") {
				t.Errorf("%s %s: the page shows an internal error", tc.name, bad.name)
			}
			for _, ck := range (&http.Response{Header: a.header}).Cookies() {
				if ck.Name == "lang" || ck.Name == CareCookie {
					t.Errorf("%s %s: set %s", tc.name, bad.name, ck.Name)
				}
			}
		}
	}
}

func TestCSRF(t *testing.T) {
	c := CSRF{Random: bytes.NewReader(bytes.Repeat([]byte{7}, 64))}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/wallet", nil)
	tok, err := c.Token(w, r)
	if err != nil || !wellFormed(tok) {
		t.Fatalf("token %q, %v", tok, err)
	}
	set := w.Result().Cookies()
	if len(set) != 1 || set[0].Value != tok || set[0].Name != "netid_csrf" {
		t.Fatalf("cookies %+v", set)
	}
	// A browser that has a token keeps it.
	r.AddCookie(set[0])
	w = httptest.NewRecorder()
	if again, err := c.Token(w, r); err != nil || again != tok || len(w.Result().Cookies()) != 0 {
		t.Fatalf("second token %q (%v), cookies %v", again, err, w.Result().Cookies())
	}
	// A cookie that is not a token is replaced.
	r = httptest.NewRequest("GET", "/wallet", nil)
	r.AddCookie(&http.Cookie{Name: "netid_csrf", Value: "x"})
	if fresh, _ := c.Token(httptest.NewRecorder(), r); fresh == "x" || !wellFormed(fresh) {
		t.Fatalf("kept a malformed token %q", fresh)
	}
	if (CSRF{Secure: true}).CookieName() != "__Host-netid_csrf" {
		t.Fatal("a secure cookie without the __Host- prefix")
	}
	// A failing random source is an error, not an empty token.
	if _, err := (CSRF{Random: bytes.NewReader(nil)}).Token(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)); err == nil {
		t.Fatal("no error without randomness")
	}

	check := func(cookie, field, site string) error {
		r := httptest.NewRequest("POST", "/wallet/prefs", strings.NewReader(url.Values{CSRFField: {field}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: "netid_csrf", Value: cookie})
		}
		if site != "" {
			r.Header.Set("Sec-Fetch-Site", site)
		}
		return c.Check(r)
	}
	if err := check(tok, tok, ""); err != nil {
		t.Fatalf("the right token: %v", err)
	}
	if err := check(tok, tok, "same-origin"); err != nil {
		t.Fatalf("same origin: %v", err)
	}
	for _, bad := range [][3]string{
		{"", tok, ""}, {tok, "", ""}, {tok, goodToken, ""}, {"x", "x", ""}, {tok, tok, "cross-site"}, {tok, tok, "same-site"},
	} {
		if err := check(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("accepted cookie %q field %q site %q", bad[0], bad[1], bad[2])
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/wallet/history":         "/wallet/history",
		"/wallet/verify?code=abc": "/wallet/verify?code=abc",
		"/":                       "/",
		"":                        "/wallet",
		"//evil.example":          "/wallet",
		"/\\evil.example":         "/wallet",
		"https://evil.example/":   "/wallet",
		"/x\r\nSet-Cookie: a=b":   "/wallet",
		"javascript:alert(1)":     "/wallet",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzLocalPath: whatever the form says, the switches redirect to a path
// on this site.
func FuzzLocalPath(f *testing.F) {
	f.Add("/wallet")
	f.Add("//evil.example")
	f.Add("/\\x")
	f.Fuzz(func(t *testing.T, back string) {
		got := localPath(back)
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") {
			t.Fatalf("localPath(%q) = %q", back, got)
		}
	})
}

// Every message a page script names (t("…") with a whole key) is in the
// catalogue, and each script's keys are among the messages its page is
// given (its own prefix, js. or err.).
func TestScriptsUseKnownKeys(t *testing.T) {
	files, err := fs.Glob(staticFiles, "static/pages/*.js")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	files = append(files, "static/wallet.js", "static/steps.js")
	call := regexp.MustCompile(`\bt\("([^"]+)"(\s*[,)])`)
	// A PageError names a message and, with ".next", what to do next.
	pageErr := regexp.MustCompile(`new PageError\("([^"]+)"\)`)
	for _, f := range files {
		b, err := fs.ReadFile(staticFiles, f)
		if err != nil {
			t.Fatal(err)
		}
		page := strings.TrimSuffix(strings.TrimPrefix(f, "static/pages/"), ".js")
		var keys []string
		for _, m := range call.FindAllSubmatch(b, -1) {
			keys = append(keys, string(m[1]))
		}
		for _, m := range pageErr.FindAllSubmatch(b, -1) {
			keys = append(keys, string(m[1]), string(m[1])+".next")
		}
		for _, key := range keys {
			if !i18n.Has(i18n.Key(key)) {
				t.Errorf("%s names the unknown message %q", f, key)
			}
			if !strings.HasPrefix(key, "js.") && !strings.HasPrefix(key, "err.") && !strings.HasPrefix(key, page+".") {
				t.Errorf("%s names %q, which its page is not given", f, key)
			}
		}
	}
}
