package relyingparty

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// TestAlternativeValidation checks the other way in a relying party
// declares: an https address (http only on loopback), a description of
// display text; either, both or neither.
func TestAlternativeValidation(t *testing.T) {
	base := Registration{ID: "shop", Name: "Shop", Category: storage.CategoryInternetService, AuthMethod: storage.AuthClientSecret}
	for _, tc := range []struct {
		url, text string
		problem   string // "" for valid
	}{
		{"", "", ""},
		{"https://shop.example/signup", "", ""},
		{"", "到门店柜台办理", ""},
		{"https://elsewhere.example/join?x=1#form", "Sign up with e-mail", ""},
		{"http://127.0.0.1:8090/signup", "", ""},
		{"http://shop.example/signup", "", "alt_url: must be https"},
		{"javascript:alert(1)", "", "alt_url: must be an https URL"},
		{"https://user:pw@shop.example/", "", "alt_url: must not contain user information"},
		{"https:///nohost", "", "alt_url: must be an absolute URL with a host"},
		{"https://shop.example/a b", "", "alt_url: must not contain spaces"},
		{"https://shop.example:0/", "", "alt_url: invalid port"},
		{"https://shop.example/" + strings.Repeat("a", MaxRedirectURILen), "", "alt_url: must be at most"},
		{"", " padded", "alt_text: must not start or end"},
		{"", "line\nbreak", "alt_text: must not contain control"},
		{"", strings.Repeat("柜", MaxAltTextRunes+1), "alt_text: must be at most"},
	} {
		r := base
		r.AltURL, r.AltText = tc.url, tc.text
		err := r.Validate()
		switch {
		case tc.problem == "" && err != nil:
			t.Errorf("%q %q: %v, want valid", tc.url, tc.text, err)
		case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), tc.problem)):
			t.Errorf("%q %q: %v, want %q", tc.url, tc.text, err, tc.problem)
		}
	}
}

// TestPublicRegistry checks GET /v1/rp/registry: relying parties that are
// not disabled, their other way in, nothing an operator keeps, and 405 for
// other methods.
func TestPublicRegistry(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	reg := func(r Registration) {
		t.Helper()
		r.Category, r.AuthMethod = storage.CategoryInternetService, storage.AuthClientSecret
		if _, _, err := f.registry.Register(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	reg(Registration{ID: "bank", Name: "示例银行", Domains: []string{"bank.example"}, LegalBasis: "反洗钱法",
		AllowedClaims: []string{"name"}, AltURL: "https://bank.example/branches", AltText: "到网点柜台开户"})
	reg(Registration{ID: "game", Name: "Game"})
	reg(Registration{ID: "gone", Name: "Gone", AltText: "x"})
	if err := f.registry.Disable(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	(&PublicRegistry{Registry: f.registry}).Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + RegistryPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	var raw map[string][]map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	list := raw["relying_parties"]
	byID := map[string]map[string]any{}
	for _, e := range list {
		byID[e["id"].(string)] = e
	}
	if byID["bank"] == nil || byID["game"] == nil || byID["gone"] != nil {
		t.Fatalf("registry = %v, want bank and game, not the disabled gone", list)
	}
	alt, _ := byID["bank"]["alternative"].(map[string]any)
	if alt["url"] != "https://bank.example/branches" || alt["text"] != "到网点柜台开户" {
		t.Errorf("bank's alternative = %v", byID["bank"]["alternative"])
	}
	if _, ok := byID["game"]["alternative"]; ok {
		t.Errorf("game named no alternative, registry shows %v", byID["game"]["alternative"])
	}
	for _, e := range list {
		for k := range e {
			switch k {
			case "id", "name", "category", "domains", "alternative":
			default:
				t.Errorf("the public registry shows %q", k)
			}
		}
	}

	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		req, _ := http.NewRequest(m, srv.URL+RegistryPath, strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want a 405 problem", m, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

// TestAlternativePatch checks that the admin API's PATCH and the registry
// keep, change and clear the other way in.
func TestAlternativePatch(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if _, _, err := f.registry.Register(ctx, Registration{ID: "shop", Name: "Shop", Category: storage.CategoryInternetService,
		AuthMethod: storage.AuthNone, RedirectURIs: []string{"http://localhost/cb"}, AltText: "到门店办理"}); err != nil {
		t.Fatal(err)
	}
	url, empty := "https://shop.example/join", ""
	rp, err := f.registry.Update(ctx, "shop", func(r *Registration) error {
		Patch{AltURL: &url}.Apply(r)
		return nil
	})
	if err != nil || rp.AltURL != url || rp.AltText != "到门店办理" {
		t.Fatalf("after setting the URL: %+v, %v", rp, err)
	}
	rp, err = f.registry.Update(ctx, "shop", func(r *Registration) error {
		Patch{AltText: &empty}.Apply(r)
		return nil
	})
	if err != nil || rp.AltURL != url || rp.AltText != "" {
		t.Fatalf("after clearing the text: %+v, %v", rp, err)
	}
	if v := NewView(rp); v.AltURL != url {
		t.Errorf("view: %+v", v)
	}
	bad := "ftp://shop.example/"
	if _, err := f.registry.Update(ctx, "shop", func(r *Registration) error {
		Patch{AltURL: &bad}.Apply(r)
		return nil
	}); err == nil || !strings.Contains(err.Error(), "alt_url") {
		t.Errorf("an ftp address: %v", err)
	}
}
