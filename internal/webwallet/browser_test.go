package webwallet

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/netid-project/netid/internal/browsertest"
)

// traffic records, for the whole test, every request the browser makes
// outside origin, every error the browser logs (a CSP violation, a
// resource that does not load), and every page it received without the
// Content-Security-Policy.
type traffic struct {
	mu      sync.Mutex
	foreign []string
	errors  []string
	pages   int
	noCSP   []string
	// failing are pages answered with an error status on purpose: the
	// browser's log line about it is expected.
	failing map[string]bool
}

func watch(t *testing.T, ctx context.Context, origin string, failing ...string) *traffic {
	t.Helper()
	tr := &traffic{failing: map[string]bool{}}
	for _, p := range failing {
		tr.failing[origin+p] = true
	}
	err := chromedp.Listen(ctx, func(ev any) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if u := e.Request.URL; u != origin && !strings.HasPrefix(u, origin+"/") {
				tr.foreign = append(tr.foreign, u)
			}
		case *network.EventResponseReceived:
			if e.Type == network.ResourceTypeDocument {
				tr.pages++
				if csp, _ := e.Response.Headers["Content-Security-Policy"].(string); csp != ContentSecurityPolicy {
					tr.noCSP = append(tr.noCSP, fmt.Sprintf("%s (%q)", e.Response.URL, csp))
				}
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError && !tr.failing[e.Entry.URL] {
				tr.errors = append(tr.errors, e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func (tr *traffic) check(t *testing.T) {
	t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.foreign) > 0 {
		t.Errorf("the pages loaded from another origin: %v", tr.foreign)
	}
	if len(tr.errors) > 0 {
		t.Errorf("the browser logged errors: %v", tr.errors)
	}
	if tr.pages == 0 || len(tr.noCSP) > 0 {
		t.Errorf("of %d pages, these came without the CSP: %v", tr.pages, tr.noCSP)
	}
}

// shots is the folder for failure screenshots, made on first use and kept
// after the test so that a person can look.
type shots struct {
	t   *testing.T
	dir string
}

func (s *shots) take(ctx context.Context, name string) {
	s.t.Helper()
	if s.dir == "" {
		d, err := os.MkdirTemp("", "netid-webwallet-shots-")
		if err != nil {
			s.t.Errorf("screenshot folder: %v", err)
			return
		}
		s.dir = d
		s.t.Logf("screenshots of the failures are in %s", d)
	}
	if _, err := browsertest.Screenshot(ctx, s.dir, name); err != nil {
		s.t.Errorf("screenshot %s: %v", name, err)
	}
}

func setCookie(ctx context.Context, origin, name, value string) error {
	if value == "" {
		_, err := chromedp.Call(ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: name, URL: origin + "/"})
		return err
	}
	_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: origin + "/", Path: "/"})
	return err
}

// pageState is what the test reads of a page.
type pageState struct {
	Lang     string
	Care     bool
	Overflow bool
	Controls int
}

const readState = `(() => {
	const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]')]
		.filter(el => el.getClientRects().length > 0 && !el.disabled && el.tabIndex >= 0);
	controls.forEach((el, i) => el.dataset.kb = String(i));
	return {
		Lang: document.documentElement.lang,
		Care: document.documentElement.classList.contains("care"),
		Overflow: document.documentElement.scrollWidth > window.innerWidth,
		Controls: controls.length,
	};
})()`

// tabOrder presses Tab once more than there are controls and returns the
// controls focus reached, by their data-kb index, and their ids.
func tabOrder(ctx context.Context, n int) (map[string]bool, map[string]bool, error) {
	reached, ids := map[string]bool{}, map[string]bool{}
	for range n + 1 {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			return nil, nil, err
		}
		f, err := chromedp.Run(ctx, chromedp.Evaluate[[2]string](`[document.activeElement.dataset.kb || "", document.activeElement.id || document.activeElement.getAttribute("href") || ""]`))
		if err != nil {
			return nil, nil, err
		}
		if f[0] != "" {
			reached[f[0]] = true
		}
		ids[f[1]] = true
	}
	return reached, ids, nil
}

