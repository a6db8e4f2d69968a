package pagetest

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
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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

// FastPasswords keeps argon2id cheap in tests; production uses the
// defaults.
var FastPasswords = password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}

// Sent is one request the browser sent to the platform.
type Sent struct {
	Method, URL string
	Header      http.Header
	Body        []byte
}

// Env is a dev platform on a loopback port.
type Env struct {
	T   testing.TB
	P   *platform.Platform
	URL string

	mu   sync.Mutex
	sent []Sent
	// extra are the test's own routes on the platform's origin (Handle).
	extra *http.ServeMux
}

// Option changes the platform's configuration before it opens.
type Option func(*config.Config)

// Suite runs the platform on the crypto suite name ("es256", "sm").
func Suite(name string) Option {
	return func(c *config.Config) { c.CryptoSuite = name }
}

// New starts a dev platform for the test; it stops with the test.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("test", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.MasterKeyFile = filepath.Join(cfg.DataDir, "master.key")
	cfg.TrustDir = filepath.Join(cfg.DataDir, "trust")
	cfg.Dev = true
	cfg.RateLimit, cfg.ClientRateLimit = 0, 0
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + ln.Addr().String()
	for _, o := range opts {
		o(&cfg)
	}
	var logOut io.Writer = io.Discard
	if testing.Verbose() {
		logOut = os.Stderr
	}
	p, err := platform.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(logOut, nil)), platform.Options{PasswordParams: FastPasswords})
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{T: t, P: p, URL: cfg.PublicURL, extra: http.NewServeMux()}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if x, pattern := e.extra.Handler(r); pattern != "" {
			x.ServeHTTP(w, r)
			return
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "reading the body", http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		e.sent = append(e.sent, Sent{Method: r.Method, URL: r.URL.String(), Header: r.Header.Clone(), Body: b})
		e.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		p.Handler.ServeHTTP(w, r)
	})
	ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		p.Close()
	})
	return e
}

// Handle serves a test's own page or script at pattern on the platform's
// origin (same origin, so the page may call the API and hold IndexedDB
// there). Its requests are not recorded. Call it before the browser
// opens a page.
func (e *Env) Handle(pattern string, h http.Handler) {
	e.extra.Handle(pattern, h)
}

// Requests returns what browsers sent to the platform so far.
func (e *Env) Requests() []Sent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Sent(nil), e.sent...)
}

// Call is a request from the test itself, straight to the platform's
// handler (not recorded), authorized by token: an application's bearer
// token, "proof " and a holder proof, or "basic " and user:password.
// It fails the test unless the status is want, and decodes the answer
// into out.
func (e *Env) Call(method, path, token string, body, out any, want int) {
	e.T.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.T.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case strings.HasPrefix(token, "proof "):
		req.Header.Set(holder.Header, strings.TrimPrefix(token, "proof "))
	case strings.HasPrefix(token, "basic "):
		user, pass, _ := strings.Cut(strings.TrimPrefix(token, "basic "), ":")
		req.SetBasicAuth(user, pass)
	case token != "":
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.P.Handler.ServeHTTP(rec, req)
	if rec.Code != want {
		e.T.Fatalf("%s %s: status %d, want %d; body %s", method, path, rec.Code, want, rec.Body.Bytes())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			e.T.Fatalf("%s %s: decoding %s: %v", method, path, rec.Body.Bytes(), err)
		}
	}
}

var seq struct {
	sync.Mutex
	n int
}

// Applicant is a person with a fresh resident ID number and phone.
type Applicant struct {
	Identity document.Identity
	Face     []byte
	Phone    string
	Password string
}

// NewApplicant is an adult applicant.
func NewApplicant(t testing.TB) Applicant {
	return NewApplicantBorn(t, document.Date{Year: 1985, Month: 6, Day: 15})
}

// NewApplicantBorn is an applicant born on birth.
func NewApplicantBorn(t testing.TB, birth document.Date) Applicant {
	seq.Lock()
	seq.n++
	n := seq.n % 499
	seq.Unlock()
	number, err := document.MakeNumber18("110105", birth, 2*n+1)
	if err != nil {
		t.Fatal(err)
	}
	id := document.Identity{
		Type: document.ResidentIDCard, Number: number, Name: fmt.Sprintf("页面%d号", n), Sex: document.Male,
		Ethnicity: "汉", Birth: birth, Address: "北京市朝阳区测试路1号", IssuingAuthority: "北京市公安局朝阳分局",
		ValidFrom: document.Date{Year: 2020, Month: 1, Day: 1}, ValidUntil: document.Date{Year: 2040, Month: 1, Day: 1},
	}
	return Applicant{Identity: id, Face: devauthority.FaceImage(id.Name), Phone: fmt.Sprintf("+8613%09d", 300000000+n*7919), Password: "27418596"}
}

