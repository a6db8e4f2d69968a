package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/devplatform"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/holder/proof"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/oidc"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/verification"
	"github.com/netid-project/netid/internal/wallet"
	"github.com/netid-project/netid/rp"
)

// The steps after the offline presentation: what relying parties do
// online with the platform, each answered by the CLI wallet.

// holder is the demo's holder: the wallet's client and its unlocked
// credential, answering as `netid wallet approve` does.
type holder struct {
	c *wallet.Client
	u *wallet.Unlocked
}

// approve approves the verification behind link at whatever level it
// asks, with the credential password and the development liveness
// provider.
func (h holder) approve(ctx context.Context, link string) (api.AnswerResult, error) {
	p := wallet.PromptFuncs{
		SecretFunc:  wallet.OneSecret(holderPassword),
		ConfirmFunc: func(context.Context, wallet.Question) (bool, error) { return true, nil },
	}
	return wallet.Approve(ctx, h.c, h.u, link, p, wallet.DevLiveness(h.c))
}

// register registers a relying party on the development platform, as an
// operator does with netid admin rp add, and returns its client secret
// (none for private_key_jwt). It authenticates with a client secret unless
// r says otherwise.
func register(ctx context.Context, dp *devplatform.Server, r relyingparty.Registration) (string, error) {
	if r.AuthMethod == "" {
		r.AuthMethod = storage.AuthClientSecret
	}
	_, secret, err := dp.Platform.Registry.Register(ctx, r)
	if err != nil {
		return "", fmt.Errorf("registering the relying party %s: %w", r.ID, err)
	}
	return secret, nil
}

// onlineVerification: a relying party, authenticating with client
// assertions signed by its key of the platform's suite (private_key_jwt),
// creates a verification session through the rp SDK, the wallet approves
// it at the password level, and the SDK verifies the signed result with
// the platform's keys.
func onlineVerification(ctx context.Context, dp *devplatform.Server, h holder, st suite.Suite) (string, error) {
	const id, kid = "bookshop", "bookshop-1"
	key, err := st.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	set, err := json.Marshal(jws.JWKS{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: kid, Algorithm: string(st.SignatureAlgorithm()), Use: "sig"}}})
	if err != nil {
		return "", err
	}
	if _, err := register(ctx, dp, relyingparty.Registration{
		ID: id, Name: "示例书店", Category: storage.CategoryInternetService,
		Domains: []string{"bookshop.example"}, AllowedClaims: []string{"age_over_18"},
		AuthMethod: storage.AuthPrivateKeyJWT, JWKS: set,
	}); err != nil {
		return "", err
	}
	// What the parties send is observed on the wire: the algorithm of the
	// client assertions in the relying party's requests and of the holder
	// proofs in the wallet's.
	assertions := &algSeen{header: "Authorization"}
	client, err := rp.NewClient(dp.URL, id, rp.PrivateKeyJWT(key, kid), rp.WithClientHTTP(&http.Client{Transport: assertions, Timeout: 30 * time.Second}))
	if err != nil {
		return "", err
	}
	proofs := &algSeen{header: proof.Header}
	if h.c.HTTP != nil {
		proofs.base = h.c.HTTP.Transport
	}
	wc := *h.c
	wc.HTTP = &http.Client{Transport: proofs, Timeout: 30 * time.Second}
	h.c = &wc
	nonce := randomNonce()
	sess, err := client.CreateSession(ctx, rp.SessionRequest{
		Level: rp.LevelPassword, Claims: []string{"age_over_18"}, Purpose: "购书年龄核验", Nonce: nonce,
	})
	if err != nil {
		return "", err
	}
	ans, err := h.approve(ctx, sess.Link)
	if err != nil {
		return "", fmt.Errorf("approving the verification: %w", err)
	}
	if ans.State != api.SessionApproved {
		return "", fmt.Errorf("the verification ended %s, not approved", ans.State)
	}
	status, err := client.Session(ctx, sess.ID)
	if err != nil {
		return "", err
	}
	res, err := client.Result(ctx, status)
	if err != nil {
		return "", fmt.Errorf("verifying the result: %w", err)
	}
	if res.Nonce != nonce || res.Claims["age_over_18"] != true || res.Subject == "" || !res.Level.AtLeast(rp.LevelPassword) {
		return "", fmt.Errorf("the result is not what was asked: level %s, claims %v", res.Level, res.Claims)
	}
	return fmt.Sprintf("session created with the rp SDK (client assertions %s), approved by the wallet at level %s (holder proofs %s), result signed %s and verified by the SDK: age_over_18=true",
		assertions, res.Level, proofs, headerAlg(status.Result)), nil
}

// algSeen is an HTTP transport that notes the algorithm of the JWS each
// request carries in header (its last space-separated word, so a scheme
// such as "Bearer" is skipped): what a party really signed with, not what
// it was configured to.
type algSeen struct {
	header string
	base   http.RoundTripper // nil: http.DefaultTransport
	mu     sync.Mutex
	algs   map[string]bool
}

