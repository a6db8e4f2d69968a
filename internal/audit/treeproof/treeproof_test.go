package treeproof_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
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

func (k key) sign(t testing.TB, typ, payload string) string {
	t.Helper()
	s, err := jws.Sign(k.priv, typ, k.kid, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var root = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))

func TestParse(t *testing.T) {
	k, other := newKey(t), newKey(t)
	good := k.sign(t, treeproof.HeadType, `{"size":3,"root":"`+root+`","iat":1700000000}`)
	h, err := treeproof.Parse(good, k.set())
	if err != nil || h.Size != 3 || !bytes.Equal(h.Root, bytes.Repeat([]byte{7}, 32)) || h.Time.Unix() != 1700000000 || h.Signature != good {
		t.Fatalf("Parse = %+v, %v", h, err)
	}
	for name, tc := range map[string]struct {
		signed string
		want   error
	}{
		"unknown key":   {good, treeproof.ErrUnknownKey},
		"wrong typ":     {k.sign(t, "netid-log-head+jwt", `{"size":3,"root":"`+root+`","iat":1}`), treeproof.ErrMalformed},
		"no size":       {k.sign(t, treeproof.HeadType, `{"root":"`+root+`","iat":1}`), treeproof.ErrMalformed},
		"size 0":        {k.sign(t, treeproof.HeadType, `{"size":0,"root":"`+root+`","iat":1}`), treeproof.ErrMalformed},
		"short root":    {k.sign(t, treeproof.HeadType, `{"size":1,"root":"AAAA","iat":1}`), treeproof.ErrMalformed},
		"extra member":  {k.sign(t, treeproof.HeadType, `{"size":1,"root":"`+root+`","iat":1,"x":1}`), treeproof.ErrMalformed},
		"duplicate key": {k.sign(t, treeproof.HeadType, `{"size":1,"size":2,"root":"`+root+`","iat":1}`), treeproof.ErrMalformed},
		"not a JWS":     {"a.b", treeproof.ErrMalformed},
		"too long":      {strings.Repeat("a", 5000), treeproof.ErrMalformed},
		"bad signature": {good[:len(good)-4] + "AAAA", treeproof.ErrSignature},
	} {
		keys := k.set()
		if name == "unknown key" {
			keys = other.set()
		}
		if _, err := treeproof.Parse(tc.signed, keys); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

func TestDecodeHashes(t *testing.T) {
	if h, err := treeproof.DecodeHashes([]string{root, root}); err != nil || len(h) != 2 {
		t.Fatalf("DecodeHashes = %d, %v", len(h), err)
	}
	for _, bad := range [][]string{{"AAAA"}, {root + "="}, {"!"}, make([]string, treeproof.MaxProofHashes+1)} {
		if _, err := treeproof.DecodeHashes(bad); !errors.Is(err, treeproof.ErrBadProof) {
			t.Errorf("DecodeHashes(%d items): %v", len(bad), err)
		}
	}
}

func FuzzParse(f *testing.F) {
	k := newKey(f)
	f.Add(k.sign(f, treeproof.HeadType, `{"size":3,"root":"`+root+`","iat":1700000000}`))
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := treeproof.Parse(s, k.set())
		if err != nil {
			if !errors.Is(err, treeproof.ErrMalformed) && !errors.Is(err, treeproof.ErrUnknownKey) && !errors.Is(err, treeproof.ErrSignature) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if h.Size < 1 || len(h.Root) != treeproof.HashSize || h.Signature != s {
			t.Fatalf("Parse accepted %+v", h)
		}
	})
}

func FuzzDecodeHashes(f *testing.F) {
	f.Add(root, "AAAA")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, a, b string) {
		hs, err := treeproof.DecodeHashes([]string{a, b})
		if err != nil {
			if !errors.Is(err, treeproof.ErrBadProof) {
				t.Fatalf("error %v is not ErrBadProof", err)
			}
			return
		}
		for i, h := range hs {
			if len(h) != treeproof.HashSize || base64.RawURLEncoding.EncodeToString(h) != []string{a, b}[i] {
				t.Fatalf("DecodeHashes(%q, %q) = %x", a, b, hs)
			}
		}
	})
}
