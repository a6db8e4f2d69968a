package cryptotest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emmansun/gmsm/sm2"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// TestSM3VectorsInThePage: the page's SM3 (the vendored library) gives
// GB/T 32905-2016's two examples, "abc" and the 512-bit "abcd"×16.
func TestSM3VectorsInThePage(t *testing.T) {
	e := newEnv(t, pagetest.Suite("sm"))
	p := openPage(t, e)
	got := run[[]string](p, `
		const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
		const enc = new TextEncoder();
		return [hex(await wc.sm3(enc.encode("abc"))), hex(await wc.sm3(enc.encode("abcd".repeat(16))))];`, nil)
	want := []string{
		"66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
		"debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("SM3 vector %d: the page gives %s, want %s", i+1, got[i], want[i])
		}
	}
}

// TestSMDeviceKey: on a platform of the SM suite the page learns the
// suite and makes SM2 keys: the public JWK is sm-profile section 3's and
// the one Go reads, its thumbprint is Go's SM3 one (suite.KeyID), the
// private scalar is stored only encrypted under a non-extractable
// AES-GCM key, its JWS are alg SM2 with a 64-byte r‖s that jws verifies,
// and the key survives a reload. The page's SM2 verifier (the record
// log's heads) takes Go's SM2 JWS and refuses altered ones. A P-256
// device key is refused by the platform.
func TestSMDeviceKey(t *testing.T) {
	e := newEnv(t, pagetest.Suite("sm"))
	p := openPage(t, e)

	if got := run[string](p, `return await wc.platformSuite();`, nil); got != "sm" {
		t.Fatalf("the page reads the suite %q on an sm platform", got)
	}

	type made struct {
		Suite      string          `json:"suite"`
		Public     json.RawMessage `json:"public"`
		Thumbprint string          `json:"thumbprint"`
		Token      string          `json:"token"`
		Names      []string        `json:"names"`
	}
	m := run[made](p, `
		const k = await wc.createKey("device");
		await wc.createKey("batch-1");
		const pub = await wc.publicJwk(k);
		return { suite: wc.keySuite(k), public: pub, thumbprint: await wc.thumbprint(pub),
			token: await wc.signJws(k.privateKey, { typ: "test+jwt" }, { n: 1 }), names: await wc.listKeys() };`, nil)
	if m.Suite != "sm" || len(m.Names) != 2 {
		t.Fatalf("made %+v", m)
	}
	var members map[string]any
	if err := json.Unmarshal(m.Public, &members); err != nil {
		t.Fatal(err)
	}
	if len(members) != 4 || members["kty"] != "EC" || members["crv"] != "SM2" {
		t.Fatalf("public JWK %s: want kty EC, crv SM2, x, y only", m.Public)
	}
	k, err := jws.ParseSM2JWK(m.Public)
	if err != nil {
		t.Fatalf("Go does not read the page's JWK %s: %v", m.Public, err)
	}
	pub := k.Key
	back, _ := (jws.SM2JWK{Key: pub}).MarshalJSON()
	var goMembers map[string]any
	if err := json.Unmarshal(back, &goMembers); err != nil || !reflect.DeepEqual(goMembers, members) {
		t.Errorf("the page's JWK %s, Go writes %s", m.Public, back)
	}
	kid, err := suite.KeyID(pub)
	if err != nil {
		t.Fatal(err)
	}
	if m.Thumbprint != kid {
		t.Errorf("thumbprint %s in the page, %s in Go (suite.KeyID)", m.Thumbprint, kid)
	}
	tp, _ := jws.SM2Thumbprint(pub, jws.NewSM3)
	if jws.B64.EncodeToString(tp) != kid {
		t.Errorf("jws.SM2Thumbprint %s, suite.KeyID %s", jws.B64.EncodeToString(tp), kid)
	}
	checkSM2Token(t, m.Token, pub)

	// What IndexedDB holds: the scalar encrypted (32 bytes and a 16-byte
	// tag) under an AES-GCM key that no script can export, and nothing in
	// the clear. A script of the origin can still decrypt it, as this one
	// does to check it is the public key's scalar.
	type stored struct {
		Members     []string       `json:"members"`
		Extractable bool           `json:"extractable"`
		WrapAlg     string         `json:"wrapAlg"`
		Refused     map[string]any `json:"refused"`
		Record      string         `json:"record"`
		Scalar      string         `json:"scalar"`
		CTLen       int            `json:"ctLen"`
	}
	s := run[stored](p, `
		const db = await new Promise((ok, no) => { const r = indexedDB.open("netid-wallet"); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
		const rec = await new Promise((ok, no) => { const q = db.transaction("keys").objectStore("keys").get("device"); q.onsuccess = () => ok(q.result); q.onerror = () => no(q.error); });
		db.close();
		const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
		const refused = {};
		for (const f of ["raw", "jwk"]) {
			try { await crypto.subtle.exportKey(f, rec.wrap); refused[f] = false; } catch (e) { refused[f] = e.name; }
		}
		const record = JSON.stringify(rec, (k, v) => v instanceof Uint8Array || v instanceof ArrayBuffer ? hex(v) : v instanceof CryptoKey ? "CryptoKey" : v);
		const aad = new TextEncoder().encode("netid-wallet sm2 key v1." + rec.jwk.x + "." + rec.jwk.y);
		const d = await crypto.subtle.decrypt({ name: "AES-GCM", iv: rec.iv, additionalData: aad }, rec.wrap, rec.ct);
		return { members: Object.keys(rec).sort(), extractable: rec.wrap.extractable, wrapAlg: rec.wrap.algorithm.name + "-" + rec.wrap.algorithm.length,
			refused, record, scalar: hex(d), ctLen: rec.ct.byteLength };`, nil)
	if s.Extractable || s.WrapAlg != "AES-GCM-256" || s.Refused["raw"] == false || s.Refused["jwk"] == false || s.CTLen != 48 {
		t.Fatalf("the SM2 key's wrapping: %+v", s)
	}
	if strings.Join(s.Members, ",") != "created,ct,iv,jwk,suite,v,wrap" {
		t.Errorf("the stored record has members %v", s.Members)
	}
	d, err := hex.DecodeString(s.Scalar)
	if err != nil || len(d) != 32 {
		t.Fatalf("decrypted scalar %q", s.Scalar)
	}
	if strings.Contains(strings.ToLower(s.Record), s.Scalar) || strings.Contains(s.Record, jws.B64.EncodeToString(d)) {
		t.Fatalf("the stored record holds the private scalar in the clear: %s", s.Record)
	}
	priv, err := sm2.NewPrivateKey(d)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.PublicKey.Equal(pub) {
		t.Fatal("the stored scalar is not the public key's")
	}

	// After a reload the key comes back from IndexedDB and signs for the
	// same public key.
	p.load()
	type loaded struct {
		Public json.RawMessage `json:"public"`
		Token  string          `json:"token"`
	}
	l := run[loaded](p, `
		const k = await wc.loadKey("device");
		return { public: await wc.publicJwk(k), token: await wc.signJws(k.privateKey, { typ: "test+jwt" }, { n: 2 }) };`, nil)
	if string(l.Public) != string(m.Public) {
		t.Fatalf("after the reload the device key is %s, was %s", l.Public, m.Public)
	}
	checkSM2Token(t, l.Token, pub)

	// The page's SM2 verifier against Go's signatures.
	goKey, err := suite.SM.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	goJWK, _ := jws.SM2JWK{Key: &goKey.PublicKey}.MarshalJSON()
	tok, err := jws.Sign(goKey, "test+jwt", "k1", []byte(`{"n":3}`))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	sig, _ := jws.B64.DecodeString(parts[2])
	n := sm2.P256().Params().N
	withS := func(s *big.Int) string {
		b := append([]byte(nil), sig[:32]...)
		return jws.B64.EncodeToString(append(b, s.FillBytes(make([]byte, 32))...))
	}
	otherJWK, _ := jws.SM2JWK{Key: &priv.PublicKey}.MarshalJSON()
	p256JWK := `{"kty":"EC","crv":"P-256","x":"` + members["x"].(string) + `","y":"` + members["y"].(string) + `"}`
	cases := []struct {
		name, jwk, input, sig string
		want                  bool
	}{
		{"Go's SM2 JWS", string(goJWK), parts[0] + "." + parts[1], parts[2], true},
		{"another payload", string(goJWK), parts[0] + "." + jws.B64.EncodeToString([]byte(`{"n":4}`)), parts[2], false},
		{"another key", string(otherJWK), parts[0] + "." + parts[1], parts[2], false},
		{"s = n", string(goJWK), parts[0] + "." + parts[1], withS(n), false},
		{"s = 0", string(goJWK), parts[0] + "." + parts[1], withS(big.NewInt(0)), false},
		{"63 bytes", string(goJWK), parts[0] + "." + parts[1], jws.B64.EncodeToString(sig[:63]), false},
		{"a P-256 JWK", p256JWK, parts[0] + "." + parts[1], parts[2], false},
	}
	for _, c := range cases {
		got := run[bool](p, `return await wc.verifySM2(JSON.parse(args.jwk), new TextEncoder().encode(args.input), wc.unb64url(args.sig));`,
			map[string]any{"jwk": c.jwk, "input": c.input, "sig": c.sig})
		if got != c.want {
			t.Errorf("verifySM2 of %s: %v, want %v", c.name, got, c.want)
		}
	}

	// A P-256 device key, made in the page against the platform's suite,
	// is refused at issuance; the SM2 one is taken.
	app, v := e.applyUntilDevice(pagetest.NewApplicant(t))
	type answer struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	issue := func(suiteName string) answer {
		return run[answer](p, `
			const k = await wc.createKey("try-" + args.suite, { suite: args.suite });
			const proof = await wc.deviceProof(k, args.aud, args.nonce);
			const r = await fetch("/v1/applications/" + args.id + "/credential", { method: "POST",
				headers: { "Content-Type": "application/json", Authorization: "Bearer " + args.token },
				body: JSON.stringify({ proof }) });
			return { status: r.status, body: await r.text() };`,
			map[string]any{"suite": suiteName, "id": app.ID, "token": app.Token, "aud": e.URL, "nonce": v.DeviceNonce})
	}
	if a := issue("es256"); a.Status != http.StatusBadRequest || !strings.Contains(a.Body, "device") {
		t.Fatalf("a P-256 device key on an sm platform: %d %s", a.Status, a.Body)
	}
	if a := issue("sm"); a.Status != http.StatusCreated {
		t.Fatalf("an SM2 device key on an sm platform: %d %s", a.Status, a.Body)
	}
}

