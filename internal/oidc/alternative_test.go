package oidc_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// TestPageShowsAlternative checks that the sign-in page lists the relying
// party's other way in for people who do not use a 网号, in the
// catalogue's words (Chinese first), and shows nothing of the kind for a
// relying party that named none.
func TestPageShowsAlternative(t *testing.T) {
	e := newEnv(t)
	with := e.registerWith("shop", storage.AuthClientSecret, func(r *relyingparty.Registration) {
		r.AltURL, r.AltText = "https://shop.example/signup?via=netid&x=1", "到门店柜台办理会员"
	})
	without := e.register("plain", "", storage.AuthClientSecret)
	_, challenge := pkce()
	params := map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"}

	b := newBrowser(t)
	page, _ := e.start(b, e.authURL(with, params))
	resp, body := b.get(page)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("page: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`id="alternative"`,
		"不用网号也可以 · You need not use a network ID",
		"Service shop 也提供其他方式： · Service shop also offers another way in:",
		"到门店柜台办理会员",
		`href="https://shop.example/signup?via=netid&amp;x=1"`,
		"不用网号，改用其他方式 · Use the other way in instead",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if zh, en := strings.Index(body, "不用网号也可以"), strings.Index(body, "You need not use"); zh > en {
		t.Errorf("English before Chinese")
	}

	b = newBrowser(t)
	page, _ = e.start(b, e.authURL(without, params))
	_, body = b.get(page)
	if strings.Contains(body, `id="alternative"`) || strings.Contains(body, "不用网号也可以") {
		t.Errorf("a relying party without another way in: the page shows one")
	}
}
