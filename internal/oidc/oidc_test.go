package oidc_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/oidc"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
)

var approve = verification.Answer{Approve: true}

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	resp, body := newBrowser(t).get(e.issuer + oidc.PathDiscovery)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"issuer":                                         e.issuer,
		"authorization_endpoint":                         e.issuer + "/oidc/authorize",
		"token_endpoint":                                 e.issuer + "/oidc/token",
		"userinfo_endpoint":                              e.issuer + "/oidc/userinfo",
		"jwks_uri":                                       e.issuer + "/.well-known/jwks.json",
		"scopes_supported":                               []any{"openid", "age", "wanghao", "identity"},
		"response_types_supported":                       []any{"code"},
		"subject_types_supported":                        []any{"pairwise"},
		"id_token_signing_alg_values_supported":          []any{"ES256", "RS256"},
		"token_endpoint_auth_methods_supported":          []any{"private_key_jwt", "client_secret_basic", "none"},
		"acr_values_supported":                           []any{verification.ACRPossession, verification.ACRPassword, verification.ACRFace},
		"code_challenge_methods_supported":               []any{"S256"},
		"authorization_response_iss_parameter_supported": true,
		"claims_parameter_supported":                     true,
	}
	for k, v := range want {
		got, _ := json.Marshal(m[k])
		w, _ := json.Marshal(v)
		if string(got) != string(w) {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	claims, _ := json.Marshal(m["claims_supported"])
	for _, c := range []string{"sub", "acr", "amr", "wanghao", "age_over_18", "age_band", "name", "document_number", "nationality"} {
		if !strings.Contains(string(claims), `"`+c+`"`) {
			t.Errorf("claims_supported lacks %s", c)
		}
	}
	// A certified RP library accepts it.
	if _, err := gooidc.NewProvider(context.Background(), e.issuer); err != nil {
		t.Fatal(err)
	}
}

func TestCodeFlow(t *testing.T) {
	e := newEnv(t)
	c := e.register("shop", "", storage.AuthClientSecret, "wanghao", "age_over_18", "age_band")
	h := adult(e, 1)
	r := e.login(c, h, []string{"age", "wanghao"}, approve)

	if r.idToken.Issuer != e.issuer || !slices.Equal(r.idToken.Audience, []string{c.rp.ID}) {
		t.Errorf("iss %q aud %v", r.idToken.Issuer, r.idToken.Audience)
	}
	if want := e.verify.Subject(c.rp, h.Person.ID); r.idToken.Subject != want {
		t.Errorf("sub = %q, want the pairwise subject %q", r.idToken.Subject, want)
	}
	if r.idToken.Subject == h.Person.Wanghao || r.idToken.Subject == h.Person.ID {
		t.Error("sub is not pairwise")
	}
	if err := r.idToken.VerifyAccessToken(r.token.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	for k, want := range map[string]any{"acr": verification.ACRPossession, "wanghao": h.Person.Wanghao, "age_over_18": true, "age_band": "18_59"} {
		if r.claims[k] != want {
			t.Errorf("ID token %s = %v, want %v", k, r.claims[k], want)
		}
	}
	if amr, _ := json.Marshal(r.claims["amr"]); string(amr) != `["pop"]` {
		t.Errorf("amr = %s", amr)
	}
	for _, k := range []string{"age_over_14", "age_over_16", "age_over_60", "name", "birthdate", "document_number"} {
		if _, ok := r.claims[k]; ok {
			t.Errorf("ID token has %s, which the registration does not allow", k)
		}
	}
	ui, err := e.userinfo(c, r.token)
	if err != nil {
		t.Fatal(err)
	}
	if ui["sub"] != r.idToken.Subject || ui["wanghao"] != h.Person.Wanghao || ui["age_over_18"] != true {
		t.Errorf("userinfo = %v", ui)
	}
	if _, ok := ui["name"]; ok {
		t.Error("userinfo leaks a plaintext field")
	}
}

// authURL builds an authorization URL by hand (for requests an RP library
// would not make).
func (e *env) authURL(c client, params map[string]string) string {
	q := url.Values{"client_id": {c.rp.ID}, "redirect_uri": {c.cb}, "response_type": {"code"}, "scope": {"openid"}, "state": {"s1"}}
	for k, v := range params {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return e.issuer + oidc.PathAuthorize + "?" + q.Encode()
}

func TestAuthorizeErrors(t *testing.T) {
	e := newEnv(t)
	pub := e.register("mobile-app", "", storage.AuthNone)
	conf := e.register("webapp", "", storage.AuthClientSecret)
	_, challenge := pkce()
	tests := []struct {
		name   string
		c      client
		params map[string]string
		code   string
	}{
		{"public client without PKCE", pub, nil, oidc.CodeInvalidRequest},
		{"plain PKCE", pub, map[string]string{"code_challenge": challenge, "code_challenge_method": "plain"}, oidc.CodeInvalidRequest},
		{"PKCE without method (plain)", conf, map[string]string{"code_challenge": challenge}, oidc.CodeInvalidRequest},
		{"malformed challenge", pub, map[string]string{"code_challenge": "short", "code_challenge_method": "S256"}, oidc.CodeInvalidRequest},
		{"no openid scope", conf, map[string]string{"scope": "age"}, oidc.CodeInvalidScope},
		{"implicit flow", conf, map[string]string{"response_type": "id_token"}, oidc.CodeUnsupportedResponseType},
		{"prompt none", conf, map[string]string{"prompt": "none"}, oidc.CodeLoginRequired},
		{"request object", conf, map[string]string{"request": "eyJ"}, oidc.CodeRequestNotSupported},
		{"malformed claims", conf, map[string]string{"claims": "{"}, oidc.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := newBrowser(t).get(e.authURL(tt.c, tt.params))
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want a redirect", resp.StatusCode)
			}
			u, _ := url.Parse(resp.Header.Get("Location"))
			if got := u.Scheme + "://" + u.Host + u.Path; got != tt.c.cb {
				t.Fatalf("redirect to %s", got)
			}
			q := u.Query()
			if q.Get("error") != tt.code || q.Get("state") != "s1" || q.Get("iss") != e.issuer {
				t.Errorf("error=%q state=%q iss=%q, want %s", q.Get("error"), q.Get("state"), q.Get("iss"), tt.code)
			}
		})
	}
}

func TestRedirectURIMismatchShowsPage(t *testing.T) {
	e := newEnv(t)
	c := e.register("webapp", "", storage.AuthClientSecret)
	for _, uri := range []string{"https://evil.example/callback", c.cb + "/", c.cb + "?x=1", "", "HTTPS://webapp.example/callback"} {
		resp, body := newBrowser(t).get(e.authURL(c, map[string]string{"redirect_uri": uri}))
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("redirect_uri %q: status %d location %q, want 400 and no redirect", uri, resp.StatusCode, resp.Header.Get("Location"))
		}
		if !strings.Contains(body, "redirect_uri") {
			t.Errorf("redirect_uri %q: the page does not say what is wrong", uri)
		}
	}
	resp, _ := newBrowser(t).get(e.authURL(client{rp: storage.RelyingParty{ID: "nobody"}, cb: c.cb}, nil))
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("unknown client: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestPublicClientWithPKCE(t *testing.T) {
	e := newEnv(t)
	c := e.register("mobile-app", "", storage.AuthNone, "age_over_18")
	r := e.login(c, adult(e, 1), []string{"age"}, approve)
	if r.claims["age_over_18"] != true {
		t.Errorf("claims %v", r.claims)
	}
}

func TestWrongVerifierAndRedirect(t *testing.T) {
	e := newEnv(t)
	c := e.register("webapp", "", storage.AuthClientSecret)
	rp := e.rpSide(c)
	verifier, challenge := pkce()
	b := newBrowser(t)
	page, link := e.start(b, e.authURL(c, map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"}))
	e.answer(adult(e, 1), link, approve)
	code := e.callback(b, page, c).Get("code")
	ctx := context.Background()
	_, err := rp.config.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	assertOAuthError(t, err, oidc.CodeInvalidGrant)
	_, err = rp.config.Exchange(ctx, code) // no verifier
	assertOAuthError(t, err, oidc.CodeInvalidGrant)
	other := rp.config
	other.RedirectURL = c.cb + "?other"
	_, err = other.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	assertOAuthError(t, err, oidc.CodeInvalidGrant)
	wrong := rp.config
	wrong.ClientSecret = "not-the-secret"
	_, err = wrong.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	assertOAuthError(t, err, oidc.CodeInvalidClient)
	// The failed attempts did not burn the code.
	if _, err := rp.config.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatal(err)
	}
}

func assertOAuthError(t *testing.T, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a token error %s", err, code)
	}
	if re.ErrorCode != code {
		t.Errorf("error = %q (%s), want %q", re.ErrorCode, re.ErrorDescription, code)
	}
}

func TestReplayedCodeRevokesTokens(t *testing.T) {
	e := newEnv(t)
	c := e.register("webapp", "", storage.AuthClientSecret)
	rp := e.rpSide(c)
	verifier, challenge := pkce()
	b := newBrowser(t)
	page, link := e.start(b, e.authURL(c, map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"}))
	e.answer(adult(e, 1), link, approve)
	code := e.callback(b, page, c).Get("code")
	ctx := context.Background()
	tok, err := rp.config.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.userinfo(c, tok); err != nil {
		t.Fatalf("userinfo before the replay: %v", err)
	}
	_, err = rp.config.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	assertOAuthError(t, err, oidc.CodeInvalidGrant)
	if _, err := e.userinfo(c, tok); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("userinfo after the replay: err = %v, want 401", err)
	}
	// Loading the page again does not mint a second code.
	resp, _ := b.get(page)
	if resp.StatusCode == http.StatusSeeOther && strings.Contains(resp.Header.Get("Location"), "code=") {
		t.Error("a second code was issued for the session")
	}
}

func TestDeclinedCancelledExpired(t *testing.T) {
	e := newEnv(t)
	c := e.register("webapp", "", storage.AuthClientSecret)
	_, challenge := pkce()
	params := map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"}

	t.Run("declined", func(t *testing.T) {
		b := newBrowser(t)
		page, link := e.start(b, e.authURL(c, params))
		e.answer(adult(e, 1), link, verification.Answer{Approve: false})
		q := e.callback(b, page, c)
		if q.Get("error") != oidc.CodeAccessDenied || q.Get("code") != "" || q.Get("state") != "s1" {
			t.Errorf("callback %v", q)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		b := newBrowser(t)
		page, _ := e.start(b, e.authURL(c, params))
		resp, err := b.http.Post(page+"/cancel", "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		u, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || u.Query().Get("error") != oidc.CodeAccessDenied {
			t.Errorf("cancel: %d %s", resp.StatusCode, u)
		}
	})
	t.Run("expired", func(t *testing.T) {
		b := newBrowser(t)
		page, _ := e.start(b, e.authURL(c, params))
		e.clock.Add(6 * time.Minute)
		q := e.callback(b, page, c)
		if q.Get("error") != oidc.CodeAccessDenied || !strings.Contains(q.Get("error_description"), "expired") {
			t.Errorf("callback %v", q)
		}
	})
}

func TestPageBoundToBrowser(t *testing.T) {
	e := newEnv(t)
	c := e.register("webapp", "", storage.AuthClientSecret)
	_, challenge := pkce()
	page, link := e.start(newBrowser(t), e.authURL(c, map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"}))
	e.answer(adult(e, 1), link, approve)
	resp, body := newBrowser(t).get(page)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" || strings.Contains(body, "code=") {
		t.Errorf("another browser: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = newBrowser(t).get(page + "/status")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status from another browser: %d", resp.StatusCode)
	}
}

func TestPage(t *testing.T) {
	e := newEnv(t)
	c := e.register("webapp", "", storage.AuthClientSecret, "age_over_18")
	b := newBrowser(t)
	_, challenge := pkce()
	resp, _ := b.get(e.authURL(c, map[string]string{"code_challenge": challenge, "code_challenge_method": "S256", "scope": "openid age", "purpose": "Check your age for the shop"}))
	page := resp.Header.Get("Location")
	resp, body := b.get(page)
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "img-src data:", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	for _, want := range []string{"Service webapp", "webapp.example", "Check your age for the shop", "age_over_18", `src="data:image/png;base64,`, "netid://", `href="` + e.issuer + "/wallet/verify?code=", "netid wallet approve", `http-equiv="refresh"`, oidc.PathAssets + "poll.js", "/status"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") || strings.Contains(body, "onclick") {
		t.Error("page has inline script or style")
	}
	resp, body = b.get(page + "/status")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"done":false`) {
		t.Errorf("status: %d %s", resp.StatusCode, body)
	}
	for _, a := range []string{"poll.js", "page.css"} {
		if resp, _ := b.get(e.issuer + oidc.PathAssets + a); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", a, resp.StatusCode)
		}
	}
}

func TestPairwiseSubjects(t *testing.T) {
	e := newEnv(t)
	a1 := e.register("org-a-shop", "org-a", storage.AuthClientSecret)
	a2 := e.register("org-a-bank", "org-a", storage.AuthClientSecret)
	b1 := e.register("org-b-news", "org-b", storage.AuthClientSecret)
	h := adult(e, 1)
	subA1 := e.login(a1, h, nil, approve).idToken.Subject
	subA2 := e.login(a2, h, nil, approve).idToken.Subject
	subB1 := e.login(b1, h, nil, approve).idToken.Subject
	if subA1 != subA2 {
		t.Errorf("one sector, two subjects: %q %q", subA1, subA2)
	}
	if subA1 == subB1 {
		t.Errorf("two sectors, one subject %q", subA1)
	}
	other := e.login(a1, adult(e, 2), nil, approve).idToken.Subject
	if other == subA1 {
		t.Error("two people, one subject")
	}
}

func TestWanghaoOnlyWhenRegistered(t *testing.T) {
	e := newEnv(t)
	c := e.register("webapp", "", storage.AuthClientSecret, "age_over_18")
	r := e.login(c, adult(e, 1), []string{"wanghao", "identity"}, approve,
		oauth2.SetAuthURLParam("claims", `{"id_token":{"wanghao":{"essential":true},"name":null},"userinfo":{"wanghao":null}}`))
	for _, k := range []string{"wanghao", "name"} {
		if _, ok := r.claims[k]; ok {
			t.Errorf("ID token has %s", k)
		}
	}
	ui, err := e.userinfo(c, r.token)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ui["wanghao"]; ok {
		t.Errorf("userinfo has wanghao: %v", ui)
	}
}

func TestACR(t *testing.T) {
	e := newEnv(t)
	c := e.register("webapp", "", storage.AuthClientSecret)
	h := adult(e, 1)
	tests := []struct {
		name   string
		opt    oauth2.AuthCodeOption
		answer verification.Answer
		acr    string
		amr    string
	}{
		{"acr_values password", oauth2.SetAuthURLParam("acr_values", verification.ACRPassword), verification.Answer{Approve: true, Password: holderPassword}, verification.ACRPassword, `["pop","pwd","mfa"]`},
		{"unknown acr ignored", oauth2.SetAuthURLParam("acr_values", "urn:other:loa:2"), approve, verification.ACRPossession, `["pop"]`},
		{"essential acr claim", oauth2.SetAuthURLParam("claims", `{"id_token":{"acr":{"essential":true,"values":["urn:netid:acr:face","urn:netid:acr:password"]}}}`), verification.Answer{Approve: true, Password: holderPassword}, verification.ACRPassword, `["pop","pwd","mfa"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.login(c, h, nil, tt.answer, tt.opt)
			if r.claims["acr"] != tt.acr {
				t.Errorf("acr = %v, want %s", r.claims["acr"], tt.acr)
			}
			if amr, _ := json.Marshal(r.claims["amr"]); string(amr) != tt.amr {
				t.Errorf("amr = %s, want %s", amr, tt.amr)
			}
		})
	}
}

func TestPlaintextNeedsConsent(t *testing.T) {
	e := newEnv(t)
	rp, secret, err := e.registry.Register(context.Background(), relyingpartyRegistration("bank", "Anti-Money Laundering Law art. 28", "name", "document_number"))
	if err != nil {
		t.Fatal(err)
	}
	c := client{rp: rp, secret: secret, cb: "https://bank.example/callback"}
	h := adult(e, 1)
	without := e.login(c, h, []string{"identity"}, approve)
	if _, ok := without.claims["name"]; ok {
		t.Error("plaintext name without the holder's separate consent")
	}
	with := e.login(c, h, []string{"identity"}, verification.Answer{Approve: true, Plaintext: true})
	if with.claims["name"] != "张三" || with.claims["document_number"] != "110101199001011234" {
		t.Errorf("claims with consent: %v", with.claims)
	}
	if _, ok := with.claims["sex"]; ok {
		t.Error("a plaintext field the registration does not allow")
	}
}

func TestUserinfoBadTokens(t *testing.T) {
	e := newEnv(t)
	c := e.register("webapp", "", storage.AuthClientSecret)
	r := e.login(c, adult(e, 1), nil, approve)
	for name, tok := range map[string]*oauth2.Token{
		"unknown":  {AccessToken: "nope", TokenType: "Bearer"},
		"id token": {AccessToken: r.raw, TokenType: "Bearer"},
	} {
		if _, err := e.userinfo(c, tok); err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("%s: err = %v, want 401", name, err)
		}
	}
	e.clock.Add(11 * time.Minute)
	if _, err := e.userinfo(c, r.token); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("expired: err = %v, want 401", err)
	}
}

