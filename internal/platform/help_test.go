package platform_test

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/help"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/storage"
)

var testHelp = help.Help{
	Text:       "请拨打服务热线，或携带身份证到就近派出所办理。",
	TextEN:     "Call the hotline, or bring your ID card to a police station.",
	Hotline:    "400-000-1234",
	OfficesURL: "https://gov.example/offices",
}

func helpEnv(t *testing.T) *env {
	return newEnvWith(t, "", func(c *config.Config) { c.Help = testHelp })
}

// problemHelp returns a problem's help member, if any.
func problemHelp(t *testing.T, r response) (api.Help, bool) {
	t.Helper()
	var p struct {
		Help *api.Help `json:"help"`
	}
	r.json(t, &p)
	if p.Help == nil {
		return api.Help{}, false
	}
	return *p.Help, true
}

// TestHelpPublished: GET /v1/help gives the operator's help in the
// request's language (English falls back to the Chinese text when there is
// none), cacheable per language; without help configured, an empty object.
func TestHelpPublished(t *testing.T) {
	e := helpEnv(t)
	var got api.Help
	r := must(t, e.raw("GET", api.HelpPath, nil, nil), http.StatusOK)
	r.json(t, &got)
	if got != (api.Help{Text: testHelp.Text, Hotline: testHelp.Hotline, OfficesURL: testHelp.OfficesURL}) {
		t.Errorf("Chinese: %+v", got)
	}
	if cl, cc, vary := r.header.Get("Content-Language"), r.header.Get("Cache-Control"), r.header.Values("Vary"); cl != "zh-CN" || !strings.HasPrefix(cc, "public") || !strings.Contains(strings.Join(vary, ","), "Accept-Language") {
		t.Errorf("headers: Content-Language %q, Cache-Control %q, Vary %q", cl, cc, vary)
	}
	r = must(t, e.raw("GET", api.HelpPath, nil, map[string]string{"Accept-Language": "en-GB,en;q=0.9"}), http.StatusOK)
	r.json(t, &got)
	if got.Text != testHelp.TextEN || got.Hotline != testHelp.Hotline || r.header.Get("Content-Language") != "en" {
		t.Errorf("English: %+v (%s)", got, r.header.Get("Content-Language"))
	}

	zhOnly := newEnvWith(t, "", func(c *config.Config) { c.Help = help.Help{Text: "请拨打 12345。"} })
	r = must(t, zhOnly.raw("GET", api.HelpPath, nil, map[string]string{"Accept-Language": "en"}), http.StatusOK)
	if strings.TrimSpace(string(r.body)) != `{"text":"请拨打 12345。"}` {
		t.Errorf("English without an English text: %s", r.body)
	}

	none := newEnv(t, "")
	r = must(t, none.raw("GET", api.HelpPath, nil, nil), http.StatusOK)
	if strings.TrimSpace(string(r.body)) != "{}" {
		t.Errorf("no help configured: %s", r.body)
	}
}

