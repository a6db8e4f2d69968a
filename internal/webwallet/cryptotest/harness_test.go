package cryptotest

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// modulePath is the module under test, relative to this package, and
// smLibraryPath the SM2/SM3 library it loads on an sm platform.
const (
	modulePath    = "../static/crypto.js"
	smLibraryPath = "../static/vendor/sm-crypto-v2/sm-crypto-v2.umd.js"
)

// testPage loads the module and exposes it as window.wc; window.ready
// says it loaded.
const testPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crypto.js test</title>
<script type="module" src="/cryptotest/main.js"></script></head><body></body></html>`

const testMain = `import * as wc from "/cryptotest/crypto.js";
window.wc = wc;
window.ready = true;`

// env is a dev platform (pagetest: SQLite in a temporary folder, rate
// limits off, every request the page sends recorded) with the test page
// and the module under /cryptotest/ on the same origin.
type env struct{ *pagetest.Env }

// newEnv starts the platform (with opts: pagetest.Suite("sm") for one of
// the SM suite) and serves the test page beside it.
func newEnv(t testing.TB, opts ...pagetest.Option) *env {
	t.Helper()
	module, err := os.ReadFile(modulePath)
	if err != nil {
		t.Fatal(err)
	}
	smLibrary, err := os.ReadFile(smLibraryPath)
	if err != nil {
		t.Fatal(err)
	}
	e := pagetest.New(t, opts...)
	serve := func(ctype string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(body)
		}
	}
	e.Handle("GET /cryptotest/{$}", serve("text/html; charset=utf-8", []byte(testPage)))
	e.Handle("GET /cryptotest/main.js", serve("text/javascript; charset=utf-8", []byte(testMain)))
	e.Handle("GET /cryptotest/crypto.js", serve("text/javascript; charset=utf-8", module))
	e.Handle("GET /cryptotest/vendor/sm-crypto-v2/sm-crypto-v2.umd.js", serve("text/javascript; charset=utf-8", smLibrary))
	return &env{e}
}

// jwks is the platform's JWK set (read by jws.JWKS: it may hold SM2
// keys).
func (e *env) jwks() jose.JSONWebKeySet {
	e.T.Helper()
	var set jws.JWKS
	e.Call("GET", "/.well-known/jwks.json", "", nil, &set, http.StatusOK)
	return jose.JSONWebKeySet(set)
}

// applyUntilDevice walks an application from the document to the device
// key step (the steps the browser test is not about) and returns it.
func (e *env) applyUntilDevice(a pagetest.Applicant) (api.StartedApplication, api.Application) {
	e.T.Helper()
	app := e.Start(a)
	return app, e.Walk(a, app, "device")
}

// page is the test page open in a headless Chromium with its own profile.
type page struct {
	t   *testing.T
	ctx context.Context
	url string
	// profile is the browser's profile folder.
	profile string
	// stop ends the browser.
	stop func()
}

// openPage starts Chromium and loads the test page from e.
func openPage(t *testing.T, e *env) *page {
	t.Helper()
	profile := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browsertest.Chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(profile),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	stop := func() {
		cancelBrowser()
		cancelAlloc()
	}
	t.Cleanup(stop)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	p := &page{t: t, ctx: ctx, url: e.URL + "/cryptotest/", profile: profile, stop: stop}
	p.load()
	return p
}

// load (re)loads the test page and waits for the module.
func (p *page) load() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(p.url)); err != nil {
		p.t.Fatalf("loading the test page: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("window.ready === true")); err != nil {
		p.t.Fatalf("loading the test page: %v", err)
	}
}

// run evaluates an async function body in the page (wc is the module)
// with args bound to the JSON values given, and decodes its result.
func run[T any](p *page, body string, args map[string]any) T {
	p.t.Helper()
	v, err := try[T](p, body, args)
	if err != nil {
		p.t.Fatalf("in the page: %v\n%s", err, body)
	}
	return v
}

// try is run returning the page's error (a rejected promise) instead of
// failing.
func try[T any](p *page, body string, args map[string]any) (T, error) {
	p.t.Helper()
	if args == nil {
		args = map[string]any{}
	}
	a, err := json.Marshal(args)
	if err != nil {
		p.t.Fatal(err)
	}
	expr := "(async (args) => { const wc = window.wc; " + body + " })(" + string(a) + ")"
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}
