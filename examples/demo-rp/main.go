// Command demo-rp is a small relying-party web app: a "Verify with netid"
// button that starts a verification session through the session API,
// shows the QR code and the wallet link, polls until the person answers
// in their wallet, and shows the verified result. It uses only the public
// package github.com/netid-project/netid/rp, as an internet platform would.
//
// It is a demonstration: sessions live in memory, and it serves plain
// HTTP (put it behind TLS for anything but a local test).
package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/rp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "demo-rp:", err)
		}
		os.Exit(2)
	}
}

// options are the command line.
type options struct {
	netid, clientID, clientSecret, keyFile, kid, addr, claims, purpose string
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("demo-rp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.netid, "netid", getenv("NETID_URL"), "the netid platform's base URL (env NETID_URL)")
	fs.StringVar(&o.clientID, "client-id", getenv("NETID_CLIENT_ID"), "this relying party's client ID (env NETID_CLIENT_ID)")
	fs.StringVar(&o.clientSecret, "client-secret", "", "the client secret (better: env NETID_CLIENT_SECRET, which keeps it out of the process list)")
	fs.StringVar(&o.keyFile, "key-file", getenv("NETID_CLIENT_KEY_FILE"), "instead of a secret: a PEM PKCS #8 private key, P-256 (es256 platform) or SM2 (sm platform) (private_key_jwt; env NETID_CLIENT_KEY_FILE)")
	fs.StringVar(&o.kid, "kid", getenv("NETID_CLIENT_KID"), "with --key-file: the key's kid in the registered key set (env NETID_CLIENT_KID)")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8090", "listen address")
	fs.StringVar(&o.claims, "claims", "", "claims to ask for beyond the result, comma-separated (the relying party must be registered for them), e.g. age_over_18")
	fs.StringVar(&o.purpose, "purpose", "登录示例商城 (sign in to the demo shop)", "the purpose shown in the wallet")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.clientSecret == "" {
		o.clientSecret = getenv("NETID_CLIENT_SECRET")
	}
	if o.netid == "" || o.clientID == "" {
		return o, errors.New("--netid and --client-id are required")
	}
	if (o.clientSecret == "") == (o.keyFile == "") {
		return o, errors.New("give either a client secret (NETID_CLIENT_SECRET or --client-secret) or --key-file")
	}
	return o, nil
}

// clientAuth is the client authentication the options name.
func (o options) clientAuth() (rp.ClientAuth, error) {
	if o.clientSecret != "" {
		return rp.ClientSecret(o.clientSecret), nil
	}
	b, err := os.ReadFile(o.keyFile)
	if err != nil {
		return nil, fmt.Errorf("reading the key file: %w", err)
	}
	signer, err := parseKeyFile(b)
	if err != nil {
		return nil, fmt.Errorf("the key file: %w", err)
	}
	return rp.PrivateKeyJWT(signer, o.kid), nil
}

// parseKeyFile reads the relying party's private key from a PEM PKCS #8
// block: a P-256 key for a platform of the es256 crypto suite, or an SM2
// key (id-ecPublicKey on the curve 1.2.156.10197.1.301, as netid counter
// keygen --crypto-suite sm and gmsm's smx509 write it) for one of the sm
// suite. Any other key is refused here rather than by the platform.
func parseKeyFile(b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("a PEM %q block, want PRIVATE KEY (PKCS #8)", block.Type)
	}
	k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("not a PKCS #8 private key")
	}
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve == elliptic.P256() {
			return k, nil
		}
	case *sm2.PrivateKey:
		return k, nil
	}
	return nil, errors.New("neither a P-256 nor an SM2 key")
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	o, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	auth, err := o.clientAuth()
	if err != nil {
		return err
	}
	c, err := rp.NewClient(o.netid, o.clientID, auth)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	a := newApp(c, splitClaims(o.claims), o.purpose, log)
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	log.Info("demo relying party listening", "url", "http://"+ln.Addr().String(), "netid", o.netid, "client_id", o.clientID)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func splitClaims(s string) []string {
	var out []string
	for c := range strings.SplitSeq(s, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// Bounds of the in-memory session table.
const (
	maxEntries = 10000
	entryTTL   = 30 * time.Minute
	// browserCookie ties a verification page to the browser that started
	// it: a page's URL alone does not show its result.
	browserCookie = "demo_rp_browser"
)

// app is the demo relying party.
type app struct {
	client  *rp.Client
	claims  []string
	purpose string
	log     *slog.Logger
	now     func() time.Time
	rand    io.Reader

	mu      sync.Mutex
	entries map[string]*entry // by page handle

	// accounts is the conventional way in (accounts.go), for people who
	// do not use a 网号, and the signed-in sessions of both ways.
	accounts *accounts
}

// entry is one verification as this relying party tracks it.
type entry struct {
	browser [sha256.Size]byte // hash of the browser cookie
	session *rp.Session
	level   rp.Level
	created time.Time
	result  *rp.Result // once verified
	outcome string     // once ended without a result
	qr      string     // the QR code as a data: URI, once fetched
}

func newApp(c *rp.Client, claims []string, purpose string, log *slog.Logger) *app {
	return &app{client: c, claims: claims, purpose: purpose, log: log, now: time.Now, rand: rand.Reader, entries: map[string]*entry{},
		accounts: newAccounts(time.Now, rand.Reader)}
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.index)
	mux.HandleFunc("POST /verify", a.start)
	mux.HandleFunc("GET /v/{handle}", a.show)
	mux.HandleFunc("POST /v/{handle}/cancel", a.cancel)
	mux.HandleFunc("GET /signup", a.form("signup"))
	mux.HandleFunc("POST /signup", a.signUp)
	mux.HandleFunc("GET /signin", a.form("signin"))
	mux.HandleFunc("POST /signin", a.signIn)
	mux.HandleFunc("GET /account", a.account)
	mux.HandleFunc("POST /signout", a.signOut)
	return securityHeaders(mux)
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func (a *app) random() (string, error) {
	b := make([]byte, 18)
	if _, err := io.ReadFull(a.rand, b); err != nil {
		return "", err
	}
	return fmt.Sprintf("%x", b), nil
}

func (a *app) index(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, page{Title: "示例商城 · Demo shop", Index: true, Claims: a.claims})
}

// browser returns the browser's cookie value, setting a new one if it has
// none.
func (a *app) browser(w http.ResponseWriter, r *http.Request) (string, error) {
	if c, err := r.Cookie(browserCookie); err == nil && len(c.Value) == 36 {
		return c.Value, nil
	}
	v, err := a.random()
	if err != nil {
		return "", err
	}
	http.SetCookie(w, &http.Cookie{Name: browserCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	return v, nil
}

func (a *app) start(w http.ResponseWriter, r *http.Request) {
	level := rp.Level(r.PostFormValue("level"))
	if level == "" {
		level = rp.LevelPossession
	}
	if level.Rank() == 0 {
		a.render(w, http.StatusBadRequest, page{Title: "Error", Error: "unknown assurance level"})
		return
	}
	b, err := a.browser(w, r)
	if err != nil {
		a.fail(w, err)
		return
	}
	s, err := a.client.CreateSession(r.Context(), rp.SessionRequest{Level: level, Claims: a.claims, Purpose: a.purpose})
	if err != nil {
		a.fail(w, err)
		return
	}
	handle, err := a.random()
	if err != nil {
		a.fail(w, err)
		return
	}
	now := a.now()
	a.mu.Lock()
	for h, e := range a.entries {
		if now.Sub(e.created) > entryTTL {
			delete(a.entries, h)
		}
	}
	full := len(a.entries) >= maxEntries
	if !full {
		a.entries[handle] = &entry{browser: sha256.Sum256([]byte(b)), session: s, level: level, created: now}
	}
	a.mu.Unlock()
	if full {
		a.render(w, http.StatusServiceUnavailable, page{Title: "Busy", Error: "too many verifications in progress; try again later"})
		return
	}
	http.Redirect(w, r, "/v/"+handle, http.StatusSeeOther)
}

// entryOf returns the entry of the request's handle if this browser
// started it.
func (a *app) entryOf(r *http.Request) (*entry, bool) {
	c, err := r.Cookie(browserCookie)
	if err != nil {
		return nil, false
	}
	sum := sha256.Sum256([]byte(c.Value))
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.entries[r.PathValue("handle")]
	if !ok || subtle.ConstantTimeCompare(sum[:], e.browser[:]) != 1 {
		return nil, false
	}
	return e, true
}

func (a *app) show(w http.ResponseWriter, r *http.Request) {
	e, ok := a.entryOf(r)
	if !ok {
		a.render(w, http.StatusNotFound, page{Title: "Not found", Error: "no such verification in this browser"})
		return
	}
	a.mu.Lock()
	res, outcome := e.result, e.outcome
	a.mu.Unlock()
	if res == nil && outcome == "" {
		st, err := a.client.Session(r.Context(), e.session.ID)
		if err != nil {
			a.fail(w, err)
			return
		}
		if !st.Final() {
			a.render(w, http.StatusOK, a.pendingPage(r, e, st))
			return
		}
		res, err = a.client.Result(r.Context(), st)
		if err != nil {
			outcome = describe(err)
			if errors.Is(err, rp.ErrInvalid) {
				a.log.Warn("a result did not verify", "session", e.session.ID, "err", err)
			}
		}
		a.mu.Lock()
		e.result, e.outcome = res, outcome
		a.mu.Unlock()
		if res != nil {
			// Verified: the person is signed in by the pairwise
			// subject, as a conventional account is by its name.
			if err := a.accounts.start(w, r, signedIn{Via: viaNetid, Who: res.Subject, Level: string(res.Level)}); err != nil {
				a.fail(w, err)
				return
			}
		}
	}
	if res == nil {
		a.render(w, http.StatusOK, page{Title: "Not verified", Outcome: outcome})
		return
	}
	p := page{Title: "Verified", Result: res, Outcome: "approved"}
	for _, k := range slices.Sorted(maps.Keys(res.Claims)) {
		p.Claims = append(p.Claims, fmt.Sprintf("%s = %v", k, res.Claims[k]))
	}
	a.render(w, http.StatusOK, p)
}

// describe says how a session ended without a verified result.
func describe(err error) string {
	switch {
	case errors.Is(err, rp.ErrDeclined):
		return "declined: the person declined in their wallet"
	case errors.Is(err, rp.ErrCancelled):
		return "cancelled"
	case errors.Is(err, rp.ErrSessionExpired):
		return "expired: nobody answered in time"
	case errors.Is(err, rp.ErrSessionFailed):
		return "failed: " + err.Error()
	case errors.Is(err, rp.ErrInvalid):
		return "refused: the signed result did not verify"
	}
	return "error: " + err.Error()
}

// qrCode returns the session's QR code as a PNG data: URI, fetched from
// the platform (which renders it on demand) the first time the page shows
// it and kept for the page's refreshes; "" if it could not be had (the
// page still shows the links).
func (a *app) qrCode(r *http.Request, e *entry) string {
	a.mu.Lock()
	qr := e.qr
	a.mu.Unlock()
	if qr != "" {
		return qr
	}
	img, err := a.client.QRPNG(r.Context(), e.session)
	if err != nil {
		a.log.Warn("no QR code for a session", "session", e.session.ID, "err", err)
		return ""
	}
	qr = "data:image/png;base64," + base64.StdEncoding.EncodeToString(img)
	a.mu.Lock()
	e.qr = qr
	a.mu.Unlock()
	return qr
}

func (a *app) pendingPage(r *http.Request, e *entry, st *rp.SessionStatus) page {
	p := page{Title: "Verify with netid", Pending: true, Handle: r.PathValue("handle"), Level: e.level, State: string(st.State), LinkText: e.session.Link}
	// html/template refuses data: and netid: URLs unless told they are
	// safe: these are checked to be exactly what the platform sends.
	if qr := a.qrCode(r, e); qr != "" {
		p.QR = template.URL(qr)
	}
	if strings.HasPrefix(e.session.Link, "netid://") {
		p.Link = template.URL(e.session.Link)
	}
	if strings.HasPrefix(e.session.HTTPSLink, "https://") || strings.HasPrefix(e.session.HTTPSLink, "http://") {
		p.HTTPSLink = template.URL(e.session.HTTPSLink)
	}
	p.ExpiresIn = max(e.session.ExpiresAt.Sub(a.now()).Round(time.Second), 0)
	return p
}

func (a *app) cancel(w http.ResponseWriter, r *http.Request) {
	e, ok := a.entryOf(r)
	if !ok {
		a.render(w, http.StatusNotFound, page{Title: "Not found", Error: "no such verification in this browser"})
		return
	}
	if _, err := a.client.Cancel(r.Context(), e.session.ID); err != nil {
		if apiErr, ok := errors.AsType[*rp.APIError](err); !ok || apiErr.Status != http.StatusConflict {
			a.fail(w, err)
			return
		}
		// 409: it ended meanwhile; the page shows how.
	}
	http.Redirect(w, r, "/v/"+r.PathValue("handle"), http.StatusSeeOther)
}

// fail shows an error of the platform or of this app. The rp package's
// messages hold neither secrets nor personal data.
func (a *app) fail(w http.ResponseWriter, err error) {
	a.log.Error("request failed", "err", err)
	status := http.StatusBadGateway
	if apiErr, ok := errors.AsType[*rp.APIError](err); ok && apiErr.Status == http.StatusForbidden {
		status = http.StatusForbidden
	}
	a.render(w, status, page{Title: "Error", Error: err.Error()})
}

// page is what the template shows.
type page struct {
	Title               string
	Index, Pending      bool
	Claims              []string
	Handle, State       string
	Level               rp.Level
	QR, Link, HTTPSLink template.URL
	LinkText            string
	ExpiresIn           time.Duration
	Result              *rp.Result
	Outcome, Error      string
}

func (a *app) render(w http.ResponseWriter, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pageTemplate.Execute(w, p); err != nil {
		a.log.Error("rendering", "err", err)
	}
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{if .Pending}}<meta http-equiv="refresh" content="2">{{end}}
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}
button{font-size:1.1em;padding:.5em 1.2em}img{image-rendering:pixelated;width:16em}code{word-break:break-all}
dt{font-weight:bold}.err{color:#a00}</style></head><body>
<h1>示例商城 · Demo shop</h1>
{{if .Index}}
<p>Sign in with your network identity (网号/网证). We receive {{if .Claims}}the result, a pairwise account key, and: {{range .Claims}}<code>{{.}}</code> {{end}}{{else}}only the result and a pairwise account key: no name, no ID number{{end}}.</p>
<form method="post" action="/verify">
<label>Assurance level <select name="level">
<option value="possession">possession (网证 on your phone)</option>
<option value="password">password (and the 网证 password)</option>
<option value="face">face (and a live face check)</option>
</select></label>
<p><button type="submit">Verify with netid</button></p>
</form>
<h2>不用网号 · Without a network ID</h2>
<p id="conventional">网号不是必需的：也可以用用户名和密码 <a href="/signup">注册</a> 或 <a href="/signin">登录</a>。 · A 网号 is never required: you can also <a href="/signup">sign up</a> or <a href="/signin">sign in</a> with a name and a password.</p>
{{else if .Pending}}
<p>Scan with your netid wallet (level <b>{{.Level}}</b>), or on this phone open the link. Status: <b id="state">{{.State}}</b>; expires in {{.ExpiresIn}}.</p>
{{if .QR}}<p><img alt="QR code of the wallet link" src="{{.QR}}"></p>{{end}}
<p>Wallet link: {{if .Link}}<a href="{{.Link}}"><code id="link">{{.LinkText}}</code></a>{{else}}<code id="link">{{.LinkText}}</code>{{end}}</p>
{{if .HTTPSLink}}<p><a href="{{.HTTPSLink}}">Open in the browser</a></p>{{end}}
<p><small>From a terminal: <code>netid wallet approve '{{.LinkText}}'</code></small></p>
<form method="post" action="/v/{{.Handle}}/cancel"><button type="submit">Cancel</button></form>
{{else if .Result}}
<p id="outcome">Verified: <b>{{.Outcome}}</b></p>
<dl>
<dt>Assurance level</dt><dd id="level">{{.Result.Level}} ({{.Result.ACR}})</dd>
<dt>Pairwise account key (sub)</dt><dd><code id="sub">{{.Result.Subject}}</code></dd>
<dt>Provided claims</dt><dd>{{range .Claims}}<code>{{.}}</code><br>{{end}}</dd>
<dt>Session</dt><dd><code>{{.Result.SessionID}}</code>, signed {{.Result.IssuedAt.Format "2006-01-02 15:04:05 MST"}}</dd>
</dl>
<p><a href="/account">Continue to your account · 进入我的账户</a> · <a href="/">Again</a></p>
{{else if .Outcome}}
<p id="outcome">Not verified: <b>{{.Outcome}}</b></p>
<p><a href="/">Try again</a></p>
{{else}}
<p class="err" id="error">{{.Error}}</p>
<p><a href="/">Back</a></p>
{{end}}
</body></html>
`))
