package wallet

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/guardianconsent"
	"github.com/netid-project/netid/internal/httpx"
)

// TestUnder14PresentCarriesTheKeptConsent: the wallet keeps only the
// statements for its own credential key, presents the one for the
// audience, and refuses (sending nothing) when it has none.
func TestUnder14PresentCarriesTheKeptConsent(t *testing.T) {
	f := newFakePlatform(t)
	u := f.adult(t)
	// The credential of a holder under 14, bound to this wallet's key.
	dec, err := credential.DecodeUnverified(u.Credential)
	if err != nil {
		t.Fatal(err)
	}
	claims := dec.Claims
	claims.Wanghao = u.Wallet.Wanghao
	claims.GuardianConsentRequired = true
	claims.Disclosable = map[string]any{"age_over_14": false}
	if u.Credential, err = (credential.Issuer{Key: f.key, KeyID: testKID}).Issue(claims); err != nil {
		t.Fatal(err)
	}
	sign := func(aud string, key *jose.JSONWebKey) string {
		jkt, err := guardianconsent.Thumbprint(key)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := guardianconsent.Sign(f.key, testKID, guardianconsent.Statement{
			Issuer: u.Wallet.Server, Audience: aud, KeyThumbprint: jkt, IssuedAt: testNow, Expiry: testNow.Add(24 * time.Hour),
		})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	mine := &jose.JSONWebKey{Key: &u.DeviceKey.PublicKey}
	other := &jose.JSONWebKey{Key: &newDeviceKey(t).PublicKey}
	f.handle("GET /v1/wallet/guardian-consents", func(w http.ResponseWriter, r *http.Request) error {
		httpx.WriteJSON(w, 200, api.ConsentStatements{Statements: []api.ConsentStatement{
			{Audience: "game", Statement: sign("game", mine)},
			{Audience: "shop", Statement: sign("shop", other)}, // another credential's
			{Audience: "forum", Statement: sign("game", mine)}, // names another audience
			{Audience: "video", Statement: "not a statement"},  // malformed
		}})
		return nil
	})

	if _, err := Present(u, "game", "n-1", nil, testNow); !errors.Is(err, ErrNoGuardianConsent) {
		t.Fatalf("before fetching: %v", err)
	}
	kept, err := FetchConsents(context.Background(), f.client(), u)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0].Audience != "game" {
		t.Fatalf("kept %+v", kept)
	}
	p, err := Present(u, "game", "n-1", []string{"age_over_14"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	c, err := credential.VerifyPresentation(p, credential.PresentationOptions{Keys: f.jwks(), Audience: "game", Nonce: "n-1", Now: testNow})
	if err != nil || c.KeyBinding.GuardianConsent == nil {
		t.Fatalf("the presentation: %+v %v", c, err)
	}
	for _, aud := range []string{"shop", "forum", "video"} {
		if _, err := Present(u, aud, "n-2", nil, testNow); !errors.Is(err, ErrNoGuardianConsent) || !strings.Contains(err.Error(), aud) {
			t.Errorf("%s: %v", aud, err)
		}
	}
	// Past the statement's expiry the wallet has none.
	if _, err := Present(u, "game", "n-3", nil, testNow.Add(25*time.Hour)); !errors.Is(err, ErrNoGuardianConsent) {
		t.Errorf("expired: %v", err)
	}
}