// TestHelpOnProblems: the problems a person cannot resolve alone carry the
// help (a locked password, an operator's suspension, an expired document,
// an in-person check of a suspended credential), in the request's
// language; the others do not; nor does any without help configured.
func TestHelpOnProblems(t *testing.T) {
	dir := t.TempDir()
	token := filepath.Join(dir, "admin-token")
	if err := os.WriteFile(token, []byte(adminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, "", func(c *config.Config) { c.Help, c.AdminTokenFile = testHelp, token })
	h := e.apply(adult(t))

	wrong := e.holderCall(h, "POST", "/v1/holder/password/verify", map[string]any{"password": "99999999"})
	if typ := wrong.problemType(t); typ != "wrong-password" {
		t.Fatalf("wrong password: %s", typ)
	}
	if _, ok := problemHelp(t, wrong); ok {
		t.Error("help under a wrong password, which the holder resolves alone")
	}
	var locked response
	for range 4 {
		locked = e.holderCall(h, "POST", "/v1/holder/password/verify", map[string]any{"password": "99999999"})
	}
	if typ := locked.problemType(t); typ != "password-locked" {
		t.Fatalf("after five wrong passwords: %s", typ)
	}
	if got, ok := problemHelp(t, locked); !ok || got.Text != testHelp.Text || got.Hotline != testHelp.Hotline || got.OfficesURL != testHelp.OfficesURL {
		t.Errorf("password-locked: help %+v, %v", got, ok)
	}

	// An operator's suspension, asked in English.
	other := e.apply(adult(t))
	must(t, e.admin("POST", other.wanghao+"/suspend", map[string]any{"reason": "核查"}), http.StatusOK)
	proof, err := holder.Sign(other.key, other.credentialID, "POST", e.url+"/v1/holder/resume", e.clock.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	resume := e.raw("POST", "/v1/holder/resume", []byte(`{}`), map[string]string{holder.Header: proof, "Accept-Language": "en"})
	if typ := resume.problemType(t); typ != "operator-suspension" && typ != "credential-inactive" {
		t.Fatalf("resuming an operator's suspension: %s %s", typ, resume.body)
	}
	if got, ok := problemHelp(t, resume); !ok || got.Text != testHelp.TextEN {
		t.Errorf("operator's suspension: help %+v, %v", got, ok)
	}

	// The in-person check of the suspended credential.
	hotel := e.registerInPerson("hotel-help", "hotel: x", "name")
	refused := e.eidVerify(hotel, e.eidPayload(other))
	if typ := refused.problemType(t); typ != "eid-credential-suspended" {
		t.Fatalf("in-person check of a suspended credential: %s", typ)
	}
	if got, ok := problemHelp(t, refused); !ok || got.Hotline != testHelp.Hotline {
		t.Errorf("eid-credential-suspended: help %+v, %v", got, ok)
	}

	// An expired document at proofing.
	p := adult(t)
	p.identity.ValidUntil = document.DateOf(e.clock.Now().AddDate(0, 0, -2))
	a := e.start(p.identity.Type)
	expired := e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": e.chip(p)})
	if typ := expired.problemType(t); typ != "document-expired" {
		t.Fatalf("expired document: %s", typ)
	}
	if _, ok := problemHelp(t, expired); !ok {
		t.Error("no help under an expired document")
	}

	// Without help configured, no problem carries any.
	plain := newEnv(t, "")
	ph := plain.apply(adult(t))
	for range 5 {
		locked = plain.holderCall(ph, "POST", "/v1/holder/password/verify", map[string]any{"password": "99999999"})
	}
	if typ := locked.problemType(t); typ != "password-locked" {
		t.Fatalf("after five wrong passwords: %s", typ)
	}
	var m map[string]json.RawMessage
	locked.json(t, &m)
	if _, ok := m[api.ExtHelp]; ok {
		t.Errorf("help without help configured: %s", locked.body)
	}
}

// TestHelpOnEIDPage: the verifier page shows the operator's help at its
// foot; a terminal's refused check carries the help only when the holder
// cannot resolve the refusal alone (the page shows it under the reason).
func TestHelpOnEIDPage(t *testing.T) {
	e := helpEnv(t)
	h := e.apply(adult(t))
	e.registerInPerson("hotel-page", "hotel: x", "name")
	page := string(must(t, e.raw("GET", "/verify/eid", nil, nil), http.StatusOK).body)
	for _, want := range []string{`id="help"`, testHelp.Text, `href="tel:4000001234"`, `href="https://gov.example/offices"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	added, err := e.p.Server.Verifiers.Add(e.ctx, "hotel-page", "desk")
	if err != nil {
		t.Fatal(err)
	}
	d, r := e.enrolDevice(added.Code)
	must(t, r, http.StatusCreated)

	replayed := e.eidPayload(h)
	must(t, e.deviceCall(d, "POST", "/v1/eid/verify", map[string]any{"payload": replayed}), http.StatusOK)
	r = e.deviceCall(d, "POST", "/v1/eid/verify", map[string]any{"payload": replayed})
	var m map[string]any
	r.json(t, &m)
	if _, ok := m[api.ExtHelp]; ok || r.problemType(t) != "eid-replayed" {
		t.Errorf("a replayed code (the holder shows a new one) carries help: %s", r.body)
	}

	if _, err := e.p.Store.UpdateCredential(e.ctx, h.credentialID, func(c storage.Credential) (storage.Credential, error) {
		c.Status, c.StatusBy = storage.CredentialSuspended, storage.StatusByOperator
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	r = e.deviceCall(d, "POST", "/v1/eid/verify", map[string]any{"payload": e.eidPayload(h)})
	m = nil
	r.json(t, &m)
	if _, ok := m[api.ExtHelp]; r.status != http.StatusForbidden || !ok {
		t.Errorf("a suspended credential: %d %s", r.status, r.body)
	}
}
