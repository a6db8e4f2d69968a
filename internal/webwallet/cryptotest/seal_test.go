package cryptotest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/jws"
)

// TestSealOpen seals a wallet record in the browser under a password,
// stores it, reloads the page and opens it; a wrong password, an altered
// record and a record whose iteration count was lowered are refused.
func TestSealOpen(t *testing.T) {
	e := newEnv(t)
	p := openPage(t, e)
	value := map[string]any{
		"disclosures": []any{"WyJzYWx0IiwibmFtZSIsIuW8oOS4iSJd"},
		"eid":         map[string]any{"name": "张三", "number": "11010519850615001X"},
		"photo":       strings.Repeat("iVBORw0KGgo", 2000),
	}
	type sealed struct {
		Sealed, Again string
		Millis        float64
	}
	s := run[sealed](p, `
		const t0 = performance.now();
		const sealed = await wc.seal(args.password, args.value);
		const millis = performance.now() - t0;
		await wc.saveSealed("wallet", sealed);
		return { Sealed: sealed, Again: await wc.seal(args.password, args.value), Millis: millis };`,
		map[string]any{"password": "口令-27418596", "value": value})
	t.Logf("sealing %d bytes with PBKDF2 (600,000 iterations) and AES-256-GCM took %.0f ms in Chromium", len(s.Sealed), s.Millis)

	var env struct {
		V     int    `json:"v"`
		KDF   string `json:"kdf"`
		Iter  int    `json:"iter"`
		Salt  string `json:"salt"`
		Nonce string `json:"nonce"`
		CT    string `json:"ct"`
	}
	if err := json.Unmarshal([]byte(s.Sealed), &env); err != nil {
		t.Fatal(err)
	}
	salt, err1 := jws.B64.DecodeString(env.Salt)
	nonce, err2 := jws.B64.DecodeString(env.Nonce)
	if err1 != nil || err2 != nil || len(salt) != 16 || len(nonce) != 12 || env.Iter < 600000 || env.KDF != "PBKDF2-HMAC-SHA-256" {
		t.Fatalf("sealed record %.200s", s.Sealed)
	}
	if strings.Contains(s.Sealed, "张三") || strings.Contains(s.Sealed, "11010519850615001X") || strings.Contains(s.Sealed, "iVBORw0KGgo") {
		t.Fatal("the sealed record holds the plaintext")
	}
	var again struct{ Salt, Nonce, CT string }
	if err := json.Unmarshal([]byte(s.Again), &again); err != nil {
		t.Fatal(err)
	}
	if again.Salt == env.Salt || again.Nonce == env.Nonce || again.CT == env.CT {
		t.Fatal("two seals of one value share a salt, nonce or ciphertext")
	}

	p.load()
	type opened struct {
		Value any    `json:"value"`
		Code  string `json:"code"`
	}
	open := func(password, record string) opened {
		t.Helper()
		return run[opened](p, `
			try {
				const rec = args.record || await wc.loadSealed("wallet");
				return { value: await wc.open(args.password, rec) };
			} catch (e) { return { code: e.code || String(e) }; }`,
			map[string]any{"password": password, "record": record})
	}
	got := open("口令-27418596", "")
	if got.Code != "" {
		t.Fatalf("opening after a reload: %s", got.Code)
	}
	want, _ := json.Marshal(value)
	have, _ := json.Marshal(got.Value)
	if string(want) != string(have) {
		t.Fatalf("opened %.200s, want %.200s", have, want)
	}
	if got := open("口令-27418597", ""); got.Code != "wrong-password" || got.Value != nil {
		t.Fatalf("a wrong password: %+v", got)
	}
	// One bit of the ciphertext changed.
	ct, err := jws.B64.DecodeString(env.CT)
	if err != nil {
		t.Fatal(err)
	}
	ct[len(ct)/2] ^= 1
	altered := strings.Replace(s.Sealed, env.CT, jws.B64.EncodeToString(ct), 1)
	if got := open("口令-27418596", altered); got.Code != "wrong-password" || got.Value != nil {
		t.Fatalf("an altered record: %+v", got)
	}
	// Fewer iterations would make a guess cheaper: refused before any
	// derivation.
	weak := strings.Replace(s.Sealed, `"iter":600000`, `"iter":1000`, 1)
	if weak == s.Sealed {
		t.Fatalf("the record does not name 600000 iterations: %.100s", s.Sealed)
	}
	if got := open("口令-27418596", weak); got.Code != "malformed" {
		t.Fatalf("a record with 1000 iterations: %+v", got)
	}
	if got := open("口令-27418596", "not a record"); got.Code != "malformed" {
		t.Fatalf("not a record: %+v", got)
	}
}
