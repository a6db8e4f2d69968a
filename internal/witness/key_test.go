package witness_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/audit/treeproof"
	"github.com/netid-project/netid/internal/jws"
)

type key struct {
	priv *ecdsa.PrivateKey
	kid  string
}

func newKey(t testing.TB) key {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := (&jose.JSONWebKey{Key: &priv.PublicKey}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return key{priv, base64.RawURLEncoding.EncodeToString(tp)}
}

func (k key) set() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: "ES256"}}}
}

// head signs a tree head of size with root.
func (k key) head(t testing.TB, size int64, root []byte) string {
	t.Helper()
	payload := `{"size":` + strconv.FormatInt(size, 10) + `,"root":"` + base64.RawURLEncoding.EncodeToString(root) + `","iat":1700000000}`
	s, err := jws.Sign(k.priv, treeproof.HeadType, k.kid, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