// Chip is a's document chip, signed by the dev document authority: the
// JSON the Apply page uploads.
func (e *Env) Chip(a Applicant) []byte {
	e.T.Helper()
	d, err := e.P.Server.Dev.Documents.Mint(a.Identity, a.Face, time.Now())
	if err != nil {
		e.T.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		e.T.Fatal(err)
	}
	return b
}

// Start starts an application for a's document type.
func (e *Env) Start(a Applicant) api.StartedApplication {
	e.T.Helper()
	var app api.StartedApplication
	e.Call("POST", "/v1/applications", "", map[string]any{"document_type": a.Identity.Type}, &app, http.StatusCreated)
	return app
}

// Walk takes an application from where it is until state until (e.g.
// "device"), doing each step from Go.
func (e *Env) Walk(a Applicant, app api.StartedApplication, until string) api.Application {
	e.T.Helper()
	var v api.Application
	e.Call("GET", "/v1/applications/"+app.ID, app.Token, nil, &v, http.StatusOK)
	for string(v.State) != until {
		path := "/v1/applications/" + app.ID
		switch v.State {
		case "document":
			e.Call("PUT", path+"/document", app.Token, map[string]any{"chip": json.RawMessage(e.Chip(a))}, &v, http.StatusOK)
		case "face":
			att, err := e.P.Server.Dev.Liveness.Attest(context.Background(), liveness.Request{Challenge: v.FaceChallenge, ApplicationID: app.ID, FaceImageHash: sha256.Sum256(a.Face)})
			if err != nil {
				e.T.Fatal(err)
			}
			e.Call("POST", path+"/face", app.Token, map[string]any{"attestation": att}, &v, http.StatusOK)
		case "phone":
			e.Call("POST", path+"/phone", app.Token, map[string]any{"phone": a.Phone}, nil, http.StatusAccepted)
			e.Call("POST", path+"/phone/verify", app.Token, map[string]any{"code": e.SMSCode(a.Phone)}, &v, http.StatusOK)
		case "password":
			e.Call("PUT", path+"/password", app.Token, map[string]any{"password": a.Password}, &v, http.StatusOK)
		default:
			e.T.Fatalf("cannot go on from state %s to %s", v.State, until)
		}
	}
	return v
}

// SMSCode is the code of the newest SMS the dev outbox sent to phone.
func (e *Env) SMSCode(phone string) string {
	e.T.Helper()
	m, ok := e.P.Outbox.Latest(phone)
	if !ok {
		e.T.Fatal("no SMS sent to " + phone)
	}
	for _, f := range strings.FieldsFunc(m.Text, func(r rune) bool { return r < '0' || r > '9' }) {
		if len(f) == 6 {
			return f
		}
	}
	e.T.Fatal("no code in the SMS")
	return ""
}

// Browser is a headless Chromium with its own profile.
type Browser struct {
	T   testing.TB
	Ctx context.Context
	Env *Env
	// Shots is where Fail writes screenshots.
	Shots string
}

// FakeCamera gives the browser's pages a fake camera (Chromium's test
// pattern, or the y4m file video when not empty) and grants it without
// asking.
func FakeCamera(video string) []chromedp.ExecAllocatorOption {
	o := []chromedp.ExecAllocatorOption{
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
	}
	if video != "" {
		o = append(o, chromedp.Flag("use-file-for-fake-video-capture", video))
	}
	return o
}

// Open starts a Chromium whose pages talk to e: Chinese first, a fake
// camera unless opts are given.
func (e *Env) Open(t testing.TB, opts ...chromedp.ExecAllocatorOption) *Browser {
	t.Helper()
	if len(opts) == 0 {
		opts = FakeCamera("")
	}
	// Pages speak Chinese unless the test chooses English (the switch, or
	// chromedp.Flag("accept-lang", "en")).
	ctx := browsertest.New(t, append([]chromedp.ExecAllocatorOption{chromedp.Flag("accept-lang", "zh-CN")}, opts...)...)
	return &Browser{T: t, Ctx: ctx, Env: e, Shots: filepath.Join(os.TempDir(), "netid-pages-"+strings.ReplaceAll(t.Name(), "/", "_"))}
}

// timeout bounds each step a test takes in the browser.
const timeout = 60 * time.Second

// Do runs chromedp steps, failing the test (with a screenshot) on an
// error: b.Do("signing in", chromedp.SendKeys(chromedp.ID("pw"), "…"),
// chromedp.Click(chromedp.ID("go"))).
func (b *Browser) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.Fail(what, err)
	}
}

