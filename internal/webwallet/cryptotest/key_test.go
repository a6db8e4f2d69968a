package cryptotest

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/json"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
)

// TestDeviceKeyNotExtractable makes keys in the browser, tries to export
// their private halves in every format WebCrypto has, reloads the page and
// checks the keys come back from IndexedDB, still not extractable, and
// still sign for the same public key.
func TestDeviceKeyNotExtractable(t *testing.T) {
	e := newEnv(t)
	p := openPage(t, e)
	if got := run[string](p, `return await wc.platformSuite();`, nil); got != "es256" {
		t.Fatalf("the page reads the suite %q on an es256 platform", got)
	}

	type made struct {
		Extractable bool           `json:"extractable"`
		Refused     map[string]any `json:"refused"`
		Public      map[string]any `json:"public"`
		Thumbprint  string         `json:"thumbprint"`
		Names       []string       `json:"names"`
	}
	// exportAll tries every export of the private key and reports, per
	// format, the error name (or false when the export succeeded).
	const exportAll = `
		const refused = {};
		for (const f of ["jwk", "pkcs8", "raw", "spki"]) {
			try { await crypto.subtle.exportKey(f, k.privateKey); refused[f] = false; }
			catch (e) { refused[f] = e.name; }
		}`
	m := run[made](p, `
		const k = await wc.createKey("device");
		await wc.createKey("batch-1");
		`+exportAll+`
		const pub = await wc.publicJwk(k);
		return { extractable: k.privateKey.extractable, refused, public: pub,
			thumbprint: await wc.thumbprint(pub), names: await wc.listKeys() };`, nil)
	if m.Extractable {
		t.Fatal("the private key was made extractable")
	}
	for _, f := range []string{"jwk", "pkcs8", "raw", "spki"} {
		if m.Refused[f] == false || m.Refused[f] == nil {
			t.Fatalf("exportKey(%q) of the private key was not refused: %v", f, m.Refused)
		}
	}
	if len(m.Names) != 2 || m.Names[0] != "batch-1" || m.Names[1] != "device" {
		t.Fatalf("stored keys %v", m.Names)
	}
	if _, d := m.Public["d"]; d || m.Public["crv"] != "P-256" {
		t.Fatalf("public JWK %v", m.Public)
	}
	// The thumbprint is RFC 7638's, as go-jose computes it.
	b, _ := json.Marshal(m.Public)
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if jws.B64.EncodeToString(tp) != m.Thumbprint {
		t.Fatalf("thumbprint %s, go-jose %s", m.Thumbprint, jws.B64.EncodeToString(tp))
	}
	// A second key of the same name is refused, the first one kept.
	code := run[string](p, `try { await wc.createKey("device"); return "made"; } catch (e) { return e.code; }`, nil)
	if code != "key-exists" {
		t.Fatalf("a second key named device: %q", code)
	}

	p.load()
	type loaded struct {
		Missing     bool           `json:"missing"`
		Extractable bool           `json:"extractable"`
		Refused     map[string]any `json:"refused"`
		Public      map[string]any `json:"public"`
		Token       string         `json:"token"`
		Other       map[string]any `json:"other"`
	}
	l := run[loaded](p, `
		const k = await wc.loadKey("device");
		if (!k) return { missing: true };
		`+exportAll+`
		const other = await wc.publicJwk(await wc.loadKey("batch-1"));
		return { extractable: k.privateKey.extractable, refused, public: await wc.publicJwk(k), other,
			token: await wc.signJws(k.privateKey, { typ: "test+jwt" }, { n: 1 }) };`, nil)
	if l.Missing {
		t.Fatal("the device key did not survive the reload")
	}
	if l.Extractable || l.Refused["jwk"] == false || l.Refused["pkcs8"] == false {
		t.Fatalf("after the reload: extractable %v, exports %v", l.Extractable, l.Refused)
	}
	if l.Public["x"] != m.Public["x"] || l.Public["y"] != m.Public["y"] {
		t.Fatalf("after the reload the device key is another key: %v, was %v", l.Public, m.Public)
	}
	if l.Other["x"] == m.Public["x"] {
		t.Fatal("batch-1 is the device key")
	}
	pub, ok := jwk.Key.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("public key %T", jwk.Key)
	}
	if _, _, err := jws.Verify(l.Token, jws.Expect{Typ: "test+jwt", Keys: jws.PublicKey(pub)}); err != nil {
		t.Fatalf("a token signed by the reloaded key: %v", err)
	}

	// Two tabs making the same key at once: one wins, the other is told,
	// and the stored key is the winner's.
	type race struct {
		Made    int      `json:"made"`
		Codes   []string `json:"codes"`
		SameKey bool     `json:"sameKey"`
	}
	r := run[race](p, `
		const results = await Promise.allSettled([wc.createKey("race"), wc.createKey("race")]);
		const won = results.filter((r) => r.status === "fulfilled");
		const codes = results.filter((r) => r.status === "rejected").map((r) => r.reason.code);
		const stored = await wc.publicJwk(await wc.loadKey("race"));
		const winner = won.length === 1 ? await wc.publicJwk(won[0].value) : {};
		return { made: won.length, codes, sameKey: stored.x === winner.x };`, nil)
	if r.Made != 1 || len(r.Codes) != 1 || r.Codes[0] != "key-exists" || !r.SameKey {
		t.Fatalf("two keys made under one name at once: %+v", r)
	}

	// Deleting a key removes it for good.
	gone := run[bool](p, `await wc.deleteKey("batch-1"); return (await wc.loadKey("batch-1")) === null;`, nil)
	if !gone {
		t.Fatal("batch-1 is still there after deleteKey")
	}
}
