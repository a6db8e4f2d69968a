package webwallet

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/chromedp/chromedp"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"

	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// merkleCase is one proof for the page to check: inclusion of leaf index
// in a tree of size2 (size1 zero), or consistency from size1 to size2.
type merkleCase struct {
	Index int      `json:"index"`
	Size1 int      `json:"size1"`
	Size2 int      `json:"size2"`
	Leaf  string   `json:"leaf,omitempty"`
	Root1 string   `json:"root1,omitempty"`
	Root2 string   `json:"root2"`
	Proof []string `json:"proof"`
	// Want is what Go's proof package says of it.
	Want bool `json:"want"`
}

func b64s(hs [][]byte) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = base64.RawURLEncoding.EncodeToString(h)
	}
	return out
}

// TestLogCheckJSAgreesWithGo: static/logcheck.js's RFC 9162 inclusion
// and consistency checks take every proof of trees of 1 to 70 leaves that
// github.com/transparency-dev/merkle (which the platform and the
// command-line wallet use) makes and takes, and refuse the same proofs
// with a hash changed, one hash left out, the wrong index or size.
func TestLogCheckJSAgreesWithGo(t *testing.T) {
	const n = 70
	h := rfc6962.DefaultHasher
	tree := testonly.New(h)
	for i := range n {
		tree.AppendData([]byte(fmt.Sprintf("record %d", i)))
	}
	b := func(x []byte) string { return base64.RawURLEncoding.EncodeToString(x) }
	var cases []merkleCase
	add := func(c merkleCase, p [][]byte) {
		c.Proof = b64s(p)
		if c.Size1 == 0 {
			leaf, _ := base64.RawURLEncoding.DecodeString(c.Leaf)
			root, _ := base64.RawURLEncoding.DecodeString(c.Root2)
			c.Want = proof.VerifyInclusion(h, uint64(c.Index), uint64(c.Size2), leaf, p, root) == nil
		} else {
			r1, _ := base64.RawURLEncoding.DecodeString(c.Root1)
			r2, _ := base64.RawURLEncoding.DecodeString(c.Root2)
			c.Want = proof.VerifyConsistency(h, uint64(c.Size1), uint64(c.Size2), p, r1, r2) == nil
		}
		cases = append(cases, c)
	}
	// variants are the proof as made and its damaged forms.
	variants := func(p [][]byte) [][][]byte {
		out := [][][]byte{p}
		if len(p) > 0 {
			flipped := append([][]byte(nil), p...)
			last := append([]byte(nil), p[len(p)-1]...)
			last[0] ^= 1
			flipped[len(p)-1] = last
			out = append(out, flipped, p[1:], p[:len(p)-1])
		}
		return out
	}
	for size := uint64(1); size <= n; size++ {
		root := tree.HashAt(size)
		for i := uint64(0); i < size; i += 1 + size/9 {
			p, err := tree.InclusionProof(i, size)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range variants(p) {
				add(merkleCase{Index: int(i), Size2: int(size), Leaf: b(tree.LeafHash(i)), Root2: b(root)}, v)
			}
			add(merkleCase{Index: int(i) + 1, Size2: int(size), Leaf: b(tree.LeafHash(i)), Root2: b(root)}, p)
			if size < n {
				add(merkleCase{Index: int(i), Size2: int(size) + 1, Leaf: b(tree.LeafHash(i)), Root2: b(tree.HashAt(size + 1))}, p)
			}
		}
		for s1 := uint64(1); s1 <= size; s1 += 1 + size/7 {
			p, err := tree.ConsistencyProof(s1, size)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range variants(p) {
				add(merkleCase{Size1: int(s1), Size2: int(size), Root1: b(tree.HashAt(s1)), Root2: b(root)}, v)
			}
			if s1 > 1 {
				add(merkleCase{Size1: int(s1) - 1, Size2: int(size), Root1: b(tree.HashAt(s1)), Root2: b(root)}, p)
			}
		}
	}
	valid := 0
	for _, c := range cases {
		if c.Want {
			valid++
		}
	}
	if valid == 0 || valid == len(cases) {
		t.Fatalf("%d of %d cases valid: the table tests nothing", valid, len(cases))
	}

	bctx := browsertest.New(t)
	ts := jsTestServer(t, "logcheck.js")
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/jstest/"), chromedp.Poll[chromedp.Void](`document.title === "ready"`)); err != nil {
		t.Fatalf("loading logcheck.js: %v", err)
	}
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`(async () => {
		const d = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
		const out = [];
		for (const c of `+string(in)+`) {
			const p = c.proof.map(d);
			out.push(c.size1 === 0
				? await window.mod.verifyInclusion(c.index, c.size2, d(c.leaf), p, d(c.root2))
				: await window.mod.verifyConsistency(c.size1, c.size2, p, d(c.root1), d(c.root2)));
		}
		return out;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || len(got) != len(cases) {
		t.Fatalf("checking in the page: %v (%d answers for %d cases)", err, len(got), len(cases))
	}
	for i, c := range cases {
		if got[i] != c.Want {
			t.Errorf("index %d, sizes %d→%d, %d hashes: the page says %v, Go %v", c.Index, c.Size1, c.Size2, len(c.Proof), got[i], c.Want)
		}
	}
	t.Logf("%d proofs, %d of them valid: the page agrees with Go on each", len(cases), valid)
}

// TestLogCheckSM2Heads: static/logcheck.js takes a tree head signed SM2
// by an SM2 key of the JWKS (a platform of the SM suite), as it takes an
// ES256 one by a P-256 key, and refuses a changed payload, a head whose
// kid names a key of the other curve, an alg that is not its key's, and
// a signature by another SM2 key.
func TestLogCheckSM2Heads(t *testing.T) {
	smKey, err := suite.SM.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherSM, err := suite.SM.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256Key, err := suite.ES256.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	set, err := json.Marshal(jws.JWKS{Keys: []jose.JSONWebKey{
		{Key: &smKey.PublicKey, KeyID: "sm", Algorithm: "SM2", Use: "sig"},
		{Key: &p256Key.PublicKey, KeyID: "p256", Algorithm: "ES256", Use: "sig"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	root := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	payload := []byte(`{"size":3,"root":"` + root + `","iat":1767225600}`)
	sign := func(key *ecdsa.PrivateKey, kid string) string {
		tok, err := jws.Sign(key, "netid-tree-head+jwt", kid, payload)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(smKey, "sm")
	parts := strings.Split(good, ".")
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name, head string
		want       bool
	}{
		{"an SM2 head", good, true},
		{"an ES256 head", sign(p256Key, "p256"), true},
		{"a changed payload", parts[0] + "." + b64(`{"size":4,"root":"`+root+`","iat":1767225600}`) + "." + parts[2], false},
		{"another SM2 key's signature", sign(otherSM, "sm"), false},
		{"an SM2 head naming the P-256 key", sign(smKey, "p256"), false},
		{"alg ES256 over the SM2 signature", b64(`{"alg":"ES256","kid":"sm","typ":"netid-tree-head+jwt"}`) + "." + parts[1] + "." + parts[2], false},
	}

	bctx := browsertest.New(t)
	ts := jsTestServer(t, "logcheck.js")
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/jstest/"), chromedp.Poll[chromedp.Void](`document.title === "ready"`)); err != nil {
		t.Fatalf("loading logcheck.js: %v", err)
	}
	for _, c := range cases {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
			try { const h = await window.mod.parseTreeHead(`+strconv.Quote(c.head)+`, `+string(set)+`); return "size " + h.size; }
			catch (e) { return e.code || String(e); }
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if ok := got == "size 3"; ok != c.want {
			t.Errorf("%s: the page says %q", c.name, got)
		} else if !ok && got != "unproven" {
			t.Errorf("%s: refused with %q, want unproven", c.name, got)
		}
	}
}
