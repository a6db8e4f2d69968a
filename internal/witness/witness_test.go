package witness_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/audit/treeproof"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/witness"
)

// fakeSource serves heads the test chooses.
type fakeSource struct {
	head   string
	proof  [][]byte
	err    error
	keys   jose.JSONWebKeySet
	called int
}

func (s *fakeSource) NewestTreeHead(context.Context) (string, error) { return s.head, s.err }
func (s *fakeSource) Consistency(context.Context, int64, int64) ([][]byte, error) {
	s.called++
	return s.proof, nil
}
func (s *fakeSource) JWKS(context.Context) (jose.JSONWebKeySet, error) { return s.keys, nil }

func TestStateFiles(t *testing.T) {
	ctx := context.Background()
	k := newKey(t)
	dir := t.TempDir()
	leaf := func(b byte) []byte { return treeproof.LeafHash(bytes.Repeat([]byte{b}, 32)) }
	root1 := leaf(1)
	root2 := treeproof.HashChildren(leaf(1), leaf(2))
	src := &fakeSource{head: k.head(t, 1, root1), keys: k.set()}
	clock := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	w := &witness.Witness{Dir: dir, Source: src, Now: func() time.Time { return clock }}
	res, err := w.Run(ctx)
	if err != nil || !res.New || res.Head.Size != 1 {
		t.Fatalf("first run: %+v %v", res, err)
	}
	for _, f := range []string{witness.KeyFile, witness.PublicKeyFile, witness.HeadFile, witness.CosignedFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if st, _ := os.Stat(filepath.Join(dir, witness.KeyFile)); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", st.Mode())
	}
	// Unchanged: nothing new; grown: co-signed again with the same key.
	if res, err := w.Run(ctx); err != nil || res.New {
		t.Fatalf("unchanged run: %+v %v", res, err)
	}
	src.head, src.proof = k.head(t, 2, root2), [][]byte{leaf(2)}
	res, err = w.Run(ctx)
	if err != nil || !res.New || res.Previous != 1 || res.Head.Size != 2 {
		t.Fatalf("second run: %+v %v", res, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, witness.CosignedFile))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("cosigned.jsonl holds %d lines", len(lines))
	}
	pubb, _ := os.ReadFile(filepath.Join(dir, witness.PublicKeyFile))
	var wkeys jose.JSONWebKeySet
	if err := json.Unmarshal(pubb, &wkeys); err != nil {
		t.Fatal(err)
	}
	for _, line := range lines {
		var c witness.Cosigned
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatal(err)
		}
		if _, err := witness.VerifyCosignature(c, k.set(), wkeys); err != nil {
			t.Fatalf("co-signature of %d: %v", c.Size, err)
		}
		c.Size++
		if _, err := witness.VerifyCosignature(c, k.set(), wkeys); !errors.Is(err, witness.ErrCosignature) {
			t.Fatalf("co-signature over another size: %v", err)
		}
	}

	// A forked log: another root for 2 records; a rewound one: 1 record.
	before, _ := os.ReadFile(filepath.Join(dir, witness.HeadFile))
	src.head = k.head(t, 2, leaf(9))
	if _, err := w.Run(ctx); !errors.Is(err, treeproof.ErrForked) {
		t.Fatalf("forked: %v", err)
	}
	src.head = k.head(t, 1, root1)
	if _, err := w.Run(ctx); !errors.Is(err, treeproof.ErrRewound) {
		t.Fatalf("rewound: %v", err)
	}
	src.head, src.err = "", treeproof.ErrNoHead
	if _, err := w.Run(ctx); !errors.Is(err, treeproof.ErrRewound) {
		t.Fatalf("no head any more: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, witness.HeadFile))
	if !bytes.Equal(before, after) {
		t.Fatal("a failed run replaced the last good head")
	}

	// State files it did not write.
	if err := os.WriteFile(filepath.Join(dir, witness.HeadFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	src.err = nil
	if _, err := w.Run(ctx); !errors.Is(err, witness.ErrState) {
		t.Fatalf("malformed head.json: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, witness.KeyFile), []byte(`{"kty":"oct","k":"AAAA"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run(ctx); !errors.Is(err, witness.ErrState) {
		t.Fatalf("a key file that is not a P-256 key: %v", err)
	}
}

func TestHTTPSourceErrors(t *testing.T) {
	ctx := context.Background()
	for name, h := range map[string]http.HandlerFunc{
		"status 500": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
		"not JSON":   func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) },
		"too large":  func(w http.ResponseWriter, r *http.Request) { w.Write(bytes.Repeat([]byte(" "), 300<<10)) },
		"extra member": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"size":1,"root":"x","time":"2026-01-01T00:00:00Z","signature":"a.b.c","x":1}`))
		},
	} {
		srv := httptest.NewServer(h)
		src := witness.HTTPSource{Server: srv.URL}
		if _, err := src.NewestTreeHead(ctx); !errors.Is(err, witness.ErrResponse) {
			t.Errorf("%s: %v", name, err)
		}
		srv.Close()
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if _, err := (witness.HTTPSource{Server: srv.URL}).NewestTreeHead(ctx); !errors.Is(err, treeproof.ErrNoHead) {
		t.Errorf("404: %v", err)
	}
	proof := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"from":1,"to":3,"proof":["AAAA"]}`))
	}))
	defer proof.Close()
	if _, err := (witness.HTTPSource{Server: proof.URL}).Consistency(ctx, 1, 2); !errors.Is(err, witness.ErrResponse) {
		t.Errorf("a proof for other sizes: %v", err)
	}
	if _, err := (witness.HTTPSource{Server: proof.URL}).Consistency(ctx, 1, 3); !errors.Is(err, treeproof.ErrBadProof) {
		t.Errorf("a malformed proof: %v", err)
	}
}

