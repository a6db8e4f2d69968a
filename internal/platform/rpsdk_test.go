package platform_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/deeplink"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	sdk "github.com/netid-project/netid/rp"
)

// The tests below drive the relying-party SDK (package rp) against the
// real platform: the session API, the wallet's answers and the signed
// results as the server makes them.

// sdkPoll is the poll interval of the tests: the holder has answered
// before Wait starts, so Wait polls once.
const sdkPoll = 10 * time.Millisecond

// sdkClient returns an rp.Client of the relying party on the platform's
// clock.
func (e *env) sdkClient(id string, auth sdk.ClientAuth) *sdk.Client {
	e.t.Helper()
	v, err := sdk.New(e.ctx, e.url, sdk.WithClock(e.clock.Now))
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := sdk.NewClient(e.url, id, auth, sdk.WithVerifier(v), sdk.WithClientClock(e.clock.Now))
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// codeOf reads the session code from a wallet link, as a wallet does.
func codeOf(t *testing.T, link string) string {
	t.Helper()
	l, err := deeplink.Parse(link)
	if err != nil {
		t.Fatalf("the SDK's link does not parse: %v", err)
	}
	return l.Code
}

func TestRPSDKApproved(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		p := adult(t)
		h := e.apply(p)
		shop := e.register("shop", "", "", "age_over_18")
		c := e.sdkClient("shop", sdk.ClientSecret(shop.secret))
		ctx := context.Background()

		s, err := c.CreateSession(ctx, sdk.SessionRequest{Level: sdk.LevelPassword, Claims: []string{"age_over_18"}, Purpose: "购买需年满18岁的商品", Nonce: "sdk-nonce"})
		if err != nil {
			t.Fatal(err)
		}
		if s.State != sdk.StatePending || !strings.HasPrefix(s.HTTPSLink, e.url+"/wallet/") || !s.ExpiresAt.After(e.clock.Now()) {
			t.Fatalf("session: %+v", s)
		}
		if img, err := c.QRPNG(ctx, s); err != nil || !bytes.HasPrefix(img, []byte("\x89PNG\r\n")) {
			t.Fatalf("QR code: %v", err)
		}
		code := codeOf(t, s.Link)
		must(t, e.open(h, code), http.StatusOK)
		must(t, e.answer(h, code, map[string]any{"decision": "approve", "password": p.password}), http.StatusOK)

		r, err := c.Wait(ctx, s.ID, sdkPoll)
		if err != nil {
			t.Fatal(err)
		}
		if r.SessionID != s.ID || r.Level != sdk.LevelPassword || r.ACR != sdk.ACRPassword || r.Nonce != "sdk-nonce" ||
			r.Issuer != e.url || r.ClientID != "shop" || r.Purpose != "购买需年满18岁的商品" {
			t.Fatalf("result: %+v", r)
		}
		if got := slices.Sorted(maps.Keys(r.Claims)); !slices.Equal(got, []string{"age_over_18", "sub", "verified"}) {
			t.Fatalf("provided claims %v: want only the result, the pairwise sub and age_over_18", got)
		}
		if r.Claims["age_over_18"] != true || r.Claims["verified"] != true || r.Claims["sub"] != r.Subject {
			t.Fatalf("claims: %v", r.Claims)
		}
		rpRow, err := e.p.Store.GetRelyingParty(ctx, "shop")
		if err != nil {
			t.Fatal(err)
		}
		if want := e.p.Verification.Subject(rpRow, mustPersonOf(t, e, h)); r.Subject != want {
			t.Fatal("the subject is not the holder's pairwise subject at shop")
		}
		// No plaintext anywhere in what the relying party received.
		st, err := c.Session(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(st)
		all := string(raw) + st.Result + strings.Join(slices.Collect(maps.Keys(r.Claims)), ",")
		for _, secret := range []string{p.identity.Name, p.identity.Number, h.wanghao, p.identity.Birth.String()} {
			if strings.Contains(all, secret) {
				t.Fatal("plaintext identity data reached the relying party")
			}
		}
		if st.State != sdk.StateApproved || st.LevelReached != sdk.LevelPassword || st.Level != sdk.LevelPassword {
			t.Fatalf("status: %+v", st)
		}
	})
}

func TestRPSDKPrivateKeyJWT(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "bank-1", Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.p.Registry.Register(e.ctx, relyingparty.Registration{
		ID: "bank", Name: "银行", Category: storage.CategoryInternetService, Domains: []string{"bank.example"},
		AllowedClaims: []string{"age_over_18"}, AuthMethod: storage.AuthPrivateKeyJWT, JWKS: set,
	}); err != nil {
		t.Fatal(err)
	}
	c := e.sdkClient("bank", sdk.PrivateKeyJWT(key, "bank-1"))
	ctx := context.Background()
	s, err := c.CreateSession(ctx, sdk.SessionRequest{Purpose: "开户"})
	if err != nil {
		t.Fatal(err)
	}
	code := codeOf(t, s.Link)
	must(t, e.open(h, code), http.StatusOK)
	must(t, e.answer(h, code, map[string]any{"decision": "approve"}), http.StatusOK)
	r, err := c.Wait(ctx, s.ID, sdkPoll)
	if err != nil {
		t.Fatal(err)
	}
	if r.Level != sdk.LevelPossession || len(r.Claims) != 2 {
		t.Fatalf("result-only verification: %+v", r)
	}
	// A key the relying party did not register is refused.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err = e.sdkClient("bank", sdk.PrivateKeyJWT(other, "bank-1")).CreateSession(ctx, sdk.SessionRequest{Purpose: "开户"})
	if apiErr, ok := errors.AsType[*sdk.APIError](err); !ok || apiErr.Status != http.StatusUnauthorized || apiErr.Slug() != "client-unauthenticated" {
		t.Fatalf("an unregistered key: %v", err)
	}
}

