package cryptotest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/jws"
)

// TestBrowserPresentsNestedDisclosures: the page's selection of
// disclosures follows RFC 9901 as the Go wallet's does: presenting a claim
// carries the disclosures nested in it along, and an array element
// disclosure not asked for stays behind. The SD-JWT is made here (the
// platform's credentials have no nested disclosures) and bound to a key
// made in the page.
func TestBrowserPresentsNestedDisclosures(t *testing.T) {
	e := newEnv(t)
	p := openPage(t, e)
	pub := run[json.RawMessage](p, `return await wc.publicJwk(await wc.createKey("holder"));`, nil)

	issuerKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const kid = "issuer-1"
	keys := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &issuerKey.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}}}
	disc := func(elems ...any) string {
		b, err := json.Marshal(elems)
		if err != nil {
			t.Fatal(err)
		}
		return jws.B64.EncodeToString(b)
	}
	digest := func(d string) string {
		sum := sha256.Sum256([]byte(d))
		return jws.B64.EncodeToString(sum[:])
	}
	dArr := disc("c2FsdC0z", "element")
	dInner := disc("c2FsdC01", "region", "110105")
	dOuter := disc("c2FsdC02", "address", map[string]any{"_sd": []string{digest(dInner)}, "country": "CN"})
	dName := disc("c2FsdC03", "name", "张三")
	now := time.Now()
	payload, err := json.Marshal(map[string]any{
		"iss": e.URL, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"vct": credential.VCTWangzheng, "cnf": map[string]any{"jwk": pub},
		"status":  map[string]any{"status_list": map[string]any{"idx": 7, "uri": e.URL + "/status/1"}},
		"_sd_alg": "sha-256", "_sd": []string{digest(dOuter), digest(dName)},
		"list": []any{map[string]any{"...": digest(dArr)}, "plain"},
	})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: issuerKey},
		(&jose.SignerOptions{}).WithType(credential.TypSDJWT).WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	jwt, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	issued := jwt + "~" + dArr + "~" + dInner + "~" + dOuter + "~" + dName + "~"
	if _, err := credential.Verify(issued, keys, now); err != nil {
		t.Fatalf("the test's SD-JWT: %v", err)
	}

	// Malformed input is refused with the code "malformed", never a
	// presentation.
	b64 := func(s string) string { return jws.B64.EncodeToString([]byte(s)) }
	for _, bad := range []string{
		"", "x", "x~", "a.b~", jwt, jwt + "~" + dOuter,
		b64(`{"alg":"ES256"}`) + "." + b64(`not json`) + ".c2ln~",
		b64(`{"alg":"ES256"}`) + "." + b64(`{"cnf":{"jwk":`+string(pub)+`}}`) + ".c2ln~" + b64(`{"a":1}`) + "~",
		b64(`{"alg":"ES256"}`) + "." + b64(`{"cnf":{"jwk":`+string(pub)+`}}`) + ".c2ln~%%%~",
	} {
		code := run[string](p, `try { await wc.present(args.sdjwt, [], await wc.loadKey("holder"), "rp", "n-1"); return "presented"; }
			catch (e) { return e.code || String(e); }`, map[string]any{"sdjwt": bad})
		if code != "malformed" {
			t.Fatalf("presenting %.60q: %q, want malformed", bad, code)
		}
	}

	for _, c := range []struct {
		disclose  []string
		disclosed string
	}{
		{[]string{"address"}, `{"address":{"country":"CN","region":"110105"}}`},
		{[]string{"name"}, `{"name":"张三"}`},
		{[]string{}, `{}`},
	} {
		tok := run[string](p, `return await wc.present(args.sdjwt, args.disclose, await wc.loadKey("holder"), "rp", "n-1");`,
			map[string]any{"sdjwt": issued, "disclose": c.disclose})
		got, err := credential.VerifyPresentation(tok, credential.PresentationOptions{Keys: keys, Audience: "rp", Nonce: "n-1", Now: time.Now()})
		if err != nil {
			t.Fatalf("presenting %v: %v", c.disclose, err)
		}
		b, _ := json.Marshal(got.Disclosed)
		list, _ := json.Marshal(got.Payload["list"])
		if string(b) != c.disclosed || string(list) != `["plain"]` {
			t.Fatalf("presenting %v: disclosed %s, list %s; want %s and [\"plain\"]", c.disclose, b, list, c.disclosed)
		}
	}
}
