package oidc_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/emmansun/gmsm/sm3"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/oidc"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
	"github.com/netid-project/netid/internal/suite"
)

func newSMEnv(t *testing.T) *env {
	t.Helper()
	store, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "netid.db"))
	if err != nil {
		t.Fatal(err)
	}
	return newEnvSuite(t, store, suite.SM)
}

// platformJWKS fetches the platform's JWKS and reads it as package jws
// does, SM2 keys included.
func (e *env) platformJWKS() jose.JSONWebKeySet {
	e.t.Helper()
	resp, err := http.Get(e.issuer + oidc.PathJWKS)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var set jws.JWKS
	if err := json.Unmarshal(body, &set); err != nil {
		e.t.Fatal(err)
	}
	return jose.JSONWebKeySet(set)
}

// TestSMIDTokens: on a platform of the SM suite, discovery offers SM2 and
// RS256 for ID tokens; a relying party that names no algorithm gets SM2
// ID tokens, verified with the SM2 key of the platform's JWKS, whose
// at_hash is the left half of SM3 of the access token; one that registered
// RS256 keeps RS256; ES256, for which the platform keeps no key, is
// refused at registration.
func TestSMIDTokens(t *testing.T) {
	e := newSMEnv(t)
	d := e.provider.Discovery()
	if !slices.Equal(d.IDTokenSigningAlgValuesSupported, []string{"SM2", "RS256"}) {
		t.Errorf("id_token_signing_alg_values_supported = %v, want [SM2 RS256]", d.IDTokenSigningAlgValuesSupported)
	}
	h := adult(e, 1)
	keys := jws.ByKeyID(e.platformJWKS())

	c := e.registerWith("sm-shop", storage.AuthClientSecret, func(*relyingparty.Registration) {})
	if c.rp.IDTokenAlg != "SM2" {
		t.Fatalf("registered IDTokenAlg = %q, want SM2, the suite's", c.rp.IDTokenAlg)
	}
	tok, raw, nonce := e.exchange(e.rpSide(c, "age"), c, h, approve)
	hdr, claims, err := jws.VerifyObject(raw, jws.Expect{Typ: "JWT", Algorithms: []jws.Algorithm{jws.SM2}, Keys: keys})
	if err != nil {
		t.Fatalf("the SM2 ID token does not verify: %v", err)
	}
	if hdr.Alg != jws.SM2 || claims["iss"] != e.issuer || claims["aud"] != c.rp.ID || claims["nonce"] != nonce {
		t.Errorf("header %+v, claims %v", hdr, claims)
	}
	sum := sm3.Sum([]byte(tok.AccessToken))
	if want := base64.RawURLEncoding.EncodeToString(sum[:16]); claims["at_hash"] != want {
		t.Errorf("at_hash %v, want the left half of SM3 %s", claims["at_hash"], want)
	}

	rsa := e.registerWith("rsa-shop", storage.AuthClientSecret, func(r *relyingparty.Registration) { r.IDTokenAlg = "RS256" })
	_, raw, _ = e.exchange(e.rpSide(rsa, "age"), rsa, h, approve)
	verifyRS256(t, raw, e.platformJWKS())

	// An RS256 client on go-oidc: through discovery and the full JWKS
	// (go-oidc skips the SM2 keys, whose alg it does not know), and with
	// the RS256 set alone (what a client reading the set with go-jose's
	// JSONWebKeySet, which refuses a whole set holding an SM2 key, uses).
	ctx := gooidc.ClientContext(context.Background(), http.DefaultClient)
	cfg := &gooidc.Config{ClientID: rsa.rp.ID, Now: e.clock.Now}
	whole := gooidc.NewVerifier(e.issuer, gooidc.NewRemoteKeySet(ctx, e.issuer+oidc.PathJWKS), cfg)
	if _, err := whole.Verify(ctx, raw); err != nil {
		t.Errorf("go-oidc with %s: %v", oidc.PathJWKS, err)
	}
	rsOnly := gooidc.NewVerifier(e.issuer, gooidc.NewRemoteKeySet(ctx, e.issuer+oidc.PathJWKSRS256), cfg)
	if _, err := rsOnly.Verify(ctx, raw); err != nil {
		t.Errorf("go-oidc with %s: %v", oidc.PathJWKSRS256, err)
	}
	for path, readable := range map[string]bool{oidc.PathJWKS: false, oidc.PathJWKSRS256: true} {
		resp, err := http.Get(e.issuer + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(body, &set); (err == nil) != readable {
			t.Errorf("go-jose reading %s: %v, want readable %v", path, err, readable)
		}
	}

	for _, bad := range []string{"ES256", "none"} {
		_, _, err := e.registry.Register(context.Background(), relyingparty.Registration{
			ID: "bad-alg", Name: "Bad", Category: storage.CategoryInternetService, Domains: []string{"bad.example"},
			RedirectURIs: []string{"https://bad.example/callback"}, AuthMethod: storage.AuthClientSecret, IDTokenAlg: bad,
		})
		if !errors.Is(err, relyingparty.ErrInvalid) || !strings.Contains(err.Error(), "id_token_signed_response_alg") {
			t.Errorf("IDTokenAlg %q on the SM suite: err = %v", bad, err)
		}
	}
}

// verifyRS256 verifies an RS256 ID token with the RSA key of set its kid
// names.
func verifyRS256(t *testing.T, raw string, set jose.JSONWebKeySet) {
	t.Helper()
	tok, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("not an RS256 token: %v", err)
	}
	ks := set.Key(tok.Signatures[0].Header.KeyID)
	if len(ks) != 1 {
		t.Fatalf("%d keys for the ID token's kid", len(ks))
	}
	if _, ok := ks[0].Key.(*rsa.PublicKey); !ok {
		t.Fatalf("the kid names a %T", ks[0].Key)
	}
	if _, err := tok.Verify(ks[0].Key); err != nil {
		t.Fatalf("RS256 ID token: %v", err)
	}
}

// TestSM2IDTokenRefusedOnES256: a platform of the ES256 suite keeps no SM2
// key, so discovery does not offer SM2 and registration refuses it.
func TestSM2IDTokenRefusedOnES256(t *testing.T) {
	e := newEnv(t)
	if slices.Contains(e.provider.Discovery().IDTokenSigningAlgValuesSupported, "SM2") {
		t.Error("an ES256 platform offers SM2 ID tokens")
	}
	_, _, err := e.registry.Register(context.Background(), relyingparty.Registration{
		ID: "sm-shop", Name: "SM", Category: storage.CategoryInternetService, Domains: []string{"sm.example"},
		RedirectURIs: []string{"https://sm.example/callback"}, AuthMethod: storage.AuthClientSecret, IDTokenAlg: "SM2",
	})
	if !errors.Is(err, relyingparty.ErrInvalid) || !strings.Contains(err.Error(), "id_token_signed_response_alg") {
		t.Errorf("IDTokenAlg SM2 on the ES256 suite: err = %v", err)
	}
}
