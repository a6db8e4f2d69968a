package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/rp"
)

// pkcs8PEM is key as a PEM PKCS #8 block, written by smx509 (which
// writes a P-256 key exactly as crypto/x509 does).
func pkcs8PEM(t testing.TB, key any) []byte {
	t.Helper()
	der, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// TestKeyFileOnBothSuites runs the app with --key-file against a platform
// of each crypto suite: a P-256 key on es256 and an SM2 key on sm, each
// registered for private_key_jwt; the app starts a verification with
// client assertions signed by the key, the holder approves, and the app
// verifies the result the platform signed (ES256 or SM2).
func TestKeyFileOnBothSuites(t *testing.T) {
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sm2Key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// The P-256 key as crypto/x509 writes it, the SM2 one as smx509 does.
	p256DER, err := x509.MarshalPKCS8PrivateKey(p256)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		suite string
		pem   []byte
		pub   *ecdsa.PublicKey
		alg   jws.Algorithm
	}{
		{"es256", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p256DER}), &p256.PublicKey, jws.ES256},
		{"sm", pkcs8PEM(t, sm2Key), &sm2Key.PublicKey, jws.SM2},
	} {
		t.Run(tc.suite, func(t *testing.T) {
			p, base := devPlatformOf(t, tc.suite)
			wc, u, _ := holder(t, base)
			set, err := json.Marshal(jws.JWKS{Keys: []jose.JSONWebKey{{Key: tc.pub, KeyID: "k1", Algorithm: string(tc.alg), Use: "sig"}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := p.Registry.Register(context.Background(), relyingparty.Registration{
				ID: "demo-shop", Name: "示例商城", Category: storage.CategoryInternetService, Domains: []string{"demo-shop.example"},
				AllowedClaims: []string{"age_over_18"}, AuthMethod: storage.AuthPrivateKeyJWT, JWKS: set,
			}); err != nil {
				t.Fatal(err)
			}
			keyFile := filepath.Join(t.TempDir(), "client.pem")
			if err := os.WriteFile(keyFile, tc.pem, 0o600); err != nil {
				t.Fatal(err)
			}
			o, err := parseFlags([]string{"--netid", base, "--client-id", "demo-shop", "--key-file", keyFile, "--kid", "k1"}, func(string) string { return "" }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			auth, err := o.clientAuth()
			if err != nil {
				t.Fatal(err)
			}
			c, err := rp.NewClient(o.netid, o.clientID, auth)
			if err != nil {
				t.Fatal(err)
			}
			demo := httptest.NewServer(newApp(c, []string{"age_over_18"}, "登录示例商城", slog.New(slog.DiscardHandler)).routes())
			t.Cleanup(demo.Close)
			b := newBrowser(t, demo.URL)
			page, link := b.start("possession")
			answer(t, wc, u, link, api.DecisionApprove, "")
			status, _, body := b.do(http.MethodGet, page, nil)
			if status != http.StatusOK || !strings.Contains(body, "Verified: <b>approved</b>") || !strings.Contains(body, "<code>age_over_18 = true</code>") {
				t.Fatalf("result page: %d %s", status, body)
			}
		})
	}
}

// TestParseKeyFileRefuses: only a PKCS #8 P-256 or SM2 private key.
func TestParseKeyFileRefuses(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(p256)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		b    []byte
		want string
	}{
		"no PEM":     {[]byte("not a key"), "no PEM block"},
		"SEC 1":      {pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), `"EC PRIVATE KEY"`},
		"not DER":    {pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), "not a PKCS #8"},
		"P-384":      {pkcs8PEM(t, p384), "neither a P-256 nor an SM2 key"},
		"Ed25519":    {pkcs8PEM(t, ed), "neither a P-256 nor an SM2 key"},
		"public key": {pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}), `"PUBLIC KEY"`},
	} {
		t.Run(name, func(t *testing.T) {
			if k, err := parseKeyFile(tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %T, %v; want an error saying %q", k, err, tc.want)
			}
		})
	}
}

// FuzzParseKeyFile: a key file either is refused or gives a key that signs
// client assertions (ES256 or SM2).
func FuzzParseKeyFile(f *testing.F) {
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	sm2Key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pkcs8PEM(f, p256))
	f.Add(pkcs8PEM(f, sm2Key))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := parseKeyFile(b)
		if err != nil {
			return
		}
		if _, ok := jws.AlgorithmFor(k.Public()); !ok {
			t.Fatalf("accepted a %T that signs neither ES256 nor SM2", k)
		}
	})
}
