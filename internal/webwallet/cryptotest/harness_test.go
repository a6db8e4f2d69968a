package cryptotest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/devauthority"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/platform"
)

// modulePath is the module under test, relative to this package.
const modulePath = "../static/crypto.js"

// testPage loads the module and exposes it as window.wc; window.ready
// says it loaded.
const testPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crypto.js test</title>
<script type="module" src="/cryptotest/main.js"></script></head><body></body></html>`

const testMain = `import * as wc from "/cryptotest/crypto.js";
window.wc = wc;
window.ready = true;`

// sent is one request the page sent to the platform.
type sent struct {
	method, url string
	header      http.Header
	body        []byte
}

// env is a dev platform and the test page on one origin.
type env struct {
	t   testing.TB
	p   *platform.Platform
	url string

	mu   sync.Mutex
	sent []sent
}

// fastPasswords keeps argon2id cheap in tests; production uses the defaults.
var fastPasswords = password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}

// newEnv starts a dev platform (SQLite in a temporary folder, rate limits
// off) with the test page under /cryptotest/, recording every other
// request.
func newEnv(t testing.TB) *env {
	t.Helper()
	module, err := os.ReadFile(modulePath)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("test", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.MasterKeyFile = cfg.DataDir + "/master.key"
	cfg.TrustDir = cfg.DataDir + "/trust"
	cfg.Dev = true
	cfg.RateLimit, cfg.ClientRateLimit = 0, 0
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + ln.Addr().String()
	var logOut io.Writer = io.Discard
	if testing.Verbose() {
		logOut = os.Stderr
	}
	p, err := platform.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(logOut, nil)), platform.Options{PasswordParams: fastPasswords})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, p: p, url: cfg.PublicURL}
	mux := http.NewServeMux()
	serve := func(ctype string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(body)
		}
	}
	mux.Handle("GET /cryptotest/{$}", serve("text/html; charset=utf-8", []byte(testPage)))
	mux.Handle("GET /cryptotest/main.js", serve("text/javascript; charset=utf-8", []byte(testMain)))
	mux.Handle("GET /cryptotest/crypto.js", serve("text/javascript; charset=utf-8", module))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "reading the body", http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		e.sent = append(e.sent, sent{method: r.Method, url: r.URL.String(), header: r.Header.Clone(), body: b})
		e.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		p.Handler.ServeHTTP(w, r)
	}))
	ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		p.Close()
	})
	return e
}

// requests returns what the page sent to the platform so far.
func (e *env) requests() []sent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]sent(nil), e.sent...)
}

// call is a request from the test itself (not recorded: it bypasses the
// page), authorized by token: an application's bearer token, or "proof "
// and a holder proof.
func (e *env) call(method, path, token string, body, out any, want int) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case strings.HasPrefix(token, "proof "):
		req.Header.Set(holder.Header, strings.TrimPrefix(token, "proof "))
	case token != "":
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// Straight to the platform's handler: the test's own requests are not
	// the page's.
	rec := httptest.NewRecorder()
	e.p.Handler.ServeHTTP(rec, req)
	if rec.Code != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, rec.Code, want, rec.Body.Bytes())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			e.t.Fatalf("%s %s: decoding %s: %v", method, path, rec.Body.Bytes(), err)
		}
	}
}

func (e *env) jwks() jose.JSONWebKeySet {
	e.t.Helper()
	var set jose.JSONWebKeySet
	e.call("GET", "/.well-known/jwks.json", "", nil, &set, http.StatusOK)
	return set
}

var seq struct {
	sync.Mutex
	n int
}

// applicant is a person with a fresh resident ID number and phone.
type applicant struct {
	identity document.Identity
	face     []byte
	phone    string
	password string
}

// newApplicant is an adult applicant.
func newApplicant(t testing.TB) applicant {
	return newApplicantBorn(t, document.Date{Year: 1985, Month: 6, Day: 15})
}

// newApplicantBorn is an applicant born on birth.
func newApplicantBorn(t testing.TB, birth document.Date) applicant {
	seq.Lock()
	seq.n++
	n := seq.n
	seq.Unlock()
	number, err := document.MakeNumber18("110105", birth, 2*n+1)
	if err != nil {
		t.Fatal(err)
	}
	id := document.Identity{
		Type: document.ResidentIDCard, Number: number, Name: fmt.Sprintf("浏览器%d号", n), Sex: document.Male,
		Ethnicity: "汉", Birth: birth, Address: "北京市朝阳区测试路1号", IssuingAuthority: "北京市公安局朝阳分局",
		ValidFrom: document.Date{Year: 2020, Month: 1, Day: 1}, ValidUntil: document.Date{Year: 2040, Month: 1, Day: 1},
	}
	return applicant{identity: id, face: devauthority.FaceImage(id.Name), phone: fmt.Sprintf("+8613%09d", 200000000+n*7919), password: "27418596"}
}

// applyUntilDevice walks an application from the document to the device
// key step (the steps the browser test is not about) and returns it.
func (e *env) applyUntilDevice(a applicant) (api.StartedApplication, api.Application) {
	e.t.Helper()
	var app api.StartedApplication
	e.call("POST", "/v1/applications", "", map[string]any{"document_type": a.identity.Type}, &app, http.StatusCreated)
	return app, e.walk(a, app)
}

// walk takes an application from where it is to the device key step.
func (e *env) walk(a applicant, app api.StartedApplication) api.Application {
	e.t.Helper()
	var v api.Application
	e.call("GET", "/v1/applications/"+app.ID, app.Token, nil, &v, http.StatusOK)
	now := time.Now()
	for v.State != "device" {
		path := "/v1/applications/" + app.ID
		switch v.State {
		case "document":
			d, err := e.p.Server.Dev.Documents.Mint(a.identity, a.face, now)
			if err != nil {
				e.t.Fatal(err)
			}
			e.call("PUT", path+"/document", app.Token, map[string]any{"chip": d}, &v, http.StatusOK)
		case "face":
			att, err := e.p.Server.Dev.Liveness.Attest(context.Background(), liveness.Request{Challenge: v.FaceChallenge, ApplicationID: app.ID, FaceImageHash: sha256.Sum256(a.face)})
			if err != nil {
				e.t.Fatal(err)
			}
			e.call("POST", path+"/face", app.Token, map[string]any{"attestation": att}, &v, http.StatusOK)
		case "phone":
			e.call("POST", path+"/phone", app.Token, map[string]any{"phone": a.phone}, nil, http.StatusAccepted)
			e.call("POST", path+"/phone/verify", app.Token, map[string]any{"code": e.smsCode(a.phone)}, &v, http.StatusOK)
		case "password":
			e.call("PUT", path+"/password", app.Token, map[string]any{"password": a.password}, &v, http.StatusOK)
		default:
			e.t.Fatalf("cannot go on from state %s", v.State)
		}
	}
	return v
}

func (e *env) smsCode(phone string) string {
	e.t.Helper()
	m, ok := e.p.Outbox.Latest(phone)
	if !ok {
		e.t.Fatal("no SMS sent")
	}
	for _, f := range strings.FieldsFunc(m.Text, func(r rune) bool { return r < '0' || r > '9' }) {
		if len(f) == 6 {
			return f
		}
	}
	e.t.Fatal("no code in the SMS")
	return ""
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
	p := &page{t: t, ctx: ctx, url: e.url + "/cryptotest/", profile: profile, stop: stop}
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