// TestSMWitness: a witness of an sm platform (its tree heads signed with
// SM2) makes an SM2 key on its first run, keeps it as an SM2 private JWK,
// publishes its public key in the SM2 JWK form and co-signs with SM2; a
// key file whose scalar and point disagree is refused.
func TestSMWitness(t *testing.T) {
	ctx := context.Background()
	platformKey, err := suite.SM.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkid, err := suite.KeyID(platformKey)
	if err != nil {
		t.Fatal(err)
	}
	platformKeys := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &platformKey.PublicKey, KeyID: pkid, Algorithm: string(jws.SM2)}}}
	head := func(size int64, root []byte) string {
		payload := `{"size":` + strconv.FormatInt(size, 10) + `,"root":"` + base64.RawURLEncoding.EncodeToString(root) + `","iat":1700000000}`
		s, err := jws.Sign(platformKey, treeproof.HeadType, pkid, []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	leaf := func(b byte) []byte { return treeproof.LeafHash(bytes.Repeat([]byte{b}, 32)) }
	dir := t.TempDir()
	src := &fakeSource{head: head(1, leaf(1)), keys: platformKeys}
	w := &witness.Witness{Dir: dir, Source: src}
	first, err := w.Run(ctx)
	if err != nil || !first.New {
		t.Fatalf("first run: %+v %v", first, err)
	}
	keyFile, err := os.ReadFile(filepath.Join(dir, witness.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	var kf map[string]any
	if err := json.Unmarshal(keyFile, &kf); err != nil || kf["crv"] != jws.SM2Curve || kf["alg"] != string(jws.SM2) || kf["d"] == nil {
		t.Fatalf("key file %s (%v)", keyFile, err)
	}
	pubb, err := os.ReadFile(filepath.Join(dir, witness.PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	var wkeys jws.JWKS
	if err := json.Unmarshal(pubb, &wkeys); err != nil || len(wkeys.Keys) != 1 {
		t.Fatalf("public key file %s: %v", pubb, err)
	}
	if bytes.Contains(pubb, []byte(`"d"`)) {
		t.Fatal("the public key file holds the private scalar")
	}
	wpub, ok := jws.SM2PublicKey(wkeys.Keys[0].Key)
	if !ok {
		t.Fatalf("the witness's public key is a %T, not an SM2 key", wkeys.Keys[0].Key)
	}
	if want, _ := suite.KeyID(wpub); wkeys.Keys[0].KeyID != want || kf["kid"] != want {
		t.Errorf("kid %q (key file %v), want the SM3 thumbprint %q", wkeys.Keys[0].KeyID, kf["kid"], want)
	}
	tok, err := jws.Parse(first.Head.Cosignature, jws.Expect{Typ: witness.CosignatureType})
	if err != nil || tok.Header.Alg != jws.SM2 {
		t.Fatalf("co-signature: alg %v (%v)", tok.Header.Alg, err)
	}
	if _, err := witness.VerifyCosignature(first.Head, platformKeys, jose.JSONWebKeySet(wkeys)); err != nil {
		t.Fatalf("VerifyCosignature: %v", err)
	}

	// The next run reads the key back and co-signs with it.
	src.head, src.proof = head(2, treeproof.HashChildren(leaf(1), leaf(2))), [][]byte{leaf(2)}
	second, err := w.Run(ctx)
	if err != nil || !second.New {
		t.Fatalf("second run: %+v %v", second, err)
	}
	if _, err := witness.VerifyCosignature(second.Head, platformKeys, jose.JSONWebKeySet(wkeys)); err != nil {
		t.Fatalf("second co-signature under the first run's key: %v", err)
	}

	// A key file it did not write: another scalar under the same point, a
	// scalar out of range, an unknown member.
	for name, edit := range map[string]func(m map[string]any){
		"another scalar": func(m map[string]any) {
			m["d"] = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
		},
		"scalar out of range": func(m map[string]any) {
			m["d"] = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32))
		},
		"short scalar":   func(m map[string]any) { m["d"] = "AAAA" },
		"unknown member": func(m map[string]any) { m["p"] = "AAAA" },
		"another kid":    func(m map[string]any) { m["kid"] = "not-its-thumbprint" },
		"another alg":    func(m map[string]any) { m["alg"] = "ES256" },
	} {
		m := map[string]any{}
		for k, v := range kf {
			m[k] = v
		}
		edit(m)
		b, _ := json.Marshal(m)
		if err := os.WriteFile(filepath.Join(dir, witness.KeyFile), b, 0o600); err != nil {
			t.Fatal(err)
		}
		src.head, src.proof = head(3, treeproof.HashChildren(treeproof.HashChildren(leaf(1), leaf(2)), leaf(3))), [][]byte{leaf(3), treeproof.HashChildren(leaf(1), leaf(2))}
		if _, err := w.Run(ctx); !errors.Is(err, witness.ErrState) {
			t.Errorf("%s: %v, want ErrState", name, err)
		}
	}
}
