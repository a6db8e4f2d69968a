package main

// The conventional way in: people who do not use a 网号 sign up with a
// name and a password, and sign in with them. Passwords are stored as
// argon2id hashes (PHC strings), compared in constant time; a name is
// taken once even when two sign-ups race; five wrong passwords for a name
// lock it for a quarter of an hour. Accounts and sessions live in memory,
// like the rest of the demo.

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// argonParams are the argon2id parameters of account passwords.
type argonParams struct {
	time, memoryKiB uint32
	threads         uint8
}

// defaultArgon is OWASP's argon2id minimum (m=19 MiB, t=2, p=1).
var defaultArgon = argonParams{time: 2, memoryKiB: 19 * 1024, threads: 1}

// Limits of accounts.
const (
	minPassword    = 10
	maxPassword    = 200
	maxNameRunes   = 32
	maxAccounts    = 10000
	maxSessions    = 10000
	sessionTTL     = 12 * time.Hour
	maxFailures    = 5
	lockFor        = 15 * time.Minute
	sessionCookie  = "demo_rp_session"
	saltBytes      = 16
	keyBytes       = 32
	sessionIDBytes = 24
)

// Ways a person signed in.
const (
	viaPassword = "password"
	viaNetid    = "netid"
)

// accounts holds the demo's conventional accounts and every signed-in
// session (whichever way the person came in).
type accounts struct {
	argon argonParams
	now   func() time.Time
	rand  io.Reader

	mu       sync.Mutex
	byName   map[string]*account
	sessions map[[sha256.Size]byte]signedIn // by hash of the cookie
}

type account struct {
	hash        string // argon2id PHC string
	failures    int
	lockedUntil time.Time
	created     time.Time
}

// signedIn is one signed-in session: an account name (password) or a
// pairwise subject (netid).
type signedIn struct {
	Via, Who string
	Level    string
	expires  time.Time
}

func newAccounts(now func() time.Time, r io.Reader) *accounts {
	return &accounts{argon: defaultArgon, now: now, rand: r, byName: map[string]*account{}, sessions: map[[sha256.Size]byte]signedIn{}}
}

// Errors of sign-up and sign-in, as the person reads them.
var (
	errNameTaken   = errors.New("this name is taken; choose another · 该用户名已被使用，请换一个")
	errBadLogin    = errors.New("wrong name or password · 用户名或密码错误")
	errLocked      = errors.New("too many wrong passwords: try again in a quarter of an hour · 密码错误次数过多，请十五分钟后再试")
	errFull        = errors.New("the demo holds no more accounts; try again later · 示例账户已满，请稍后再试")
	errPasswordsNE = errors.New("the two passwords differ · 两次输入的密码不一致")
)

// checkName returns what is wrong with a new account's name, or nil.
func checkName(name string) error {
	n := utf8.RuneCountInString(name)
	switch {
	case !utf8.ValidString(name) || n < 2 || n > maxNameRunes:
		return fmt.Errorf("a name has 2 to %d characters · 用户名为 2 到 %d 个字符", maxNameRunes, maxNameRunes)
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return errors.New("a name has no spaces · 用户名不能含空格")
	}
	return nil
}

// checkPassword returns what is wrong with a new password, or nil.
func checkPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < minPassword || len(pw) > maxPassword {
		return fmt.Errorf("a password has at least %d characters · 密码至少 %d 个字符", minPassword, minPassword)
	}
	return nil
}

// hash returns the argon2id PHC string of pw with a fresh salt.
func (a *accounts) hash(pw string) (string, error) {
	salt := make([]byte, saltBytes)
	if _, err := io.ReadFull(a.rand, salt); err != nil {
		return "", err
	}
	p := a.argon
	key := argon2.IDKey([]byte(pw), salt, p.time, p.memoryKiB, p.threads, keyBytes)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memoryKiB, p.time, p.threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// matches reports whether pw hashes to phc, comparing in constant time.
func matches(phc, pw string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var p argonParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memoryKiB, &p.time, &p.threads); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memoryKiB, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// signUp creates the account name. The hash is computed before taking the
// lock; the name is taken under it, so of two racing sign-ups of one name
// exactly one succeeds.
func (a *accounts) signUp(name, pw, again string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := checkPassword(pw); err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(pw), []byte(again)) != 1 {
		return errPasswordsNE
	}
	h, err := a.hash(pw)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, taken := a.byName[name]; taken {
		return errNameTaken
	}
	if len(a.byName) >= maxAccounts {
		return errFull
	}
	a.byName[name] = &account{hash: h, created: a.now()}
	return nil
}