func (a *algSeen) RoundTrip(req *http.Request) (*http.Response, error) {
	if v := req.Header.Get(a.header); v != "" {
		alg := headerAlg(v[strings.LastIndex(v, " ")+1:])
		a.mu.Lock()
		if a.algs == nil {
			a.algs = map[string]bool{}
		}
		a.algs[alg] = true
		a.mu.Unlock()
	}
	base := a.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req)
}

// String lists the algorithms seen, sorted, or says none was.
func (a *algSeen) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.algs) == 0 {
		return "none seen"
	}
	return strings.Join(slices.Sorted(maps.Keys(a.algs)), ", ")
}

// oidcLogin: an OpenID Connect relying party (golang.org/x/oauth2, as
// relying parties' libraries do) sends the person's browser to the
// platform with an authorization code request and PKCE; the wallet
// approves the request from the sign-in page's link; the browser comes
// back with a code, exchanged for tokens; the ID token is verified with
// the platform's JWKS, and its at_hash under the suite's hash.
func oidcLogin(ctx context.Context, dp *devplatform.Server, h holder, st suite.Suite) (string, error) {
	const id, callback = "webshop", "http://127.0.0.1:9/callback"
	secret, err := register(ctx, dp, relyingparty.Registration{
		ID: id, Name: "示例商城", Category: storage.CategoryInternetService, Domains: []string{"webshop.example"},
		RedirectURIs: []string{callback}, AllowedClaims: []string{"age_over_18"},
	})
	if err != nil {
		return "", err
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	var meta oidc.Metadata
	if err := getJSON(ctx, hc, dp.URL+oidc.PathDiscovery, &meta); err != nil {
		return "", fmt.Errorf("OpenID Connect discovery: %w", err)
	}
	conf := oauth2.Config{
		ClientID: id, ClientSecret: secret, RedirectURL: callback, Scopes: []string{"openid", "age"},
		Endpoint: oauth2.Endpoint{AuthURL: meta.AuthorizationEndpoint, TokenURL: meta.TokenEndpoint, AuthStyle: oauth2.AuthStyleInHeader},
	}
	verifier, state, nonce := oauth2.GenerateVerifier(), randomNonce(), randomNonce()
	authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("nonce", nonce), oauth2.SetAuthURLParam("acr_values", verification.ACRPassword))

	// The person's browser: cookies kept, redirects seen one by one.
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _, err := get(ctx, browser, authURL)
	if err != nil {
		return "", err
	}
	page, err := resp.Location()
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("the authorization request answered %s, not the sign-in page", resp.Status)
	}
	_, body, err := get(ctx, browser, page.String())
	if err != nil {
		return "", err
	}
	m := pageLink.FindStringSubmatch(body)
	if m == nil {
		return "", errors.New("the sign-in page shows no netid:// link")
	}
	if _, err := h.approve(ctx, html.UnescapeString(m[1])); err != nil {
		return "", fmt.Errorf("approving the sign-in: %w", err)
	}
	resp, _, err = get(ctx, browser, page.String())
	if err != nil {
		return "", err
	}
	back, err := resp.Location()
	if err != nil {
		return "", fmt.Errorf("the sign-in page did not send the browser back (%s)", resp.Status)
	}
	q := back.Query()
	if q.Get("state") != state || q.Get("iss") != meta.Issuer || q.Get("code") == "" {
		return "", fmt.Errorf("the authorization response is not the relying party's (error %q)", q.Get("error"))
	}
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		return "", fmt.Errorf("exchanging the code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	var keys jws.JWKS // SM2 keys too, which go-jose's key set refuses
	if err := getJSON(ctx, hc, meta.JWKSURI, &keys); err != nil {
		return "", fmt.Errorf("fetching the platform's keys: %w", err)
	}
	hdr, claims, err := jws.VerifyObject(raw, jws.Expect{Typ: "JWT", Algorithms: st.Algorithms(), Keys: jws.ByKeyID(jose.JSONWebKeySet(keys))})
	if err != nil {
		return "", fmt.Errorf("the ID token does not verify: %w", err)
	}
	sum := st.Sum([]byte(tok.AccessToken))
	expNum, ok := claims["exp"].(json.Number)
	if !ok {
		return "", errors.New("the ID token has no expiry")
	}
	exp, _ := expNum.Int64()
	switch {
	case claims["iss"] != meta.Issuer || claims["aud"] != id || claims["nonce"] != nonce:
		return "", errors.New("the ID token is not for this login (iss, aud or nonce)")
	case time.Unix(exp, 0).Before(time.Now()):
		return "", errors.New("the ID token has expired")
	case claims["acr"] != verification.ACRPassword || claims["age_over_18"] != true || claims["sub"] == "":
		return "", fmt.Errorf("the ID token does not say what was asked (acr %v)", claims["acr"])
	case claims["at_hash"] != base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]):
		return "", errors.New("the ID token's at_hash is not the access token's")
	}
	return fmt.Sprintf("OpenID Connect login (authorization code, PKCE S256) approved by the wallet: ID token %s verified with the platform's JWKS, at_hash %s, acr %s",
		hdr.Alg, hashName(st), claims["acr"]), nil
}