func TestRPSDKEndedWithoutResult(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	shop := e.register("shop", "", "", "age_over_18")
	c := e.sdkClient("shop", sdk.ClientSecret(shop.secret))
	ctx := context.Background()
	create := func() *sdk.Session {
		t.Helper()
		s, err := c.CreateSession(ctx, sdk.SessionRequest{Purpose: "登录"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("declined", func(t *testing.T) {
		s := create()
		code := codeOf(t, s.Link)
		must(t, e.open(h, code), http.StatusOK)
		must(t, e.answer(h, code, map[string]any{"decision": "decline"}), http.StatusOK)
		if r, err := c.Wait(ctx, s.ID, sdkPoll); !errors.Is(err, sdk.ErrDeclined) || r != nil {
			t.Fatalf("declined: %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		s := create()
		st, err := c.Cancel(ctx, s.ID)
		if err != nil || st.State != sdk.StateCancelled {
			t.Fatalf("cancel: %+v, %v", st, err)
		}
		if typ := e.open(h, codeOf(t, s.Link)).problemType(t); typ != "session-closed" {
			t.Fatalf("a wallet opening a cancelled session: %s", typ)
		}
		if _, err := c.Wait(ctx, s.ID, sdkPoll); !errors.Is(err, sdk.ErrCancelled) {
			t.Fatalf("cancelled: %v", err)
		}
		_, err = c.Cancel(ctx, s.ID)
		if apiErr, ok := errors.AsType[*sdk.APIError](err); !ok || apiErr.Status != http.StatusConflict || apiErr.Slug() != "session-closed" {
			t.Fatalf("cancelling twice: %v", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		s := create()
		e.clock.Advance(e.p.Config.SessionTTL + time.Second)
		if _, err := c.Wait(ctx, s.ID, sdkPoll); !errors.Is(err, sdk.ErrSessionExpired) {
			t.Fatalf("expired: %v", err)
		}
	})
}

func TestRPSDKAuthenticationAndAudience(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	shop := e.register("shop", "", "", "age_over_18")
	other := e.register("other", "", "", "age_over_18")
	c := e.sdkClient("shop", sdk.ClientSecret(shop.secret))
	ctx := context.Background()

	// A wrong client secret: a 401 problem, and the secret in no message.
	_, err := e.sdkClient("shop", sdk.ClientSecret("wrong-"+shop.secret)).CreateSession(ctx, sdk.SessionRequest{Purpose: "登录"})
	apiErr, ok := errors.AsType[*sdk.APIError](err)
	if !ok || apiErr.Status != http.StatusUnauthorized || apiErr.Slug() != "client-unauthenticated" {
		t.Fatalf("wrong secret: %v", err)
	}
	if strings.Contains(err.Error(), shop.secret) {
		t.Fatal("the secret is in the error message")
	}

	s, err := c.CreateSession(ctx, sdk.SessionRequest{Purpose: "登录"})
	if err != nil {
		t.Fatal(err)
	}
	code := codeOf(t, s.Link)
	must(t, e.open(h, code), http.StatusOK)
	must(t, e.answer(h, code, map[string]any{"decision": "approve"}), http.StatusOK)
	st, err := c.Session(ctx, s.ID)
	if err != nil || st.Result == "" {
		t.Fatalf("poll: %+v, %v", st, err)
	}
	v, err := c.Verifier(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyResult(ctx, st.Result, sdk.ResultExpect{ClientID: "shop", SessionID: s.ID}); err != nil {
		t.Fatalf("the platform's result: %v", err)
	}

	// Another relying party cannot poll the session, nor use its result.
	_, err = e.sdkClient("other", sdk.ClientSecret(other.secret)).Session(ctx, s.ID)
	if apiErr, ok := errors.AsType[*sdk.APIError](err); !ok || apiErr.Status != http.StatusNotFound || apiErr.Slug() != "session-not-found" {
		t.Fatalf("another relying party polling: %v", err)
	}
	if _, err := v.VerifyResult(ctx, st.Result, sdk.ResultExpect{ClientID: "other"}); !errors.Is(err, sdk.ErrAudience) || !errors.Is(err, sdk.ErrInvalid) {
		t.Fatalf("the result at another relying party: %v", err)
	}

	// A tampered result: one claim changed, the signature kept.
	parts := strings.Split(st.Result, ".")
	payload, err := jose.ParseSignedCompact(st.Result, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload.UnsafePayloadWithoutVerification(), &claims); err != nil {
		t.Fatal(err)
	}
	claims["level"], claims["acr"] = "face", sdk.ACRFace
	b, _ := json.Marshal(claims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
	_, err = v.VerifyResult(ctx, tampered, sdk.ResultExpect{ClientID: "shop"})
	if !errors.Is(err, sdk.ErrInvalid) {
		t.Fatalf("tampered result: %v", err)
	}
	for _, s := range []error{sdk.ErrAudience, sdk.ErrIssuer, sdk.ErrSession, sdk.ErrLevel} {
		if errors.Is(err, s) {
			t.Fatalf("tampered result reported as %v", s)
		}
	}
}