// dummyHash is compared against when a name has no account, so that an
// unknown name takes as long as a wrong password.
var dummyHash = func() string {
	a := newAccounts(time.Now, rand.Reader)
	h, err := a.hash("not a password of anyone")
	if err != nil {
		panic(err)
	}
	return h
}()

// signIn checks name and pw, counting wrong passwords per name.
func (a *accounts) signIn(name, pw string) error {
	a.mu.Lock()
	acc, ok := a.byName[name]
	var h string
	if ok {
		if a.now().Before(acc.lockedUntil) {
			a.mu.Unlock()
			return errLocked
		}
		// Counted before the hash is computed: racing guesses are all
		// counted, and no more hashes run than the limit allows.
		acc.failures++
		if acc.failures >= maxFailures {
			acc.failures, acc.lockedUntil = 0, a.now().Add(lockFor)
		}
		h = acc.hash
	}
	a.mu.Unlock()
	if !ok {
		matches(dummyHash, pw)
		return errBadLogin
	}
	if !matches(h, pw) {
		return errBadLogin
	}
	a.mu.Lock()
	acc.failures, acc.lockedUntil = 0, time.Time{}
	a.mu.Unlock()
	return nil
}

// start signs the browser in: a new session cookie.
func (a *accounts) start(w http.ResponseWriter, r *http.Request, s signedIn) error {
	b := make([]byte, sessionIDBytes)
	if _, err := io.ReadFull(a.rand, b); err != nil {
		return err
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	now := a.now()
	s.expires = now.Add(sessionTTL)
	a.mu.Lock()
	for k, x := range a.sessions {
		if !now.Before(x.expires) {
			delete(a.sessions, k)
		}
	}
	full := len(a.sessions) >= maxSessions
	if !full {
		a.sessions[sha256.Sum256([]byte(v))] = s
	}
	a.mu.Unlock()
	if full {
		return errFull
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, Expires: s.expires})
	return nil
}

// current returns the browser's signed-in session.
func (a *accounts) current(r *http.Request) (signedIn, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return signedIn{}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[sha256.Sum256([]byte(c.Value))]
	if !ok || !a.now().Before(s.expires) {
		return signedIn{}, false
	}
	return s, true
}

// end signs the browser out.
func (a *accounts) end(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.mu.Lock()
		delete(a.sessions, sha256.Sum256([]byte(c.Value)))
		a.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// csrfToken is the value a form of this browser carries: a hash of its
// browser cookie, which another site can neither read nor send along
// (SameSite=Lax) with a cross-site POST.
func csrfToken(browser string) string {
	sum := sha256.Sum256([]byte("demo-rp form\x00" + browser))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// formOK reports whether r's form carries this browser's token.
func formOK(r *http.Request) bool {
	c, err := r.Cookie(browserCookie)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(csrfToken(c.Value))) == 1
}

// accountPage is what the account pages show.
type accountPage struct {
	Title, Form, CSRF, Name, Error string
	Signed                         *signedIn
}

func (a *app) renderAccount(w http.ResponseWriter, status int, p accountPage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := accountTemplate.Execute(w, p); err != nil {
		a.log.Error("rendering", "err", err)
	}
}

// form shows the sign-up or sign-in form.
func (a *app) form(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := a.browser(w, r)
		if err != nil {
			a.fail(w, err)
			return
		}
		title := "注册 · Sign up"
		if kind == "signin" {
			title = "登录 · Sign in"
		}
		a.renderAccount(w, http.StatusOK, accountPage{Title: title, Form: kind, CSRF: csrfToken(b)})
	}
}

func (a *app) signUp(w http.ResponseWriter, r *http.Request) {
	a.submit(w, r, "signup")
}

func (a *app) signIn(w http.ResponseWriter, r *http.Request) {
	a.submit(w, r, "signin")
}

