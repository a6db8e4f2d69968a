package cryptotest

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/guardianconsent"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// answer is what the page got back from the platform.
type answer struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	// Proof is the holder proof the page sent, if any.
	Proof string `json:"proof"`
}

// holderFetch is the page's request to a holder route: a holder proof made
// with the stored device key for signMethod and signPath (the request's
// own by default), sent with method and path.
const holderFetch = `
	const k = await wc.loadKey("device");
	const proof = args.proof || await wc.holderProof(k, args.credentialId, args.signMethod || args.method,
		location.origin + (args.signPath || args.path));
	const headers = { [wc.HOLDER_PROOF_HEADER]: proof };
	let body;
	if (args.body !== undefined) { headers["Content-Type"] = "application/json"; body = JSON.stringify(args.body); }
	const r = await fetch(args.path, { method: args.method, headers, body });
	return { status: r.status, body: await r.text(), proof };`

// TestBrowserProofsOnThePlatform walks a holder's life with keys made in
// the browser: the page proves its device key and batch keys and gets the
// credential, calls holder routes with its holder proofs (one for another
// query, another path or already used is refused), asks for a new batch,
// and presents the credential with a key-binding JWT the relying party's
// verifier accepts. At the end no request the page sent holds private key
// material. It runs on a platform of each suite: on sm the keys the page
// makes are SM2 keys (the platform refuses any other), every proof is an
// SM2 JWS, and the presentations' digests and sd_hash are SM3.
func TestBrowserProofsOnThePlatform(t *testing.T) {
	for _, st := range suite.All() {
		t.Run(st.String(), func(t *testing.T) { browserProofs(t, st) })
	}
}

