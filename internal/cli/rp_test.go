package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/relyingparty"
)

// runRP runs "netid admin rp …" on a data directory.
func runRP(t *testing.T, data string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
		if k == "NETID_DATA" {
			return data
		}
		return ""
	}}
	err := adminRP(context.Background(), env, args)
	return out.String(), errOut.String(), err
}

var secretLine = regexp.MustCompile(`client_secret for \S+: (\S+)`)

func TestAdminRP(t *testing.T) {
	data := dataDir(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1"}}})
	jwksFile := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(jwksFile, jwks, 0o600); err != nil {
		t.Fatal(err)
	}

	// add: a secret client; the secret is printed once, with a warning.
	out, errOut, err := runRP(t, data, "add", "--id", "shop.example", "--name", "Shop 商城",
		"--domain", "shop.example", "--redirect-uri", "https://shop.example/cb?a=1,2",
		"--claims", "age_over_18, wanghao", "--auth", "client_secret_basic")
	if err != nil {
		t.Fatalf("add: %v\n%s", err, errOut)
	}
	m := secretLine.FindStringSubmatch(out)
	if m == nil || !strings.Contains(errOut, "shown only this once") {
		t.Fatalf("add output:\n%s\n%s", out, errOut)
	}
	secret := m[1]

	// add: a jwt client with a legal basis, given --data explicitly.
	_, errOut, err = runRP(t, "elsewhere", "add", "--data", data, "--id", "bank.example", "--name", "Bank",
		"--legal-basis", "Anti-Money Laundering Law art. 28", "--claims", "name,document_number",
		"--auth", "private_key_jwt", "--jwks", jwksFile)
	if err != nil {
		t.Fatalf("add jwt: %v\n%s", err, errOut)
	}

	// add: an in-person verifier's legal basis must name its kind.
	_, errOut, err = runRP(t, data, "add", "--id", "hotel.example", "--name", "Hotel", "--category", "in_person",
		"--legal-basis", "旅馆业治安管理办法", "--claims", "name,photo")
	if err == nil || !strings.Contains(errOut, "legal_basis") {
		t.Fatalf("in-person add without a kind: %v\n%s", err, errOut)
	}
	if _, errOut, err = runRP(t, data, "add", "--id", "hotel.example", "--name", "Hotel", "--category", "in_person",
		"--legal-basis", "hotel: 旅馆业治安管理办法", "--claims", "name,photo", "--auth", "client_secret_basic"); err != nil {
		t.Fatalf("in-person add: %v\n%s", err, errOut)
	}

	// add: invalid, every problem listed; exit 1 without another message.
	_, errOut, err = runRP(t, data, "add", "--id", "X", "--claims", "name", "--auth", "basic")
	var v verdictError
	if !errors.As(err, &v) || !errors.Is(v.error, relyingparty.ErrInvalid) {
		t.Fatalf("invalid add: err = %v", err)
	}
	if strings.Contains(errOut, "sector") {
		t.Errorf("an invalid ID was reported again as the default sector:\n%s", errOut)
	}
	for _, want := range []string{"id:", "name:", "allowed_claims[0]:", "auth_method:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("problems lack %q:\n%s", want, errOut)
		}
	}

	// add: duplicate.
	if _, _, err := runRP(t, data, "add", "--id", "shop.example", "--name", "S", "--auth", "none",
		"--redirect-uri", "http://localhost/cb"); !errors.Is(err, relyingparty.ErrExists) {
		t.Errorf("duplicate add: err = %v", err)
	}

	// list.
	out, _, err = runRP(t, data, "list")
	if err != nil || !strings.Contains(out, "bank.example") || !strings.Contains(out, "shop.example") {
		t.Fatalf("list: %v\n%s", err, out)
	}

	// show: JSON view, never the secret or its hash.
	out, _, err = runRP(t, data, "show", "shop.example")
	if err != nil {
		t.Fatal(err)
	}
	var view relyingparty.View
	if err := json.Unmarshal([]byte(out), &view); err != nil {
		t.Fatalf("show is not a JSON view: %v\n%s", err, out)
	}
	if !view.HasSecret || view.RedirectURIs[0] != "https://shop.example/cb?a=1,2" {
		t.Errorf("view = %+v", view)
	}
	if strings.Contains(out, secret) || strings.Contains(out, "argon2") {
		t.Errorf("show leaks the secret:\n%s", out)
	}

	// update: flags given replace, others stay.
	if _, errOut, err := runRP(t, data, "update", "shop.example", "--name", "Shop Daily", "--claims", "age_band"); err != nil {
		t.Fatalf("update: %v\n%s", err, errOut)
	}
	out, _, _ = runRP(t, data, "show", "shop.example")
	_ = json.Unmarshal([]byte(out), &view)
	if view.Name != "Shop Daily" || strings.Join(view.AllowedClaims, ",") != "verified,sub,age_band" || len(view.Domains) != 1 {
		t.Errorf("after update: %+v", view)
	}

	// update: switching the jwt client to a secret prints a new secret.
	out, _, err = runRP(t, data, "update", "bank.example", "--auth", "client_secret_basic")
	if err != nil || secretLine.FindStringSubmatch(out) == nil {
		t.Fatalf("switch to secret: %v\n%s", err, out)
	}

	// rotate-secret.
	out, _, err = runRP(t, data, "rotate-secret", "shop.example")
	m = secretLine.FindStringSubmatch(out)
	if err != nil || m == nil || m[1] == secret {
		t.Fatalf("rotate: %v\n%s", err, out)
	}

	// disable, enable.
	if _, _, err := runRP(t, data, "disable", "shop.example"); err != nil {
		t.Fatal(err)
	}
	out, _, _ = runRP(t, data, "list")
	if !strings.Contains(out, "disabled") {
		t.Errorf("list after disable:\n%s", out)
	}
	if _, _, err := runRP(t, data, "enable", "shop.example"); err != nil {
		t.Fatal(err)
	}

	// Errors.
	if _, _, err := runRP(t, data, "show", "nobody.example"); !errors.Is(err, relyingparty.ErrNotFound) {
		t.Errorf("show unknown: %v", err)
	}
	if _, _, err := runRP(t, data, "disable", "nobody.example"); !errors.Is(err, relyingparty.ErrNotFound) {
		t.Errorf("disable unknown: %v", err)
	}
	if _, _, err := runRP(t, data, "rotate-secret", "shop.example", "bank.example"); !errors.Is(err, errUsage) {
		t.Errorf("two IDs: %v", err)
	}
	if _, _, err := runRP(t, data, "show"); !errors.Is(err, errUsage) {
		t.Errorf("no ID: %v", err)
	}
	if _, _, err := runRP(t, data, "add", "--bogus"); !errors.Is(err, errUsage) {
		t.Errorf("unknown flag: %v", err)
	}
	if _, _, err := runRP(t, data, "frobnicate"); !errors.Is(err, errUsage) {
		t.Errorf("unknown subcommand: %v", err)
	}
	if _, _, err := runRP(t, data, "add", "--id", "k.example", "--name", "K", "--auth", "private_key_jwt",
		"--jwks", filepath.Join(data, "missing.json")); err == nil {
		t.Error("missing key set file: no error")
	}
}
