package main

import (
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// fastArgon keeps the tests quick; the app uses defaultArgon.
var fastArgon = argonParams{time: 1, memoryKiB: 64, threads: 1}

// demoWithoutPlatform is the demo app with no platform behind it: the
// conventional way in needs none.
func demoWithoutPlatform(t *testing.T) (*app, *httptest.Server) {
	t.Helper()
	a := newApp(nil, nil, "登录", slog.New(slog.DiscardHandler))
	a.accounts.argon = fastArgon
	srv := httptest.NewServer(a.routes())
	t.Cleanup(srv.Close)
	return a, srv
}

var csrfInPage = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken opens path and returns its form's token.
func (b *browser) formToken(path string) string {
	b.t.Helper()
	status, _, body := b.do(http.MethodGet, path, nil)
	m := csrfInPage.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		b.t.Fatalf("%s: %d, no form token: %s", path, status, body)
	}
	return html.UnescapeString(m[1])
}

// A person without a 网号 signs up with a name and a password, reaches
// their account, signs out, and signs in again; the index page offers
// this way beside "Verify with netid".
func TestConventionalSignUpAndSignIn(t *testing.T) {
	a, srv := demoWithoutPlatform(t)
	b := newBrowser(t, srv.URL)

	_, _, index := b.do(http.MethodGet, "/", nil)
	for _, want := range []string{"Verify with netid", `href="/signup"`, `href="/signin"`, "网号不是必需的"} {
		if !strings.Contains(index, want) {
			t.Errorf("the index page lacks %q", want)
		}
	}

	tok := b.formToken("/signup")
	status, path, body := b.do(http.MethodPost, "/signup", url.Values{"csrf": {tok}, "name": {"小明"},
		"password": {"correct horse battery"}, "password2": {"correct horse battery"}})
	if status != http.StatusOK || path != "/account" || !strings.Contains(body, "已登录：<b>小明</b>") {
		t.Fatalf("after signing up: %d at %s: %s", status, path, body)
	}
	a.accounts.mu.Lock()
	stored := a.accounts.byName["小明"].hash
	a.accounts.mu.Unlock()
	if !strings.HasPrefix(stored, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(stored, "correct horse") {
		t.Errorf("the password is stored as %q: want an argon2id PHC string", stored)
	}

	// Sign out: the account page asks to sign in again.
	tok = b.formToken("/account")
	if status, path, _ := b.do(http.MethodPost, "/signout", url.Values{"csrf": {tok}}); status != http.StatusOK || path != "/" {
		t.Fatalf("sign out: %d at %s", status, path)
	}
	if _, path, _ := b.do(http.MethodGet, "/account", nil); path != "/signin" {
		t.Fatalf("after signing out /account went to %s, want /signin", path)
	}

	// A wrong password, then the right one.
	tok = b.formToken("/signin")
	status, _, body = b.do(http.MethodPost, "/signin", url.Values{"csrf": {tok}, "name": {"小明"}, "password": {"wrong horse battery"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
		t.Fatalf("a wrong password: %d: %s", status, body)
	}
	status, _, _ = b.do(http.MethodPost, "/signin", url.Values{"csrf": {tok}, "name": {"nobody"}, "password": {"correct horse battery"}})
	if status != http.StatusUnauthorized {
		t.Fatalf("an unknown name: %d", status)
	}
	status, path, body = b.do(http.MethodPost, "/signin", url.Values{"csrf": {tok}, "name": {"小明"}, "password": {"correct horse battery"}})
	if status != http.StatusOK || path != "/account" || !strings.Contains(body, "小明") {
		t.Fatalf("the right password: %d at %s: %s", status, path, body)
	}
}

// Sign-ups that break the rules, and forms without this browser's token.
func TestConventionalRefusals(t *testing.T) {
	_, srv := demoWithoutPlatform(t)
	b := newBrowser(t, srv.URL)
	tok := b.formToken("/signup")
	for _, tc := range []struct {
		name, pw, again string
		status          int
		says            string
	}{
		{"a", "correct horse battery", "correct horse battery", http.StatusBadRequest, "2 到 32"},
		{"with space", "correct horse battery", "correct horse battery", http.StatusBadRequest, "空格"},
		{"小红", "short", "short", http.StatusBadRequest, "至少 10"},
		{"小红", "correct horse battery", "correct horse batterY", http.StatusBadRequest, "不一致"},
	} {
		status, _, body := b.do(http.MethodPost, "/signup", url.Values{"csrf": {tok}, "name": {tc.name}, "password": {tc.pw}, "password2": {tc.again}})
		if status != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("sign up %q/%q: %d, want %d saying %q: %s", tc.name, tc.pw, status, tc.status, tc.says, body)
		}
	}
	// Without the form's token (another site's form): refused, no account.
	other := newBrowser(t, srv.URL)
	status, _, _ := other.do(http.MethodPost, "/signup", url.Values{"name": {"小红"}, "password": {"correct horse battery"}, "password2": {"correct horse battery"}})
	if status != http.StatusForbidden {
		t.Errorf("a sign-up without the form token: %d, want 403", status)
	}
	status, _, _ = b.do(http.MethodPost, "/signup", url.Values{"csrf": {"forged"}, "name": {"小红"}, "password": {"correct horse battery"}, "password2": {"correct horse battery"}})
	if status != http.StatusForbidden {
		t.Errorf("a sign-up with a forged token: %d, want 403", status)
	}
}

// Five wrong passwords lock the name, even against the right one.
func TestConventionalLockout(t *testing.T) {
	_, srv := demoWithoutPlatform(t)
	b := newBrowser(t, srv.URL)
	tok := b.formToken("/signup")
	if status, _, _ := b.do(http.MethodPost, "/signup", url.Values{"csrf": {tok}, "name": {"lee"}, "password": {"correct horse battery"}, "password2": {"correct horse battery"}}); status != http.StatusOK {
		t.Fatal("sign up failed")
	}
	for i := range maxFailures {
		if status, _, _ := b.do(http.MethodPost, "/signin", url.Values{"csrf": {tok}, "name": {"lee"}, "password": {"wrong"}}); status != http.StatusUnauthorized {
			t.Fatalf("wrong password #%d: %d", i+1, status)
		}
	}
	status, _, body := b.do(http.MethodPost, "/signin", url.Values{"csrf": {tok}, "name": {"lee"}, "password": {"correct horse battery"}})
	if status != http.StatusTooManyRequests || !strings.Contains(body, "十五分钟") {
		t.Fatalf("after %d wrong passwords the right one: %d: %s", maxFailures, status, body)
	}
}

// Two people sign up the same name at once: exactly one gets it.
func TestConventionalSignUpRace(t *testing.T) {
	_, srv := demoWithoutPlatform(t)
	const n = 8
	browsers := make([]*browser, n)
	tokens := make([]string, n)
	for i := range n {
		browsers[i] = newBrowser(t, srv.URL)
		tokens[i] = browsers[i].formToken("/signup")
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			pw := "password number " + strings.Repeat("x", i+1)
			statuses[i], _, _ = browsers[i].do(http.MethodPost, "/signup", url.Values{"csrf": {tokens[i]}, "name": {"王五"}, "password": {pw}, "password2": {pw}})
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, s := range statuses {
		switch s {
		case http.StatusOK:
			won++
		case http.StatusConflict:
		default:
			t.Errorf("sign-up #%d: %d", i, s)
		}
	}
	if won != 1 {
		t.Fatalf("%d sign-ups of one name succeeded, want exactly 1 (%v)", won, statuses)
	}
}

func TestPasswordHashMatches(t *testing.T) {
	a := newAccounts(nil, nil)
	a.argon, a.rand = fastArgon, strings.NewReader(strings.Repeat("s", 64))
	h, err := a.hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !matches(h, "correct horse battery") || matches(h, "correct horse batterY") {
		t.Error("matches does not tell the password")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=x$c2FsdA$aGFzaA", strings.Replace(h, "$v=19", "$v=16", 1)} {
		if matches(bad, "correct horse battery") {
			t.Errorf("matches(%q) is true", bad)
		}
	}
}