func browserProofs(t *testing.T, st suite.Suite) {
	e := newEnv(t, pagetest.Suite(st.String()))
	p := openPage(t, e)
	app, v := e.applyUntilDevice(pagetest.NewApplicant(t))
	if v.BatchSize < 2 {
		t.Fatalf("batch size %d: the test wants a batch", v.BatchSize)
	}

	is, issued := browserIssue(t, e, p, app, v)
	keys := e.jwks()
	boundTo(t, "the credential", issued.Credential, keys, is.Device)
	// The key is the suite's, and the credential's digests are too.
	if got, ok := suite.OfKey(jwkKey(t, is.Device).Key); !ok || got != st {
		t.Fatalf("the page made a %v device key on a platform of the %s suite", got, st)
	}
	if got := sdAlgOf(t, issued.Credential); got != st.SDAlg() {
		t.Fatalf("the credential's _sd_alg is %q on a platform of the %s suite", got, st)
	}
	if len(issued.Batch) != v.BatchSize {
		t.Fatalf("%d batch credentials, want %d", len(issued.Batch), v.BatchSize)
	}
	for i, b := range issued.Batch {
		boundTo(t, "batch credential", b, keys, is.Batch[i])
	}

	// Holder routes.
	hf := func(args map[string]any) answer {
		t.Helper()
		args["credentialId"] = issued.CredentialID
		return run[answer](p, holderFetch, args)
	}
	acc := hf(map[string]any{"method": "GET", "path": "/v1/holder/account"})
	if acc.Status != http.StatusOK || !strings.Contains(e.Requests()[len(e.Requests())-1].Header.Get(holder.Header), ".") {
		t.Fatalf("GET /v1/holder/account with the browser's holder proof: %d %s", acc.Status, acc.Body)
	}
	var account api.Account
	if err := json.Unmarshal([]byte(acc.Body), &account); err != nil || account.CredentialID != issued.CredentialID {
		t.Fatalf("account %s (%v)", acc.Body, err)
	}
	if a := hf(map[string]any{"method": "GET", "path": "/v1/wallet/history?limit=5"}); a.Status != http.StatusOK {
		t.Fatalf("history with a query: %d %s", a.Status, a.Body)
	}
	refused := func(how string, a answer) {
		t.Helper()
		if a.Status != http.StatusUnauthorized {
			t.Fatalf("%s: status %d, want 401; body %s", how, a.Status, a.Body)
		}
	}
	refused("a proof for another query", hf(map[string]any{"method": "GET", "path": "/v1/wallet/history?limit=6", "signPath": "/v1/wallet/history?limit=5"}))
	refused("a proof for another path", hf(map[string]any{"method": "GET", "path": "/v1/holder/platforms", "signPath": "/v1/holder/account"}))
	refused("a proof for another method", hf(map[string]any{"method": "POST", "path": "/v1/holder/account/reveal", "signMethod": "GET", "body": map[string]any{"password": "27418596"}}))
	once := hf(map[string]any{"method": "GET", "path": "/v1/holder/platforms"})
	if once.Status != http.StatusOK {
		t.Fatalf("GET /v1/holder/platforms: %d %s", once.Status, once.Body)
	}
	refused("a proof used twice", hf(map[string]any{"method": "GET", "path": "/v1/holder/platforms", "proof": once.Proof}))

	// A new batch: a holder-proven request carrying device proofs of new
	// keys, their nonce the credential's ID.
	type refresh struct {
		answer
		Batch []json.RawMessage `json:"batch"`
	}
	rf := run[refresh](p, `
		const proofs = [], jwks = [];
		for (let i = 1; i <= 2; i++) {
			const k = await wc.createKey("batch2-" + i);
			proofs.push(await wc.deviceProof(k, args.aud, args.credentialId));
			jwks.push(await wc.publicJwk(k));
		}
		const dev = await wc.loadKey("device");
		const url = location.origin + "/v1/holder/batch";
		const r = await fetch("/v1/holder/batch", { method: "POST", body: JSON.stringify({ proofs }),
			headers: { "Content-Type": "application/json", [wc.HOLDER_PROOF_HEADER]: await wc.holderProof(dev, args.credentialId, "POST", url) } });
		return { status: r.status, body: await r.text(), batch: jwks };`,
		map[string]any{"aud": e.URL, "credentialId": issued.CredentialID})
	if rf.Status != http.StatusOK {
		t.Fatalf("a new batch with the browser's proofs: %d %s", rf.Status, rf.Body)
	}
	var nb api.Batch
	if err := json.Unmarshal([]byte(rf.Body), &nb); err != nil || len(nb.Batch) != 2 {
		t.Fatalf("new batch %s (%v)", rf.Body, err)
	}
	for i, b := range nb.Batch {
		boundTo(t, "new batch credential", b, keys, rf.Batch[i])
	}

	// Presentations with key-binding JWTs, checked by the relying party's
	// verifier.
	const aud, nonce = "https://hotel.example", "n-0S6_WzA2Mj"
	type presented struct {
		Token string `json:"token"`
		Code  string `json:"code"`
	}
	presentWith := func(sdjwt, key string, disclose []string, extra map[string]any) presented {
		t.Helper()
		args := map[string]any{"sdjwt": sdjwt, "key": key, "disclose": disclose, "aud": aud, "nonce": nonce, "opts": extra}
		return run[presented](p, `
			try {
				const k = await wc.loadKey(args.key);
				return { token: await wc.present(args.sdjwt, args.disclose, k, args.aud, args.nonce, args.opts || {}) };
			} catch (e) { return { code: e.code || String(e) }; }`, args)
	}
	verify := func(tok string, o credential.PresentationOptions) (*credential.Credential, error) {
		o.Keys, o.Now, o.Suite = keys, time.Now(), st
		if o.Audience == "" {
			o.Audience, o.Nonce = aud, nonce
		}
		return credential.VerifyPresentation(tok, o)
	}
	pr := presentWith(issued.Credential, "device", []string{"age_over_18", "name"}, nil)
	if pr.Code != "" {
		t.Fatalf("present: %s", pr.Code)
	}
	c, err := verify(pr.Token, credential.PresentationOptions{})
	if err != nil {
		t.Fatalf("the browser's presentation: %v", err)
	}
	if len(c.Disclosed) != 2 || c.Disclosed["age_over_18"] != true || c.Disclosed["name"] == nil {
		t.Fatalf("disclosed %v, want age_over_18 and name only", c.Disclosed)
	}
	checkKeyBinding(t, pr.Token, st)
	if _, err := verify(pr.Token, credential.PresentationOptions{Audience: "https://other.example", Nonce: nonce}); !errors.Is(err, credential.ErrAudience) {
		t.Fatalf("the presentation at another relying party: %v", err)
	}
	// A batch credential with its own key.
	pb := presentWith(issued.Batch[0], "batch-1", []string{"age_over_18"}, nil)
	if pb.Code != "" {
		t.Fatalf("present batch-1: %s", pb.Code)
	}
	if c, err := verify(pb.Token, credential.PresentationOptions{}); err != nil || len(c.Disclosed) != 1 {
		t.Fatalf("the browser's batch presentation: %v (%v)", err, c)
	}
	// The wrong key, an unknown claim: refused in the page.
	if got := presentWith(issued.Batch[0], "device", []string{"age_over_18"}, nil); got.Code != "key-mismatch" {
		t.Fatalf("presenting batch-1's credential with the device key: %+v", got)
	}
	if got := presentWith(issued.Credential, "device", []string{"favourite_colour"}, nil); got.Code != "unknown-claim" {
		t.Fatalf("presenting an unknown claim: %+v", got)
	}
	// The guardian consent statement travels in the key-binding JWT,
	// under the holder's signature.
	const consent = "eyJhbGciOiJFUzI1NiJ9.eyJ0ZXN0IjoxfQ.c2ln"
	pc := presentWith(issued.Credential, "device", []string{"age_over_14"}, map[string]any{"consent": consent})
	if pc.Code != "" {
		t.Fatalf("present with consent: %s", pc.Code)
	}
	if _, err := verify(pc.Token, credential.PresentationOptions{}); err != nil {
		t.Fatalf("a presentation carrying a consent statement: %v", err)
	}
	kb := pc.Token[strings.LastIndex(pc.Token, "~")+1:]
	_, body, err := jws.Verify(kb, jws.Expect{Typ: credential.TypKB, Keys: jws.PublicKey(jwkKey(t, is.Device).Key)})
	if err != nil {
		t.Fatal(err)
	}
	var kbClaims map[string]any
	if err := json.Unmarshal(body, &kbClaims); err != nil || kbClaims[guardianconsent.ClaimInKeyBinding] != consent {
		t.Fatalf("key-binding claims %s (%v)", body, err)
	}

	// Nothing the page sent holds a private key.
	reqs := e.Requests()
	if len(reqs) < 8 {
		t.Fatalf("only %d requests recorded", len(reqs))
	}
	for _, r := range reqs {
		for name, vals := range r.Header {
			for _, v := range vals {
				checkNoPrivateKey(t, r.Method+" "+r.URL+" header "+name, v)
			}
		}
		checkNoPrivateKey(t, r.Method+" "+r.URL+" body", string(r.Body))
	}
}