func TestExpiredCode(t *testing.T) {
	e := newEnv(t)
	c := e.register("webapp", "", storage.AuthClientSecret)
	rp := e.rpSide(c)
	verifier, challenge := pkce()
	b := newBrowser(t)
	page, link := e.start(b, e.authURL(c, map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"}))
	e.answer(adult(e, 1), link, approve)
	code := e.callback(b, page, c).Get("code")
	e.clock.Add(2 * time.Minute)
	_, err := rp.config.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	assertOAuthError(t, err, oidc.CodeInvalidGrant)
	other := e.register("other-app", "", storage.AuthClientSecret)
	e.clock.Add(-2 * time.Minute)
	otherRP := e.rpSide(other)
	_, err = otherRP.config.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	assertOAuthError(t, err, oidc.CodeInvalidGrant)
}

// TestSuspensionStopsTokens: once the holder's credential is suspended (or
// the person cancelled), userinfo refuses the access token already issued
// and the code exchange refuses a code already issued.
func TestSuspensionStopsTokens(t *testing.T) {
	e := newEnv(t)
	c := e.register("shop", "", storage.AuthClientSecret, "age_over_18")
	suspend := func(id string) {
		t.Helper()
		if _, err := e.store.UpdateCredential(context.Background(), id, func(x storage.Credential) (storage.Credential, error) {
			x.Status, x.StatusBy = storage.CredentialSuspended, storage.StatusByOperator
			return x, nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	h := adult(e, 1)
	r := e.login(c, h, []string{"age"}, approve)
	if _, err := e.userinfo(c, r.token); err != nil {
		t.Fatal(err)
	}
	suspend(h.CredentialID)
	if ui, err := e.userinfo(c, r.token); err == nil {
		t.Errorf("userinfo after the suspension: %v", ui)
	}

	// A code issued before the suspension is not exchanged after it.
	h2 := adult(e, 2)
	rp := e.rpSide(c, "age")
	verifier := oauth2.GenerateVerifier()
	b := newBrowser(t)
	page, link := e.start(b, rp.config.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	e.answer(h2, link, approve)
	q := e.callback(b, page, c)
	suspend(h2.CredentialID)
	if _, err := rp.config.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("code exchange after the suspension: %v", err)
	}
}

// Each relying party's ID tokens are signed with the algorithm it
// registered, ES256 by default; an independent client library that accepts
// only that algorithm verifies them against the published JWKS.
func TestIDTokenAlgorithms(t *testing.T) {
	e := newEnv(t)
	h := adult(e, 1)
	for _, tc := range []struct {
		id, registered, want string
	}{
		{"default-shop", "", "ES256"},
		{"es-shop", "ES256", "ES256"},
		{"rsa-shop", "RS256", "RS256"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			c := e.registerWith(tc.id, storage.AuthClientSecret, func(r *relyingparty.Registration) { r.IDTokenAlg = tc.registered })
			if c.rp.IDTokenAlg != tc.want {
				t.Fatalf("registered IDTokenAlg = %q, want %q", c.rp.IDTokenAlg, tc.want)
			}
			r := e.login(c, h, []string{"age"}, approve)
			tok, err := jose.ParseSignedCompact(r.raw, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
			if err != nil {
				t.Fatal(err)
			}
			if alg := tok.Signatures[0].Header.Algorithm; alg != tc.want {
				t.Fatalf("ID token alg = %s, want %s", alg, tc.want)
			}
			// A client that accepts only its registered algorithm.
			p, err := gooidc.NewProvider(context.Background(), e.issuer)
			if err != nil {
				t.Fatal(err)
			}
			strict := p.Verifier(&gooidc.Config{ClientID: c.rp.ID, Now: e.clock.Now, SupportedSigningAlgs: []string{tc.want}})
			if _, err := strict.Verify(context.Background(), r.raw); err != nil {
				t.Fatalf("%s verifier: %v", tc.want, err)
			}
			other := "RS256"
			if tc.want == "RS256" {
				other = "ES256"
			}
			wrong := p.Verifier(&gooidc.Config{ClientID: c.rp.ID, Now: e.clock.Now, SupportedSigningAlgs: []string{other}})
			if _, err := wrong.Verify(context.Background(), r.raw); err == nil {
				t.Fatalf("an %s-only verifier accepted the %s ID token", other, tc.want)
			}
		})
	}
	// Any other algorithm is refused at registration.
	for _, bad := range []string{"none", "HS256", "PS256", "es256", "EdDSA"} {
		_, _, err := e.registry.Register(context.Background(), relyingparty.Registration{
			ID: "bad-alg", Name: "Bad", Category: storage.CategoryInternetService, Domains: []string{"bad.example"},
			RedirectURIs: []string{"https://bad.example/callback"}, AuthMethod: storage.AuthClientSecret, IDTokenAlg: bad,
		})
		if !errors.Is(err, relyingparty.ErrInvalid) || !strings.Contains(err.Error(), "id_token_signed_response_alg") {
			t.Errorf("IDTokenAlg %q: err = %v", bad, err)
		}
	}
}

// A relying party over its limit reads the refusal with an ordinary OAuth
// client: x/oauth2 gets RFC 6749's JSON error from the token endpoint,
// go-oidc a 429 with the error from userinfo; both carry Retry-After.
func TestRateLimitedInOAuthFormat(t *testing.T) {
	e := newEnv(t)
	c := e.register("shop", "", storage.AuthClientSecret, "age_over_18")
	r := e.login(c, adult(e, 1), []string{"age"}, approve)
	l, err := httpx.NewRateLimiter(httpx.RateLimitConfig{Rate: 1, Burst: 1, MaxKeys: 10, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.limits.set(l)

	if _, err := e.userinfo(c, r.token); err != nil {
		t.Fatalf("userinfo within the limit: %v", err)
	}
	if _, err := e.userinfo(c, r.token); err == nil || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "temporarily_unavailable") {
		t.Fatalf("userinfo over the limit: err = %v", err)
	}
	req, _ := http.NewRequest("GET", e.issuer+oidc.PathUserinfo, nil)
	req.Header.Set("Authorization", "Bearer "+r.token.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" ||
		!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), `Bearer error="temporarily_unavailable"`) {
		t.Errorf("userinfo over the limit: %d, Retry-After %q, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("WWW-Authenticate"))
	}

	rp := e.rpSide(c)
	_, err = rp.config.Exchange(context.Background(), "any-code", oauth2.VerifierOption(oauth2.GenerateVerifier()))
	re, ok := errors.AsType[*oauth2.RetrieveError](err)
	if !ok || re.ErrorCode != oidc.CodeTemporarilyUnavailable || re.Response.StatusCode != http.StatusTooManyRequests || re.Response.Header.Get("Retry-After") == "" {
		t.Fatalf("token over the limit: err = %v", err)
	}
	// Within the limit again, the error is the ordinary one.
	e.clock.Add(2 * time.Second)
	_, err = rp.config.Exchange(context.Background(), "any-code", oauth2.VerifierOption(oauth2.GenerateVerifier()))
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); !ok || re.ErrorCode != oidc.CodeInvalidGrant {
		t.Fatalf("token after the wait: err = %v", err)
	}
}