// checkSM2Token checks tok is a compact JWS with alg SM2 and a 64-byte
// signature that jws verifies with pub, and that a changed payload does
// not verify.
func checkSM2Token(t *testing.T, tok string, pub *ecdsa.PublicKey) {
	t.Helper()
	h, _, err := jws.Verify(tok, jws.Expect{Typ: "test+jwt", Keys: jws.PublicKey(pub)})
	if err != nil {
		t.Fatalf("the page's SM2 JWS does not verify in Go: %v", err)
	}
	if h.Alg != "SM2" {
		t.Fatalf("the page's JWS has alg %q", h.Alg)
	}
	parts := strings.Split(tok, ".")
	if sig, err := jws.B64.DecodeString(parts[2]); err != nil || len(sig) != 64 {
		t.Fatalf("the signature is %d bytes (%v): want r‖s, 64", len(sig), err)
	}
	forged := parts[0] + "." + jws.B64.EncodeToString([]byte(`{"n":99}`)) + "." + parts[2]
	if _, _, err := jws.Verify(forged, jws.Expect{Typ: "test+jwt", Keys: jws.PublicKey(pub)}); err == nil {
		t.Fatal("the page's signature verifies over another payload")
	}
}

// TestSuiteFromThePlatform: the page takes the suite its platform's
// configuration names (the platform's own, SM2 here, or ES256 if that is
// what it says); a configuration naming neither leaves it to the
// platform's JWKS (an SM2 key: sm); an unreadable one is an error with
// code "suite", and a later page load tries again.
func TestSuiteFromThePlatform(t *testing.T) {
	var mode atomic.Value
	mode.Store("platform")
	e := newEnv(t, pagetest.Suite("sm"))
	e.Handle("GET /.well-known/netid-configuration", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch mode.Load() {
		case "platform":
			e.P.Handler.ServeHTTP(w, r)
		case "es256":
			_, _ = w.Write([]byte(`{"issuer":"x","signing_alg_values_supported":["ES256"]}`))
		case "neither":
			_, _ = w.Write([]byte(`{"issuer":"x"}`))
		case "both":
			_, _ = w.Write([]byte(`{"issuer":"x","signing_alg_values_supported":["ES256","SM2"]}`))
		default:
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	p := openPage(t, e)
	for _, c := range []struct{ mode, want string }{
		{"platform", "sm"}, {"es256", "es256"}, {"neither", "sm"}, {"both", "sm"}, {"down", "suite"}, {"platform", "sm"},
	} {
		mode.Store(c.mode)
		p.load()
		got := run[string](p, `try { return await wc.platformSuite(); } catch (e) { return e.code; }`, nil)
		if got != c.want {
			t.Errorf("configuration %s: the page says %q, want %q", c.mode, got, c.want)
		}
	}
}