// Every page (and the error page of a damaged link), in Chinese and
// English, normal and 关怀版, at phone and desktop width: axe-core finds nothing above moderate, the page does not
// scroll sideways, its lang is the language's, and Tab reaches every
// control, the switches and the navigation among them. No page loads
// anything from another origin or makes the browser log an error (a CSP
// violation would).
func TestPagesInBrowser(t *testing.T) {
	bctx := browsertest.New(t)
	srv, _ := newServer(t, "")
	const damaged = "/wallet/verify?code=damaged"
	tr := watch(t, bctx, srv.URL, damaged)
	sh := &shots{t: t}
	runs := 0
	// perPage counts, for each path, its views and the violations of each
	// impact axe-core found on them (the report at the end).
	type tally struct{ views, minor, moderate, serious, critical int }
	perPage := map[string]*tally{}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, care := range []bool{false, true} {
			careValue := ""
			if care {
				careValue = "1"
			}
			if err := setCookie(bctx, srv.URL, "lang", lang); err != nil {
				t.Fatal(err)
			}
			if err := setCookie(bctx, srv.URL, CareCookie, careValue); err != nil {
				t.Fatal(err)
			}
			for _, width := range []int64{360, 1280} {
				for _, path := range append(pagePaths(), damaged) {
					name := fmt.Sprintf("%s-%s-care%v-%d", strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(path), lang, care, width)
					ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
					err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800), chromedp.Navigate(srv.URL+path), chromedp.WaitReady(chromedp.CSS("footer")))
					var st pageState
					if err == nil {
						st, err = chromedp.Run(ctx, chromedp.Evaluate[pageState](readState))
					}
					if err != nil {
						cancel()
						t.Fatalf("%s: %v", name, err)
					}
					failed := false
					if st.Lang != lang || st.Care != care {
						t.Errorf("%s: lang %q, care %v", name, st.Lang, st.Care)
						failed = true
					}
					if st.Overflow {
						t.Errorf("%s: the page scrolls sideways", name)
						failed = true
					}
					vs, err := browsertest.Axe(ctx)
					if err != nil {
						cancel()
						t.Fatalf("%s: %v", name, err)
					}
					for _, v := range browsertest.Above(vs, "moderate") {
						t.Errorf("%s: axe-core: %s", name, v)
						failed = true
					}
					tl := perPage[path]
					if tl == nil {
						tl = &tally{}
						perPage[path] = tl
					}
					tl.views++
					for _, v := range vs {
						switch v.Impact {
						case "minor":
							tl.minor++
						case "moderate":
							tl.moderate++
						case "serious":
							tl.serious++
						case "critical":
							tl.critical++
						}
					}
					runs++
					if width == 1280 {
						reached, ids, err := tabOrder(ctx, st.Controls)
						if err != nil {
							cancel()
							t.Fatalf("%s: %v", name, err)
						}
						if len(reached) != st.Controls {
							t.Errorf("%s: Tab reaches %d of %d controls", name, len(reached), st.Controls)
							failed = true
						}
						want := []string{"lang-zh", "lang-en", "care", "/"}
						if strings.HasPrefix(path, "/wallet") && path != damaged {
							want = append(want, "/wallet")
							for _, s := range mainSections {
								want = append(want, s.Path())
							}
						}
						for _, id := range want {
							if !ids[id] {
								t.Errorf("%s: Tab does not reach %s", name, id)
								failed = true
							}
						}
					}
					if failed {
						sh.take(ctx, name)
					}
					cancel()
				}
			}
		}
	}
	t.Logf("axe-core %s ran on %d page views", browsertest.AxeVersion, runs)
	for _, path := range append(pagePaths(), damaged) {
		if tl := perPage[path]; tl != nil {
			t.Logf("axe-core on %s: %d views; violations critical %d, serious %d, moderate %d, minor %d",
				path, tl.views, tl.critical, tl.serious, tl.moderate, tl.minor)
		}
	}
	tr.check(t)
	t.Logf("the browser received %d pages, each with the CSP", tr.pages)
}

// The switches work in a browser with no script (the CSP lets none run):
// a click changes the language or the mode, returns to the same page, and
// the choice holds on the next page. The browser asks for English first
// (Accept-Language), which the first visit follows.
func TestSwitchesInBrowser(t *testing.T) {
	bctx := browsertest.New(t, chromedp.Flag("lang", "en-US"), chromedp.Env("LANGUAGE=en_US"))
	srv, _ := newServer(t, "")
	tr := watch(t, bctx, srv.URL)
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	state := func() pageState {
		t.Helper()
		st, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](readState))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/wallet/history"), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatal(err)
	}
	if st := state(); st.Lang != "en" || st.Care {
		t.Fatalf("first visit: %+v", st)
	}
	for _, step := range []struct {
		button string
		lang   string
		care   bool
	}{
		{"lang-zh", "zh-CN", false},
		{"care", "zh-CN", true},
		{"lang-en", "en", true},
		{"care", "en", false},
	} {
		// Mark the page, so that the wait below sees the next one.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.dataset.old = "1", true`)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID(step.button)),
			chromedp.WaitReady(chromedp.CSS(`html:not([data-old]) footer`))); err != nil {
			t.Fatalf("%s: %v", step.button, err)
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if st := state(); st.Lang != step.lang || st.Care != step.care || loc != srv.URL+"/wallet/history" {
			t.Fatalf("after %s: %+v at %s", step.button, st, loc)
		}
	}
	tr.check(t)
}