// WaitFor waits until the JavaScript expression cond is true (e.g.
// "!document.getElementById('done').hidden"), failing the test with a
// screenshot when it is not within the step timeout. It keeps asking
// through a navigation (a click on a link, a page's own redirect).
func (b *Browser) WaitFor(what, cond string) {
	b.T.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+cond+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err
		}
		if b.Ctx.Err() != nil || time.Now().After(deadline) {
			if last == nil {
				last = fmt.Errorf("still false after %v: %s", timeout, cond)
			}
			b.Fail(what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Fail fails the test with a screenshot of the page and the text of its
// #error box, if any.
func (b *Browser) Fail(what string, err error) {
	b.T.Helper()
	_ = os.MkdirAll(b.Shots, 0o755)
	shot, serr := browsertest.Screenshot(b.Ctx, b.Shots, strings.ReplaceAll(what, " ", "_"))
	if serr != nil {
		shot = "(no screenshot: " + serr.Error() + ")"
	}
	text, _ := b.Text("#error")
	b.T.Fatalf("%s: %v\nerror box: %q\nscreenshot: %s", what, err, text, shot)
}

// Go opens path (on the platform) and waits until the page's body is
// there.
//
// A navigation the page itself cuts short (a page that refreshes itself,
// as a relying party's waiting page does, navigating at the same moment:
// net::ERR_ABORTED) is tried again, up to three times.
func (b *Browser) Go(path string) {
	b.T.Helper()
	var err error
	for range 3 {
		ctx, cancel := context.WithTimeout(b.Ctx, timeout)
		err = chromedp.Do(ctx, chromedp.Navigate(b.Env.URL+path), chromedp.WaitReady(chromedp.CSS("footer")))
		cancel()
		if err == nil || !strings.Contains(err.Error(), "ERR_ABORTED") {
			break
		}
	}
	if err != nil {
		b.Fail("opening "+path, err)
	}
}

// Text is the text of the first element matching sel, or an error when
// there is none.
func (b *Browser) Text(sel string) (string, error) {
	ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); if (!e) throw new Error("no element %s"); return e.innerText; })()`, sel, sel)))
}

// Eval evaluates an async function body in the page with args bound to
// the JSON values given, and decodes its result. The wallet's modules are
// at hand: wallet (static/wallet.js) and wc (static/crypto.js).
func Eval[T any](b *Browser, body string, args map[string]any) T {
	b.T.Helper()
	v, err := TryEval[T](b, body, args)
	if err != nil {
		b.Fail("in the page", fmt.Errorf("%v\n%s", err, body))
	}
	return v
}

// TryEval is Eval returning the page's error instead of failing.
func TryEval[T any](b *Browser, body string, args map[string]any) (T, error) {
	b.T.Helper()
	if args == nil {
		args = map[string]any{}
	}
	a, err := json.Marshal(args)
	if err != nil {
		b.T.Fatal(err)
	}
	expr := `(async (args) => { const wallet = await import("/wallet/static/wallet.js"); const wc = wallet.wc; ` + body + ` })(` + string(a) + `)`
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// Wallet is a holder whose wallet lives in a browser.
type Wallet struct {
	Applicant
	Wanghao      string
	CredentialID string
}

// Seed applies for a from Go up to the device key, then makes and proves
// the device key (and the batch keys) in the browser and saves the
// wallet there as the Apply page does: the browser then holds a's wallet.
// The browser must be on one of the platform's pages.
func (b *Browser) Seed(a Applicant) Wallet {
	b.T.Helper()
	app := b.Env.Start(a)
	return b.Finish(a, app, b.Env.Walk(a, app, "device"))
}

// Finish makes and proves the device key (and the batch keys) of app,
// which waits for them (v is its view in state device), in the browser,
// and saves the wallet there with a's chip data as the Apply page does:
// the browser then holds a's wallet. The browser must be on one of the
// platform's pages.
func (b *Browser) Finish(a Applicant, app api.StartedApplication, v api.Application) Wallet {
	b.T.Helper()
	type seeded struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	r := Eval[seeded](b, `
		const dev = await wc.createKey("device");
		const proof = await wc.deviceProof(dev, location.origin, args.nonce);
		const batch = [];
		for (let i = 1; i <= args.n; i++) {
			const k = await wc.createKey("batch-" + i);
			batch.push(await wc.deviceProof(k, location.origin, args.nonce));
		}
		const r = await fetch("/v1/applications/" + args.id + "/credential", { method: "POST",
			headers: { "Content-Type": "application/json", Authorization: "Bearer " + args.token },
			body: JSON.stringify({ proof, batch }) });
		const body = await r.text();
		if (r.status === 201) {
			await wallet.saveIssued(JSON.parse(body), args.password,
				batch.map((_, i) => "batch-" + (i + 1)), { chip: args.chip });
		}
		return { status: r.status, body };`,
		map[string]any{"id": app.ID, "token": app.Token, "nonce": v.DeviceNonce, "n": v.BatchSize,
			"password": a.Password, "chip": json.RawMessage(b.Env.Chip(a))})
	if r.Status != http.StatusCreated {
		b.T.Fatalf("seeding the wallet: status %d, body %s", r.Status, r.Body)
	}
	var is api.IssuedCredential
	if err := json.Unmarshal([]byte(r.Body), &is); err != nil {
		b.T.Fatal(err)
	}
	return Wallet{Applicant: a, Wanghao: is.Wanghao, CredentialID: is.CredentialID}
}