// issuance is what the page made and got at issuance.
type issuance struct {
	answer
	// Device and Batch are the public JWKs of the device key and the
	// batch keys.
	Device json.RawMessage   `json:"device"`
	Batch  []json.RawMessage `json:"batch"`
}

// browserIssue has the page make the device key and the batch keys, prove
// them and ask for the credential of app (at the device step).
func browserIssue(t *testing.T, e *env, p *page, app api.StartedApplication, v api.Application) (issuance, api.IssuedCredential) {
	t.Helper()
	is := run[issuance](p, `
		const dev = await wc.createKey("device");
		const proof = await wc.deviceProof(dev, args.aud, args.nonce);
		const batch = [], jwks = [];
		for (let i = 1; i <= args.n; i++) {
			const k = await wc.createKey("batch-" + i);
			batch.push(await wc.deviceProof(k, args.aud, args.nonce));
			jwks.push(await wc.publicJwk(k));
		}
		const r = await fetch("/v1/applications/" + args.id + "/credential", { method: "POST",
			headers: { "Content-Type": "application/json", Authorization: "Bearer " + args.token },
			body: JSON.stringify({ proof, batch }) });
		return { status: r.status, body: await r.text(), device: await wc.publicJwk(dev), batch: jwks };`,
		map[string]any{"id": app.ID, "token": app.Token, "aud": e.URL, "nonce": v.DeviceNonce, "n": v.BatchSize})
	if is.Status != http.StatusCreated {
		t.Fatalf("issuance with the browser's device proof: status %d, body %s", is.Status, is.Body)
	}
	var issued api.IssuedCredential
	if err := json.Unmarshal([]byte(is.Body), &issued); err != nil {
		t.Fatal(err)
	}
	return is, issued
}

// boundTo checks that sdjwt is an SD-JWT the platform signed and that its
// cnf.jwk is the browser's public key pub.
func boundTo(t *testing.T, what, sdjwt string, keys jose.JSONWebKeySet, pub json.RawMessage) {
	t.Helper()
	c, err := credential.Verify(sdjwt, keys, time.Now())
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	want := jwkKey(t, pub)
	if c.Claims.Holder == nil || !want.Key.(*ecdsa.PublicKey).Equal(c.Claims.Holder.Key) {
		t.Fatalf("%s is not bound to the browser's key", what)
	}
}

// jwkKey reads a public JWK of either suite (jws.ParsePublicJWK).
func jwkKey(t *testing.T, raw json.RawMessage) jose.JSONWebKey {
	t.Helper()
	k, err := jws.ParsePublicJWK(raw)
	if err != nil {
		t.Fatalf("JWK %s: %v", raw, err)
	}
	return *k
}

// sdAlgOf is the _sd_alg of an SD-JWT's issuer-signed payload.
func sdAlgOf(t *testing.T, sdjwt string) string {
	t.Helper()
	jwt, _, _ := strings.Cut(sdjwt, "~")
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not an SD-JWT: %.40s", sdjwt)
	}
	b, err := jws.B64.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		SDAlg string `json:"_sd_alg"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p.SDAlg
}

// checkKeyBinding checks the key-binding JWT of presentation tok
// independently of the credential verifier: its alg is the suite's and
// its sd_hash the suite's hash (SM3 on sm) of the presentation before it.
func checkKeyBinding(t *testing.T, tok string, st suite.Suite) {
	t.Helper()
	cut := strings.LastIndex(tok, "~") + 1
	kb := tok[cut:]
	h, err := jws.B64.DecodeString(strings.Split(kb, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(h, &header); err != nil || header.Alg != string(st.SignatureAlgorithm()) {
		t.Fatalf("key-binding JWT header %s, want alg %s", h, st.SignatureAlgorithm())
	}
	b, err := jws.B64.DecodeString(strings.Split(kb, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		SDHash string `json:"sd_hash"`
	}
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	if want := jws.B64.EncodeToString(st.Sum([]byte(tok[:cut]))); claims.SDHash != want {
		t.Fatalf("sd_hash %s, want the %s hash %s", claims.SDHash, st, want)
	}
}
