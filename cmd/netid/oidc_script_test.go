package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/oauth2"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/oidc"
	"github.com/netid-project/netid/internal/suite"
)

// oidcLogins holds each script's OpenID Connect login from oidcstart to
// oidcfinish.
var oidcLogins sync.Map // *testscript.TestScript → *oidcLogin

type oidcLogin struct {
	meta                   oidc.Metadata
	conf                   oauth2.Config
	browser                *http.Client
	page                   string
	verifier, state, nonce string
}

// signInLink finds the sign-in page's netid:// link.
var signInLink = regexp.MustCompile(`href="(netid://[^"]+)"`)

// oidcStart: oidcstart CLIENT SECRET REDIRECT — a relying party's OpenID
// Connect client (golang.org/x/oauth2) reads the discovery document at
// $URL and sends the person's browser (cookies kept, redirects seen one
// by one) with an authorization code request, PKCE S256, a nonce, scope
// "openid age" and acr_values password, to the sign-in page; prints the
// page's netid:// link for the wallet.
func oidcStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: oidcstart CLIENT SECRET REDIRECT")
	}
	l := &oidcLogin{}
	ts.Check(getJSON(http.DefaultClient, ts.Getenv("URL")+oidc.PathDiscovery, &l.meta))
	l.conf = oauth2.Config{
		ClientID: args[0], ClientSecret: args[1], RedirectURL: args[2], Scopes: []string{"openid", "age"},
		Endpoint: oauth2.Endpoint{AuthURL: l.meta.AuthorizationEndpoint, TokenURL: l.meta.TokenEndpoint, AuthStyle: oauth2.AuthStyleInHeader},
	}
	l.verifier, l.state, l.nonce = oauth2.GenerateVerifier(), oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
	jar, err := cookiejar.New(nil)
	ts.Check(err)
	l.browser = &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ := browse(ts, l.browser, l.conf.AuthCodeURL(l.state, oauth2.S256ChallengeOption(l.verifier),
		oauth2.SetAuthURLParam("nonce", l.nonce), oauth2.SetAuthURLParam("acr_values", "urn:netid:acr:password")))
	page, err := resp.Location()
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		ts.Fatalf("the authorization request answered %s, not the sign-in page", resp.Status)
	}
	l.page = page.String()
	_, body := browse(ts, l.browser, l.page)
	m := signInLink.FindStringSubmatch(body)
	if m == nil {
		ts.Fatalf("the sign-in page shows no netid:// link:\n%s", body)
	}
	oidcLogins.Store(ts, l)
	fmt.Fprintln(ts.Stdout(), html.UnescapeString(m[1]))
}

// oidcFinish: oidcfinish — after the wallet approved, the browser reloads
// the sign-in page and is sent back to the redirect URI with a code; the
// client checks state and iss, exchanges the code at the token endpoint
// with its secret (HTTP Basic) and the PKCE verifier, and verifies the ID
// token with the platform's JWKS, $SIGALG the only algorithm it allows,
// then its iss, aud, nonce, expiry and at_hash (under $SUITE's hash).
// Prints "alg ALG" and the ID token's claims as JSON.
func oidcFinish(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: oidcfinish")
	}
	v, ok := oidcLogins.LoadAndDelete(ts)
	if !ok {
		ts.Fatalf("oidcfinish without oidcstart")
	}
	l := v.(*oidcLogin)
	st, err := suite.Parse(ts.Getenv("SUITE"))
	ts.Check(err)
	resp, _ := browse(ts, l.browser, l.page)
	back, err := resp.Location()
	if err != nil {
		ts.Fatalf("the sign-in page did not send the browser back (%s)", resp.Status)
	}
	q := back.Query()
	if q.Get("state") != l.state || q.Get("iss") != l.meta.Issuer || q.Get("code") == "" {
		ts.Fatalf("the authorization response is not the client's: %s", back)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := l.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(l.verifier))
	ts.Check(err)
	raw, _ := tok.Extra("id_token").(string)
	var keys jws.JWKS
	ts.Check(getJSON(http.DefaultClient, l.meta.JWKSURI, &keys))
	alg := jws.Algorithm(ts.Getenv("SIGALG"))
	hdr, claims, err := jws.VerifyObject(raw, jws.Expect{Typ: "JWT", Algorithms: []jws.Algorithm{alg}, Keys: jws.ByKeyID(jose.JSONWebKeySet(keys))})
	if err != nil {
		ts.Fatalf("the ID token does not verify with the JWKS under %s: %v", alg, err)
	}
	sum := st.Sum([]byte(tok.AccessToken))
	expNum, _ := claims["exp"].(json.Number)
	exp, err := expNum.Int64()
	ts.Check(err)
	switch {
	case claims["iss"] != l.meta.Issuer || claims["aud"] != l.conf.ClientID || claims["nonce"] != l.nonce:
		ts.Fatalf("the ID token is not for this login: %v", claims)
	case time.Unix(exp, 0).Before(time.Now()):
		ts.Fatalf("the ID token has expired: %v", claims)
	case claims["at_hash"] != base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]):
		ts.Fatalf("the ID token's at_hash is not the access token's under %s's hash: %v", st, claims)
	}
	b, err := json.Marshal(claims)
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "alg %s\n%s\n", hdr.Alg, b)
}

// browse fetches u with the browser, without following a redirect.
func browse(ts *testscript.TestScript, c *http.Client, u string) (*http.Response, string) {
	resp, err := c.Get(u)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	ts.Check(err)
	return resp, string(b)
}

// getJSON fetches u and decodes its JSON into out.
func getJSON(c *http.Client, u string, out any) error {
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