func (a *app) submit(w http.ResponseWriter, r *http.Request, kind string) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	title := "注册 · Sign up"
	if kind == "signin" {
		title = "登录 · Sign in"
	}
	if !formOK(r) {
		a.renderAccount(w, http.StatusForbidden, accountPage{Title: title, Error: "this form has expired; open the page again · 表单已失效，请重新打开页面"})
		return
	}
	name, pw := r.PostFormValue("name"), r.PostFormValue("password")
	var err error
	status := http.StatusBadRequest
	if kind == "signup" {
		err = a.accounts.signUp(name, pw, r.PostFormValue("password2"))
		if errors.Is(err, errNameTaken) {
			status = http.StatusConflict
		}
	} else {
		err = a.accounts.signIn(name, pw)
		switch {
		case errors.Is(err, errLocked):
			status = http.StatusTooManyRequests
		case err != nil:
			status = http.StatusUnauthorized
		}
	}
	if err == nil {
		err = a.accounts.start(w, r, signedIn{Via: viaPassword, Who: name})
	}
	if err != nil {
		c, _ := r.Cookie(browserCookie)
		a.renderAccount(w, status, accountPage{Title: title, Form: kind, CSRF: csrfToken(c.Value), Name: name, Error: err.Error()})
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (a *app) account(w http.ResponseWriter, r *http.Request) {
	s, ok := a.accounts.current(r)
	if !ok {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	b, err := a.browser(w, r)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.renderAccount(w, http.StatusOK, accountPage{Title: "我的账户 · Your account", CSRF: csrfToken(b), Signed: &s})
}

func (a *app) signOut(w http.ResponseWriter, r *http.Request) {
	if !formOK(r) {
		a.renderAccount(w, http.StatusForbidden, accountPage{Title: "Sign out", Error: "this form has expired; open the page again · 表单已失效，请重新打开页面"})
		return
	}
	a.accounts.end(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

var accountTemplate = template.Must(template.New("account").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}
label{display:block;margin:.6em 0}input{font-size:1.1em;padding:.3em;width:100%;max-width:20em}
button{font-size:1.1em;padding:.5em 1.2em}.err{color:#a00}</style></head><body>
<h1>示例商城 · Demo shop</h1>
<h2>{{.Title}}</h2>
{{if .Error}}<p class="err" id="error">{{.Error}}</p>{{end}}
{{if eq .Form "signup"}}
<p>不用网号：用用户名和密码注册。 · Without a network ID: sign up with a name and a password.</p>
<form method="post" action="/signup">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label>用户名 · Name <input name="name" value="{{.Name}}" autocomplete="username" required></label>
<label>密码（至少 10 个字符） · Password (at least 10 characters) <input type="password" name="password" autocomplete="new-password" required></label>
<label>再输入一次 · Again <input type="password" name="password2" autocomplete="new-password" required></label>
<p><button type="submit">注册 · Sign up</button></p>
</form>
<p>已有账户？<a href="/signin">登录 · Sign in</a> · <a href="/">用网号核验 · Verify with netid</a></p>
{{else if eq .Form "signin"}}
<form method="post" action="/signin">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label>用户名 · Name <input name="name" value="{{.Name}}" autocomplete="username" required></label>
<label>密码 · Password <input type="password" name="password" autocomplete="current-password" required></label>
<p><button type="submit">登录 · Sign in</button></p>
</form>
<p>还没有账户？<a href="/signup">注册 · Sign up</a> · <a href="/">用网号核验 · Verify with netid</a></p>
{{else if .Signed}}
{{if eq .Signed.Via "password"}}
<p id="who">已登录：<b>{{.Signed.Who}}</b>（用户名和密码） · Signed in as <b>{{.Signed.Who}}</b> (name and password)</p>
{{else}}
<p id="who">已用网号登录（等级 {{.Signed.Level}}） · Signed in with netid (level {{.Signed.Level}}); account key <code>{{.Signed.Who}}</code></p>
{{end}}
<form method="post" action="/signout"><input type="hidden" name="csrf" value="{{.CSRF}}"><button type="submit">退出 · Sign out</button></form>
{{end}}
</body></html>
`))