// pageLink finds the sign-in page's netid:// link in the href that
// carries it.
var pageLink = regexp.MustCompile(`href="(netid://[^"]+)"`)

// eidCheck: the holder shows the electronic ID card's codes to a hotel.
// The online code, signed by the device key, is checked by the platform
// for the hotel, which gets what its legal basis allows; the offline code,
// a presentation, is verified with the platform's keys and status list
// only, as a terminal without a connection would.
func eidCheck(ctx context.Context, dp *devplatform.Server, h holder, v *rp.Verifier) (online, offline string, err error) {
	const id = "hotel"
	secret, err := register(ctx, dp, relyingparty.Registration{
		ID: id, Name: "示例酒店", Category: storage.CategoryInPerson, LegalBasis: "hotel: 《旅馆业治安管理办法》第六条",
		Domains: []string{"hotel.example"}, AllowedClaims: []string{"name", "photo", "document_number", "age_over_18"},
	})
	if err != nil {
		return "", "", err
	}
	code, err := wallet.EIDOnlinePayload(h.u, time.Now(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	res, err := submitEID(ctx, dp.URL, id, secret, code)
	if err != nil {
		return "", "", err
	}
	if !res.Verified || res.Kind != api.InPersonHotel || res.AgeOver18 == nil || !*res.AgeOver18 || res.NameMasked == "" {
		return "", "", fmt.Errorf("the eID check answered %+v", res.Provided)
	}
	provided := make([]string, len(res.Provided))
	for i, f := range res.Provided {
		provided[i] = string(f)
	}
	online = fmt.Sprintf("eID online code (device key %s) checked by the platform for a hotel: VALID, given %s",
		headerAlg(strings.TrimPrefix(code, eid.PrefixOnline)), strings.Join(provided, ", "))

	code, err = wallet.EIDOfflinePayload(h.u, nil, time.Now(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	p, err := eidverify.VerifyOffline(ctx, v, code, time.Now())
	if err != nil {
		return "", "", fmt.Errorf("verifying the offline eID code: %w", err)
	}
	if p.Claims["age_over_18"] != true {
		return "", "", fmt.Errorf("the offline eID code disclosed %v", p.Claims)
	}
	if _, err := eidverify.VerifyOffline(ctx, v, code, time.Now()); !errors.Is(err, eidverify.ErrReplay) {
		return "", "", fmt.Errorf("a rescanned offline eID code was not refused (%v)", err)
	}
	offline = fmt.Sprintf("eID offline code (%s) verified with keys and status list only: VALID, age_over_18=true; scanned again: refused",
		algorithms(strings.TrimPrefix(code, eid.PrefixOffline)))
	return online, offline, nil
}

// submitEID posts an online code to the platform as the in-person
// relying party id, as `netid verify eid` does.
func submitEID(ctx context.Context, base, id, secret, code string) (api.EIDResult, error) {
	body, err := json.Marshal(api.EIDVerifyRequest{Payload: code})
	if err != nil {
		return api.EIDResult{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/eid/verify", bytes.NewReader(body))
	if err != nil {
		return api.EIDResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return api.EIDResult{}, fmt.Errorf("checking the eID code: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return api.EIDResult{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return api.EIDResult{}, fmt.Errorf("checking the eID code: the platform answered %s: %s", resp.Status, clip(b))
	}
	var res api.EIDResult
	if err := json.Unmarshal(b, &res); err != nil {
		return api.EIDResult{}, fmt.Errorf("checking the eID code: %w", err)
	}
	return res, nil
}

// get fetches u with c and returns the response and its body.
func get(ctx context.Context, c *http.Client, u string) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, string(b), err
}

// getJSON fetches u and decodes its JSON into out.
func getJSON(ctx context.Context, c *http.Client, u string, out any) error {
	resp, body, err := get(ctx, c, u)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.Unmarshal([]byte(body), out)
}

// headerAlg is the alg of a compact JWS's header, read without
// verification for the display (the step verifies it).
func headerAlg(token string) string {
	h, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "unreadable"
	}
	var v struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(b, &v) != nil || v.Alg == "" {
		return "unreadable"
	}
	return v.Alg
}

// hashName names the suite's hash.
func hashName(st suite.Suite) string {
	if st == suite.SM {
		return "SM3"
	}
	return "SHA-256"
}

func clip(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return strings.ReplaceAll(string(b), "\n", " ")
}
