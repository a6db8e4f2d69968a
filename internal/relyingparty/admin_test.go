package relyingparty

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/keys"
)

const adminToken = "admin-token-0123456789abcdef"

type adminServer struct {
	*fixture
	srv *httptest.Server
	log *bytes.Buffer
}

func newAdminServer(t *testing.T, withToken bool) *adminServer {
	t.Helper()
	f := newFixture(t)
	idx := keys.NewIndexer([]byte("index key for tests, 32 bytes.."))
	var logBuf bytes.Buffer
	api := &AdminAPI{Registry: f.registry, MAC: idx.MAC, Log: slog.New(slog.NewTextHandler(&logBuf, nil)), MaxBody: 64 << 10}
	if withToken {
		api.TokenMAC = idx.MAC(AdminTokenDomain, []byte(adminToken))
	}
	mux := http.NewServeMux()
	api.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &adminServer{fixture: f, srv: srv, log: &logBuf}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (s *adminServer) do(t *testing.T, method, path, token, contentType, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, b}
}

func (r response) problem(t *testing.T) *httpx.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != httpx.ContentTypeProblem {
		t.Fatalf("Content-Type %q, want a problem (%s)", ct, r.body)
	}
	p := new(httpx.Problem)
	if err := json.Unmarshal(r.body, p); err != nil {
		t.Fatal(err)
	}
	return p
}

const jsonCT = "application/json"

var allRoutes = []struct{ method, path string }{
	{http.MethodGet, AdminPath},
	{http.MethodPost, AdminPath},
	{http.MethodGet, AdminPath + "/" + secretClient},
	{http.MethodPatch, AdminPath + "/" + secretClient},
	{http.MethodPost, AdminPath + "/" + secretClient + "/secret"},
	{http.MethodPost, AdminPath + "/" + secretClient + "/disable"},
	{http.MethodPost, AdminPath + "/" + secretClient + "/enable"},
}

func TestAdminOffWithoutToken(t *testing.T) {
	s := newAdminServer(t, false)
	for _, rt := range allRoutes {
		res := s.do(t, rt.method, rt.path, adminToken, jsonCT, `{}`)
		if res.status != http.StatusNotFound || res.problem(t).Slug() != httpx.SlugNotFound {
			t.Errorf("%s %s: %d %s", rt.method, rt.path, res.status, res.body)
		}
	}
}

func TestAdminUnauthorized(t *testing.T) {
	s := newAdminServer(t, true)
	for _, token := range []string{"", "wrong", adminToken + "x", strings.Repeat("a", 2000)} {
		for _, rt := range allRoutes {
			res := s.do(t, rt.method, rt.path, token, jsonCT, `{}`)
			if res.status != http.StatusUnauthorized || res.problem(t).Slug() != SlugAdminUnauthorized {
				t.Errorf("%s %s with %q: %d %s", rt.method, rt.path, token, res.status, res.body)
			}
			if !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("no WWW-Authenticate: %v", res.header)
			}
		}
	}
	// Nothing changed.
	if rp := mustGet(t, s.fixture, secretClient); rp.Disabled {
		t.Error("an unauthorised request disabled the relying party")
	}
	// Other schemes are refused too.
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+AdminPath, nil)
	req.SetBasicAuth("admin", adminToken)
	res, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("Basic auth: %d", res.StatusCode)
	}
}

// noLeak fails if body holds a secret hash or private key material.
func noLeak(t *testing.T, body []byte, secrets ...string) {
	t.Helper()
	for _, bad := range append([]string{"$argon2id", "hmac-sha256$", "SecretHash", `"d":`}, secrets...) {
		if bad != "" && bytes.Contains(body, []byte(bad)) {
			t.Errorf("response leaks %q: %s", bad, body)
		}
	}
}

func TestAdminRoutes(t *testing.T) {
	s := newAdminServer(t, true)
	key := newKey(t)
	reg := map[string]any{
		"id": "news.example", "name": "News 新闻", "category": "internet_service",
		"domains": []string{"news.example"}, "redirect_uris": []string{"https://news.example/cb"},
		"allowed_claims": []string{"age_over_18"}, "auth_method": "client_secret_basic",
	}
	body, _ := json.Marshal(reg)

	// Register.
	res := s.do(t, http.MethodPost, AdminPath, adminToken, jsonCT, string(body))
	if res.status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.status, res.body)
	}
	var v View
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatal(err)
	}
	if v.ClientSecret == "" || !v.HasSecret || v.Sector != "news.example" || res.header.Get("Location") != AdminPath+"/news.example" {
		t.Fatalf("register answer: %s", res.body)
	}
	if res.header.Get("Cache-Control") != "no-store" {
		t.Error("secret answer is cacheable")
	}
	if !slices.Equal(v.AllowedClaims, []string{"verified", "sub", "age_over_18"}) {
		t.Errorf("allowed_claims = %v", v.AllowedClaims)
	}
	noLeak(t, res.body)
	secret := v.ClientSecret
	if _, err := s.auth.Authenticate(basicRequest("news.example", secret), false); err != nil {
		t.Fatalf("the returned secret does not authenticate: %v", err)
	}

	// Exists.
	res = s.do(t, http.MethodPost, AdminPath, adminToken, jsonCT, string(body))
	if res.status != http.StatusConflict || res.problem(t).Slug() != SlugExists {
		t.Errorf("duplicate: %d %s", res.status, res.body)
	}

	// Register a jwt client: the key set comes back public only.
	jreg := map[string]any{"id": "pay.example", "name": "Pay", "category": "internet_service",
		"auth_method": "private_key_jwt", "jwks": json.RawMessage(jwksOf(t, key))}
	jbody, _ := json.Marshal(jreg)
	res = s.do(t, http.MethodPost, AdminPath, adminToken, jsonCT, string(jbody))
	if res.status != http.StatusCreated || bytes.Contains(res.body, []byte(`"client_secret":`)) {
		t.Fatalf("register jwt: %d %s", res.status, res.body)
	}
	noLeak(t, res.body)

	// List and show never carry secrets.
	res = s.do(t, http.MethodGet, AdminPath, adminToken, "", "")
	var list struct {
		RelyingParties []View `json:"relying_parties"`
	}
	if res.status != http.StatusOK || json.Unmarshal(res.body, &list) != nil || len(list.RelyingParties) != 6 {
		t.Fatalf("list: %d %s", res.status, res.body)
	}
	noLeak(t, res.body, secret, s.secret, `"client_secret":`)
	res = s.do(t, http.MethodGet, AdminPath+"/news.example", adminToken, "", "")
	if res.status != http.StatusOK {
		t.Fatalf("show: %d %s", res.status, res.body)
	}
	noLeak(t, res.body, secret, `"client_secret":`)

	// Update.
	res = s.do(t, http.MethodPatch, AdminPath+"/news.example", adminToken, jsonCT,
		`{"name":"News Daily","allowed_claims":["age_band"]}`)
	if res.status != http.StatusOK {
		t.Fatalf("update: %d %s", res.status, res.body)
	}
	if err := json.Unmarshal(res.body, &v); err != nil || v.Name != "News Daily" || !slices.Equal(v.AllowedClaims, []string{"verified", "sub", "age_band"}) {
		t.Errorf("update answer: %s", res.body)
	}
	noLeak(t, res.body, secret, `"client_secret":`)

	// Invalid update: every problem listed.
	res = s.do(t, http.MethodPatch, AdminPath+"/news.example", adminToken, jsonCT,
		`{"name":"","allowed_claims":["name","bogus"]}`)
	p := res.problem(t)
	if res.status != http.StatusUnprocessableEntity || p.Slug() != SlugInvalid {
		t.Fatalf("invalid update: %d %s", res.status, res.body)
	}
	if errs, _ := p.Extensions["errors"].([]any); len(errs) != 3 {
		t.Errorf("errors = %v, want 3 problems", p.Extensions["errors"])
	}

	// Rotate.
	res = s.do(t, http.MethodPost, AdminPath+"/news.example/secret", adminToken, "", "")
	var rot struct {
		ID           string `json:"id"`
		ClientSecret string `json:"client_secret"`
	}
	if res.status != http.StatusOK || json.Unmarshal(res.body, &rot) != nil || rot.ClientSecret == "" || rot.ClientSecret == secret {
		t.Fatalf("rotate: %d %s", res.status, res.body)
	}
	noLeak(t, res.body, secret)
	if _, err := s.auth.Authenticate(basicRequest("news.example", rot.ClientSecret), false); err != nil {
		t.Errorf("rotated secret: %v", err)
	}
	res = s.do(t, http.MethodPost, AdminPath+"/pay.example/secret", adminToken, "", "")
	if res.status != http.StatusUnprocessableEntity || res.problem(t).Slug() != SlugInvalid {
		t.Errorf("rotate jwt client: %d %s", res.status, res.body)
	}

	// Disable and enable.
	res = s.do(t, http.MethodPost, AdminPath+"/news.example/disable", adminToken, "", "")
	if res.status != http.StatusOK || json.Unmarshal(res.body, &v) != nil || !v.Disabled {
		t.Fatalf("disable: %d %s", res.status, res.body)
	}
	res = s.do(t, http.MethodPost, AdminPath+"/news.example/enable", adminToken, "", "")
	if res.status != http.StatusOK || json.Unmarshal(res.body, &v) != nil || v.Disabled {
		t.Fatalf("enable: %d %s", res.status, res.body)
	}

	// The log names relying parties, never secrets.
	for _, want := range []string{"relying party registered", "relying party updated", "secret rotated", "relying party disabled"} {
		if !strings.Contains(s.log.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	noLeak(t, s.log.Bytes(), secret, rot.ClientSecret)
}

func TestAdminErrors(t *testing.T) {
	s := newAdminServer(t, true)
	good := `{"id":"x.example","name":"X","category":"in_person","auth_method":"client_secret_basic"}`
	tests := []struct {
		name, method, path, ct, body string
		status                       int
		slug                         string
	}{
		{"unknown id", http.MethodGet, AdminPath + "/nobody.example", "", "", 404, SlugNotFound},
		{"invalid id", http.MethodGet, AdminPath + "/A", "", "", 404, SlugNotFound},
		{"update unknown", http.MethodPatch, AdminPath + "/nobody.example", jsonCT, `{"name":"N"}`, 404, SlugNotFound},
		{"rotate unknown", http.MethodPost, AdminPath + "/nobody.example/secret", "", "", 404, SlugNotFound},
		{"disable unknown", http.MethodPost, AdminPath + "/nobody.example/disable", "", "", 404, SlugNotFound},
		{"unknown action", http.MethodPost, AdminPath + "/" + secretClient + "/delete", "", "", 404, httpx.SlugNotFound},
		{"deep path", http.MethodGet, AdminPath + "/" + secretClient + "/secret/x", "", "", 404, httpx.SlugNotFound},
		{"wrong method on list", http.MethodDelete, AdminPath, "", "", 405, httpx.SlugMethodNotAllowed},
		{"wrong method on item", http.MethodPut, AdminPath + "/" + secretClient, jsonCT, good, 405, httpx.SlugMethodNotAllowed},
		{"wrong method on action", http.MethodGet, AdminPath + "/" + secretClient + "/secret", "", "", 405, httpx.SlugMethodNotAllowed},
		{"invalid registration", http.MethodPost, AdminPath, jsonCT, `{"id":"x.example","name":"X","category":"bad","auth_method":"client_secret_basic"}`, 422, SlugInvalid},
		{"private key in jwks", http.MethodPost, AdminPath, jsonCT, privateJWKSRegistration(t), 422, SlugInvalid},
		{"secret in body", http.MethodPost, AdminPath, jsonCT, strings.TrimSuffix(good, "}") + `,"secret":"` + strings.Repeat("A", 43) + `"}`, 400, httpx.SlugUnknownField},
		{"secret hash in body", http.MethodPost, AdminPath, jsonCT, strings.TrimSuffix(good, "}") + `,"secret_hash":"x"}`, 400, httpx.SlugUnknownField},
		{"sector in patch", http.MethodPatch, AdminPath + "/" + secretClient, jsonCT, `{"sector":"other"}`, 400, httpx.SlugUnknownField},
		{"duplicate key", http.MethodPost, AdminPath, jsonCT, `{"id":"x.example","ID":"y.example"}`, 400, httpx.SlugDuplicateKey},
		{"trailing data", http.MethodPost, AdminPath, jsonCT, good + `{}`, 400, httpx.SlugTrailingData},
		{"malformed", http.MethodPost, AdminPath, jsonCT, `{"id":`, 400, httpx.SlugMalformedJSON},
		{"wrong type", http.MethodPatch, AdminPath + "/" + secretClient, jsonCT, `{"domains":"a.example"}`, 400, httpx.SlugWrongType},
		{"empty body", http.MethodPost, AdminPath, jsonCT, "", 400, httpx.SlugEmptyBody},
		{"form body", http.MethodPost, AdminPath, "application/x-www-form-urlencoded", "id=x", 415, httpx.SlugUnsupportedMediaType},
		{"too large", http.MethodPost, AdminPath, jsonCT, `{"name":"` + strings.Repeat("a", 70<<10) + `"}`, 413, httpx.SlugBodyTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := s.do(t, tc.method, tc.path, adminToken, tc.ct, tc.body)
			if res.status != tc.status || res.problem(t).Slug() != tc.slug {
				t.Fatalf("%d %s, want %d %s", res.status, res.body, tc.status, tc.slug)
			}
			if tc.status == 422 {
				if errs, _ := res.problem(t).Extensions["errors"].([]any); len(errs) == 0 {
					t.Errorf("422 without errors: %s", res.body)
				}
			}
			noLeak(t, res.body)
		})
	}
	if _, err := s.registry.Get(t.Context(), "x.example"); err == nil {
		t.Error("a refused registration was stored")
	}
}

func privateJWKSRegistration(t *testing.T) string {
	priv, err := json.Marshal(map[string]any{"keys": []any{jwkOfPrivate(t, newKey(t))}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": "x.example", "name": "X", "category": "in_person",
		"auth_method": "private_key_jwt", "jwks": json.RawMessage(priv)})
	return string(b)
}

func TestAdminInternalError(t *testing.T) {
	s := newAdminServer(t, true)
	s.store.err = io.ErrUnexpectedEOF
	res := s.do(t, http.MethodGet, AdminPath, adminToken, "", "")
	if res.status != http.StatusInternalServerError || res.problem(t).Slug() != httpx.SlugInternal {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if bytes.Contains(res.body, []byte("EOF")) {
		t.Error("the cause reached the client")
	}
}
