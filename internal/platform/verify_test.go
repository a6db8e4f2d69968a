package platform_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	_ "modernc.org/sqlite"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
)

// rp is a registered relying party as its own servers see it.
type rp struct {
	id, secret string
}

// register registers a relying party with a client secret.
func (e *env) register(id, sector, legalBasis string, claims ...string) rp {
	e.t.Helper()
	_, secret, err := e.p.Registry.Register(context.Background(), relyingparty.Registration{
		ID: id, Name: "平台 " + id, Sector: sector, Category: storage.CategoryInternetService, LegalBasis: legalBasis,
		Domains: []string{id + ".example"}, AllowedClaims: claims, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return rp{id: id, secret: secret}
}

// rpCall is a relying party's authenticated API call.
func (e *env) rpCall(r rp, method, path string, body any) response {
	e.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(string(b)))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth(r.id, r.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: out}
}

type created = api.VerificationCreated

type polled = api.VerificationStatus

func (e *env) newSession(r rp, req map[string]any) created {
	e.t.Helper()
	var c created
	must(e.t, e.rpCall(r, "POST", "/v1/verifications", req), http.StatusCreated).json(e.t, &c)
	return c
}

func (e *env) poll(r rp, id string) polled {
	e.t.Helper()
	var p polled
	must(e.t, e.rpCall(r, "GET", "/v1/verifications/"+id, nil), http.StatusOK).json(e.t, &p)
	return p
}

func (e *env) open(h *holderKey, code string) response {
	return e.holderCall(h, "POST", "/v1/wallet/verifications/open", map[string]any{"code": code})
}

func (e *env) answer(h *holderKey, code string, a map[string]any) response {
	a["code"] = code
	return e.holderCall(h, "POST", "/v1/wallet/verifications/answer", a)
}

// result verifies a result JWT with the published keys and returns its
// claims.
func (e *env) result(jwt string) map[string]any {
	e.t.Helper()
	jws, err := jose.ParseSignedCompact(jwt, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		e.t.Fatal(err)
	}
	if typ := jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType]; typ != verification.ResultType {
		e.t.Fatalf("result typ %v", typ)
	}
	set := e.jwks()
	keys := set.Key(jws.Signatures[0].Protected.KeyID)
	if len(keys) != 1 {
		e.t.Fatal("result signed by an unpublished key")
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		e.t.Fatal(err)
	}
	var c map[string]any
	json.Unmarshal(payload, &c)
	return c
}

// verifyOnce runs a whole session: create, open, approve, poll.
func (e *env) verifyOnce(r rp, h *holderKey, req, answer map[string]any) (polled, map[string]any) {
	e.t.Helper()
	c := e.newSession(r, req)
	must(e.t, e.open(h, c.Code), http.StatusOK)
	must(e.t, e.answer(h, c.Code, answer), http.StatusOK)
	p := e.poll(r, c.ID)
	if p.State != "approved" {
		return p, nil
	}
	return p, e.result(p.Result)
}

func TestVerificationResultOnly(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		p := adult(t)
		h := e.apply(p)
		shop := e.register("shop", "", "", "age_over_18")
		c := e.newSession(shop, map[string]any{"claims": []string{"age_over_18"}, "purpose": "购买需年满18岁的商品", "nonce": "rp-nonce-1"})
		if c.State != "pending" || !strings.HasPrefix(c.Link, "netid://verify?") || !strings.HasPrefix(c.QRURL, e.url+"/v1/verifications/"+c.ID+"/qr?") {
			t.Fatalf("created: %+v", c)
		}
		if st := e.poll(shop, c.ID); st.State != "pending" || st.Result != "" {
			t.Fatalf("before the holder answers: %+v", st)
		}
		var prompt api.Prompt
		must(t, e.open(h, c.Code), http.StatusOK).json(t, &prompt)
		if prompt.RelyingParty.Name != "平台 shop" || prompt.Purpose != "购买需年满18岁的商品" || len(prompt.Plaintext) != 0 || strings.Join(prompt.Claims, ",") != "verified,sub,age_over_18" {
			t.Fatalf("prompt: %+v", prompt)
		}
		must(t, e.answer(h, c.Code, map[string]any{"decision": "approve"}), http.StatusOK)
		st := e.poll(shop, c.ID)
		if st.State != "approved" || st.LevelReached != "possession" {
			t.Fatalf("after approval: %+v", st)
		}
		claims := e.result(st.Result)
		if claims["aud"] != "shop" || claims["iss"] != e.url || claims["verified"] != true || claims["age_over_18"] != true ||
			claims["acr"] != verification.ACRPossession || claims["nonce"] != "rp-nonce-1" || claims["sub"] == "" {
			t.Fatalf("result: %v", claims)
		}
		for _, k := range []string{"name", "wanghao", "birthdate", "document_number"} {
			if _, ok := claims[k]; ok {
				t.Errorf("result-only verification leaked %s", k)
			}
		}
		if strings.Contains(st.Result+string(must(t, e.rpCall(shop, "GET", "/v1/verifications/"+c.ID, nil), 200).body), p.identity.Name) {
			t.Fatal("plaintext name in a result-only answer")
		}
		// The holder's history shows it.
		var hist struct{ Records []map[string]any }
		must(t, e.holderCall(h, "GET", "/v1/wallet/history", nil), http.StatusOK).json(t, &hist)
		if len(hist.Records) != 1 || hist.Records[0]["relying_party"] != "平台 shop" || hist.Records[0]["outcome"] != "approved" {
			t.Fatalf("history: %v", hist.Records)
		}
		// Another relying party cannot read the session.
		other := e.register("other", "", "", "age_over_18")
		if typ := e.rpCall(other, "GET", "/v1/verifications/"+c.ID, nil).problemType(t); typ != "session-not-found" {
			t.Fatalf("another RP polling: %s", typ)
		}
		if typ := e.rpCall(rp{id: "shop", secret: "wrong"}, "GET", "/v1/verifications/"+c.ID, nil).problemType(t); typ != "client-unauthenticated" {
			t.Fatalf("wrong secret: %s", typ)
		}
	})
}

func TestPlaintextNeedsLegalBasisAndSeparateConsent(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	// Without a legal basis a relying party cannot even be registered for
	// plaintext fields.
	if _, _, err := e.p.Registry.Register(context.Background(), relyingparty.Registration{
		ID: "nolaw", Name: "No law", Category: storage.CategoryInternetService, Domains: []string{"nolaw.example"},
		AllowedClaims: []string{"name"}, AuthMethod: storage.AuthClientSecret,
	}); err == nil {
		t.Fatal("plaintext claims registered without a legal basis")
	}
	shop := e.register("shop", "", "", "age_over_18")
	if typ := e.rpCall(shop, "POST", "/v1/verifications", map[string]any{"claims": []string{"name"}, "purpose": "x"}).problemType(t); typ != "claim-not-allowed" {
		t.Fatalf("unregistered plaintext claim: %s", typ)
	}
	bank := e.register("bank", "", "《反洗钱法》第二十八条", "name", "document_number", "age_over_18")
	req := map[string]any{"claims": []string{"name", "document_number", "age_over_18"}, "purpose": "开户实名登记"}
	var prompt api.Prompt
	c := e.newSession(bank, req)
	must(t, e.open(h, c.Code), http.StatusOK).json(t, &prompt)
	if strings.Join(prompt.Plaintext, ",") != "name,document_number" || prompt.RelyingParty.LegalBasis == "" {
		t.Fatalf("plaintext must be shown apart: %+v", prompt)
	}
	// Declining the plaintext still allows a result-only verification.
	must(t, e.answer(h, c.Code, map[string]any{"decision": "approve"}), http.StatusOK)
	st := e.poll(bank, c.ID)
	claims := e.result(st.Result)
	if _, ok := claims["name"]; ok || claims["age_over_18"] != true || st.State != "approved" {
		t.Fatalf("without separate consent: %v", claims)
	}
	// With it, exactly the fields asked for.
	_, claims = e.verifyOnce(bank, h, req, map[string]any{"decision": "approve", "plaintext_consent": true})
	if claims["name"] != p.identity.Name || claims["document_number"] != p.identity.Number {
		t.Fatalf("with separate consent: %v", claims)
	}
	if _, ok := claims["birthdate"]; ok {
		t.Fatal("a field not asked for was provided")
	}
}

func TestPairwiseSubjects(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	other := e.apply(adult(t))
	a1 := e.register("group-a1", "group-a", "", "age_over_18")
	a2 := e.register("group-a2", "group-a", "", "age_over_18")
	b := e.register("group-b", "", "", "age_over_18", "wanghao")
	req := map[string]any{"purpose": "登录"}
	ok := map[string]any{"decision": "approve"}
	_, r1 := e.verifyOnce(a1, h, req, ok)
	_, r2 := e.verifyOnce(a2, h, req, ok)
	_, r3 := e.verifyOnce(b, h, req, ok)
	_, r4 := e.verifyOnce(a1, other, req, ok)
	if r1["sub"] != r2["sub"] {
		t.Fatal("two relying parties of one sector got different subjects")
	}
	if r1["sub"] == r3["sub"] {
		t.Fatal("two sectors got the same subject")
	}
	if r1["sub"] == r4["sub"] {
		t.Fatal("two people got the same subject")
	}
	if _, ok := r3["wanghao"]; ok {
		t.Fatal("网号 given without being asked for")
	}
	_, r5 := e.verifyOnce(b, h, map[string]any{"purpose": "登录", "claims": []string{"wanghao"}}, ok)
	if r5["wanghao"] != h.wanghao {
		t.Fatalf("registered and asked-for 网号: %v", r5["wanghao"])
	}
	if typ := e.rpCall(a1, "POST", "/v1/verifications", map[string]any{"purpose": "x", "claims": []string{"wanghao"}}).problemType(t); typ != "claim-not-allowed" {
		t.Fatalf("unregistered 网号: %s", typ)
	}
	// Re-verification of a known user: another person's wallet cannot answer.
	c := e.newSession(a1, map[string]any{"purpose": "再次验证", "subject": r1["sub"]})
	if typ := e.open(other, c.Code).problemType(t); typ != "wrong-holder" {
		t.Fatalf("wrong holder: %s", typ)
	}
	must(t, e.open(h, c.Code), http.StatusOK)
}

func TestSessionCodesAreSingleUse(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	other := e.apply(adult(t))
	shop := e.register("shop", "", "", "age_over_18")
	c := e.newSession(shop, map[string]any{"purpose": "登录"})
	if typ := e.answer(h, c.Code, map[string]any{"decision": "approve"}).problemType(t); typ != "session-not-found" {
		t.Fatalf("answer before open: %s", typ)
	}
	must(t, e.open(h, c.Code), http.StatusOK)
	if typ := e.open(other, c.Code).problemType(t); typ != "session-claimed" {
		t.Fatalf("a second wallet opening the code: %s", typ)
	}
	if typ := e.answer(other, c.Code, map[string]any{"decision": "approve"}).problemType(t); typ != "session-claimed" {
		t.Fatalf("a second wallet answering: %s", typ)
	}
	// Racing approvals from the right wallet: exactly one.
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.answer(h, c.Code, map[string]any{"decision": "approve"}).status
		}()
	}
	wg.Wait()
	okCount := 0
	for _, s := range codes {
		if s == http.StatusOK {
			okCount++
		}
	}
	if okCount != 1 {
		t.Fatalf("%d racing answers succeeded: %v", okCount, codes)
	}
	if typ := e.open(h, c.Code).problemType(t); typ != "session-closed" {
		t.Fatalf("replayed code: %s", typ)
	}
	if typ := e.open(h, "no-such-code-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").problemType(t); typ != "session-not-found" {
		t.Fatalf("unknown code: %s", typ)
	}
	// Expiry.
	c = e.newSession(shop, map[string]any{"purpose": "登录"})
	e.clock.Advance(6 * time.Minute)
	if typ := e.open(h, c.Code).problemType(t); typ != "session-expired" {
		t.Fatalf("expired code: %s", typ)
	}
	if st := e.poll(shop, c.ID); st.State != "expired" {
		t.Fatalf("expired session polled: %s", st.State)
	}
	// Decline and cancel.
	c = e.newSession(shop, map[string]any{"purpose": "登录"})
	must(t, e.open(h, c.Code), http.StatusOK)
	must(t, e.answer(h, c.Code, map[string]any{"decision": "decline"}), http.StatusOK)
	if st := e.poll(shop, c.ID); st.State != "declined" || st.Result != "" {
		t.Fatalf("declined: %+v", st)
	}
	c = e.newSession(shop, map[string]any{"purpose": "登录"})
	must(t, e.rpCall(shop, "DELETE", "/v1/verifications/"+c.ID, nil), http.StatusOK)
	if typ := e.open(h, c.Code).problemType(t); typ != "session-closed" {
		t.Fatalf("cancelled code: %s", typ)
	}
	if typ := e.rpCall(shop, "DELETE", "/v1/verifications/"+c.ID, nil).problemType(t); typ != "session-closed" {
		t.Fatalf("cancelling twice: %s", typ)
	}
}

func TestAssuranceLevels(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	gov := e.register("gov", "", "", "age_over_18")
	c := e.newSession(gov, map[string]any{"purpose": "办事", "level": "password"})
	must(t, e.open(h, c.Code), http.StatusOK)
	if typ := e.answer(h, c.Code, map[string]any{"decision": "approve"}).problemType(t); typ != "level-not-reached" {
		t.Fatalf("password level without password: %s", typ)
	}
	if typ := e.answer(h, c.Code, map[string]any{"decision": "approve", "password": "99999999"}).problemType(t); typ != "wrong-password" {
		t.Fatalf("wrong password: %s", typ)
	}
	must(t, e.answer(h, c.Code, map[string]any{"decision": "approve", "password": p.password}), http.StatusOK)
	st := e.poll(gov, c.ID)
	if st.LevelReached != "password" || e.result(st.Result)["acr"] != verification.ACRPassword {
		t.Fatalf("password level: %+v", st)
	}

	c = e.newSession(gov, map[string]any{"purpose": "办事", "level": verification.ACRFace})
	var prompt api.Prompt
	must(t, e.open(h, c.Code), http.StatusOK).json(t, &prompt)
	if prompt.FaceChallenge == "" || prompt.FaceImageHash == "" {
		t.Fatalf("face level prompt: %+v", prompt)
	}
	att := e.attest(app{Application: view{ID: prompt.SessionID}}, prompt.FaceChallenge, p.face)
	if typ := e.answer(h, c.Code, map[string]any{"decision": "approve", "password": p.password}).problemType(t); typ != "level-not-reached" {
		t.Fatalf("face level without a face check: %s", typ)
	}
	wrongFace := e.attest(app{Application: view{ID: prompt.SessionID}}, prompt.FaceChallenge, []byte("another face"))
	if typ := e.answer(h, c.Code, map[string]any{"decision": "approve", "password": p.password, "face_attestation": wrongFace}).problemType(t); typ != "liveness-binding-mismatch" {
		t.Fatalf("someone else's face: %s", typ)
	}
	must(t, e.answer(h, c.Code, map[string]any{"decision": "approve", "password": p.password, "face_attestation": att}), http.StatusOK)
	if st := e.poll(gov, c.ID); st.LevelReached != "face" || e.result(st.Result)["acr"] != verification.ACRFace {
		t.Fatalf("face level: %+v", st)
	}
}

func TestSuspendedCredentialIsRefused(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	shop := e.register("shop", "", "", "age_over_18")
	c := e.newSession(shop, map[string]any{"purpose": "登录"})
	if _, err := e.p.Store.UpdateCredential(context.Background(), h.credentialID, func(c storage.Credential) (storage.Credential, error) {
		c.Status, c.StatusReason = storage.CredentialSuspended, "test"
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	if typ := e.open(h, c.Code).problemType(t); typ != "credential-inactive" {
		t.Fatalf("a suspended credential opened a session: %s", typ)
	}
}

func TestUnder14NeedsGuardianConsentOncePerRelyingParty(t *testing.T) {
	e := newEnv(t, "")
	parent := e.apply(adult(t))
	today := document.Today(e.clock.Now())
	child := newPerson(t, document.Date{Year: today.Year - 10, Month: 4, Day: 1})
	var started app
	must(t, e.holderCall(parent, "POST", "/v1/applications", map[string]any{"document_type": child.identity.Type, "on_behalf": true}), http.StatusCreated).json(t, &started)
	must(t, e.call("PUT", "/v1/applications/"+started.ID+"/document", started.Token, map[string]any{"chip": e.chip(child)}), http.StatusOK)
	ev, _ := e.p.Server.Dev.Relationships.Attest(guardianClaim(parent.wanghao, guardian.ChildRef(started.ID, child.identity.Type, child.identity.Number)), e.clock.Now(), 10*time.Minute)
	must(t, e.call("PUT", "/v1/applications/"+started.ID+"/relationship", started.Token, map[string]any{"evidence": ev}), http.StatusOK)
	kid := e.issue(started, e.through(child, started, "device"))

	game := e.register("game", "", "", "age_band")
	c := e.newSession(game, map[string]any{"purpose": "防沉迷实名", "claims": []string{"age_band"}})
	var prompt api.Prompt
	must(t, e.open(kid, c.Code), http.StatusOK).json(t, &prompt)
	if !prompt.GuardianConsent {
		t.Fatal("the prompt does not say a guardian must consent")
	}
	var ans map[string]any
	must(t, e.answer(kid, c.Code, map[string]any{"decision": "approve"}), http.StatusOK).json(t, &ans)
	if ans["state"] != "awaiting_guardian" {
		t.Fatalf("answer: %v", ans)
	}
	if st := e.poll(game, c.ID); st.State != "awaiting_guardian" || st.Result != "" {
		t.Fatalf("RP polling while the guardian decides: %+v", st)
	}
	var reqs api.ConsentRequestList
	must(t, e.holderCall(parent, "GET", "/v1/guardian/consents", nil), http.StatusOK).json(t, &reqs)
	if len(reqs.Requests) != 1 || reqs.Requests[0].SessionID != c.ID || reqs.Requests[0].RelyingParty != "平台 game" {
		t.Fatalf("guardian consents: %+v", reqs)
	}
	stranger := e.apply(adult(t))
	if typ := e.holderCall(stranger, "POST", "/v1/guardian/consents/"+c.ID, map[string]any{"decision": "approve", "password": "27418596"}).problemType(t); typ != "guardian-request-not-found" {
		t.Fatalf("a stranger consenting: %s", typ)
	}
	must(t, e.holderCall(parent, "POST", "/v1/guardian/consents/"+c.ID, map[string]any{"decision": "approve", "password": "27418596"}), http.StatusOK)
	st := e.poll(game, c.ID)
	if st.State != "approved" || e.result(st.Result)["age_band"] != verification.BandUnder14 {
		t.Fatalf("after guardian consent: %+v", st)
	}
	// The next verification with the same relying party needs no consent.
	if st, _ := e.verifyOnce(game, kid, map[string]any{"purpose": "登录", "claims": []string{"age_band"}}, map[string]any{"decision": "approve"}); st.State != "approved" {
		t.Fatalf("second verification: %s", st.State)
	}
	// Another relying party: consent again.
	other := e.register("other-game", "", "", "age_band")
	c = e.newSession(other, map[string]any{"purpose": "登录"})
	must(t, e.open(kid, c.Code), http.StatusOK)
	must(t, e.answer(kid, c.Code, map[string]any{"decision": "approve"}), http.StatusOK)
	must(t, e.holderCall(parent, "POST", "/v1/guardian/consents/"+c.ID, map[string]any{"decision": "decline", "password": "27418596"}), http.StatusOK)
	if st := e.poll(other, c.ID); st.State != "declined" {
		t.Fatalf("guardian declined: %s", st.State)
	}
	// The guardian sees the ward's records.
	var hist struct{ Records []map[string]any }
	childPerson := mustPersonOf(t, e, kid)
	must(t, e.holderCall(parent, "GET", "/v1/guardian/wards/"+childPerson+"/history", nil), http.StatusOK).json(t, &hist)
	if len(hist.Records) != 3 {
		t.Fatalf("ward history: %v", hist.Records)
	}
	if typ := e.holderCall(stranger, "GET", "/v1/guardian/wards/"+childPerson+"/history", nil).problemType(t); typ != "guardian-request-not-found" {
		t.Fatalf("a stranger reading the ward's history: %s", typ)
	}

	// The ward's credential is suspended while the guardian decides: the
	// guardian's consent cannot approve the verification any more.
	third := e.register("third-game", "", "", "age_band")
	c = e.newSession(third, map[string]any{"purpose": "登录"})
	must(t, e.open(kid, c.Code), http.StatusOK)
	must(t, e.answer(kid, c.Code, map[string]any{"decision": "approve"}), http.StatusOK)
	if _, err := e.p.Store.UpdateCredential(e.ctx, kid.credentialID, func(c storage.Credential) (storage.Credential, error) {
		c.Status, c.StatusBy = storage.CredentialSuspended, storage.StatusByOperator
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	r := e.holderCall(parent, "POST", "/v1/guardian/consents/"+c.ID, map[string]any{"decision": "approve", "password": "27418596"})
	if got := r.problemType(t); r.status != http.StatusConflict || got != "no-longer-usable" {
		t.Errorf("guardian approving for a suspended ward: %d %s", r.status, got)
	}
	if st := e.poll(third, c.ID); st.State != "failed" || st.Result != "" {
		t.Errorf("the relying party sees %s (result %q)", st.State, st.Result)
	}
}

func mustPersonOf(t *testing.T, e *env, h *holderKey) string {
	c, err := e.p.Store.GetCredential(context.Background(), h.credentialID)
	if err != nil {
		t.Fatal(err)
	}
	return c.PersonID
}

func TestCallbackAndRecordLog(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	got := make(chan map[string]any, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		got <- body
	}))
	defer cb.Close()
	shop := e.register("shop", "", "", "age_over_18")
	if typ := e.rpCall(shop, "POST", "/v1/verifications", map[string]any{"purpose": "x", "callback_url": "https://evil.example/cb"}).problemType(t); typ != "invalid-verification-request" {
		t.Fatalf("callback on an unregistered domain: %s", typ)
	}
	st, _ := e.verifyOnce(shop, h, map[string]any{"purpose": "登录", "callback_url": cb.URL + "/netid"}, map[string]any{"decision": "approve"})
	select {
	case body := <-got:
		if body["id"] != st.ID || body["state"] != "approved" || body["result"] != st.Result {
			t.Fatalf("callback body: %v", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no callback")
	}
	// An offline presentation reported by the wallet joins the history.
	must(t, e.holderCall(h, "POST", "/v1/wallet/presentations", map[string]any{"audience": "https://bar.example", "disclosed": []string{"age_over_18"}}), http.StatusCreated)

	// Every outcome is in the log, and the log verifies; altering a record
	// is detected.
	if _, err := e.p.Records.SignHead(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys := e.jwks()
	rep, err := audit.Verify(context.Background(), e.p.Store, keys)
	if err != nil || len(rep.Problems) != 0 || rep.Records != 2 {
		t.Fatalf("clean log: %+v %v", rep, err)
	}
	tamperRecord(t, e, 1)
	rep, _ = audit.Verify(context.Background(), e.p.Store, keys)
	if len(rep.Problems) == 0 {
		t.Fatal("an altered record went undetected")
	}
	must(t, e.call("GET", "/v1/audit/head", "", nil), http.StatusOK)
}

// tamperRecord changes a stored record's outcome behind the platform's
// back, as someone with write access to the database would.
func tamperRecord(t *testing.T, e *env, seq int64) {
	t.Helper()
	db, err := sql.Open("sqlite", e.p.Config.SQLitePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE records SET outcome = 'declined' WHERE seq = ?`, seq)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("tampered %d rows", n)
	}
}

func TestWalletLandingPage(t *testing.T) {
	e := newEnv(t, "")
	shop := e.register("shop", "", "", "age_over_18")
	var cr struct {
		HTTPSLink string `json:"https_link"`
	}
	must(t, e.rpCall(shop, "POST", "/v1/verifications", map[string]any{"purpose": "登录"}), http.StatusCreated).json(t, &cr)
	r := must(t, e.call("GET", strings.TrimPrefix(cr.HTTPSLink, e.url), "", nil), http.StatusOK)
	if !strings.Contains(string(r.body), "netid://verify?") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("landing page: %s", r.body)
	}
	if typ := e.call("GET", "/wallet/verify?code=short", "", nil).problemType(t); typ != "invalid-link" {
		t.Fatalf("invalid link: %s", typ)
	}
}

// failingLog is a record log that cannot be written.
type failingLog struct{}

func (failingLog) Append(context.Context, storage.Record) (storage.Record, error) {
	return storage.Record{}, errors.New("record log unavailable")
}

func (failingLog) AppendIn(context.Context, audit.Store, storage.Record) (storage.Record, error) {
	return storage.Record{}, errors.New("record log unavailable")
}

// TestNoApprovalWithoutRecord: if the verification record cannot be
// written, nothing of the approval happens (no approved result, no
// consent remembered): the session is still the holder's to answer, and
// once the log is back the approval goes through with its record.
func TestNoApprovalWithoutRecord(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	shop := e.register("shop", "", "", "age_over_18")
	c := e.newSession(shop, map[string]any{"purpose": "登录"})
	must(t, e.open(h, c.Code), http.StatusOK)
	log := e.p.Verification.Records
	e.p.Verification.Records = failingLog{}
	if r := e.answer(h, c.Code, map[string]any{"decision": "approve"}); r.status < 500 {
		t.Errorf("approval without a record: %d %s", r.status, r.body)
	}
	if st := e.poll(shop, c.ID); st.State != "claimed" || st.Result != "" {
		t.Errorf("the relying party sees %s, result %q", st.State, st.Result)
	}
	p, err := e.p.Store.GetPersonByWanghao(e.ctx, h.wanghao)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Store.GetConsent(e.ctx, p.ID, shop.id); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a consent was kept from the failed approval: %v", err)
	}
	e.p.Verification.Records = log
	must(t, e.answer(h, c.Code, map[string]any{"decision": "approve"}), http.StatusOK)
	if st := e.poll(shop, c.ID); st.State != "approved" || st.Result == "" {
		t.Errorf("after the log is back the relying party sees %s", st.State)
	}
	if left, err := e.p.Store.ListUnrecordedSessions(e.ctx, 10); err != nil || len(left) != 0 {
		t.Errorf("sessions without their record: %v, %v", left, err)
	}
}

// TestUnrecordedSessionsReported: at start the platform reports ended
// sessions of a holder that the record log does not show. A session
// recorded with its ID, or (older data) by a record of its holder, relying
// party, channel and outcome written just after it ended, is not reported;
// a session that ended before anyone opened it is listed apart.
func TestUnrecordedSessionsReported(t *testing.T) {
	e := newEnv(t, "")
	ctx, now := e.ctx, e.clock.Now()
	session := func(id, personID string, state storage.SessionState) storage.Session {
		s := storage.Session{ID: id, RPID: "shop", Channel: "session", Level: "possession", Purpose: "登录",
			State: state, PersonID: personID, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := e.p.Store.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	record := func(id, personID string, outcome storage.SessionState, at time.Time) {
		e.clock.Advance(at.Sub(e.clock.Now()))
		if _, err := e.p.Records.Append(ctx, storage.Record{ID: id, PersonID: personID, RPID: "shop", RPName: "商城",
			Channel: "session", Level: "possession", Outcome: string(outcome)}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(now.Sub(e.clock.Now()))
	}
	session("recorded", "p1", storage.SessionApproved)
	record("recorded", "p1", storage.SessionApproved, now)
	session("legacy", "p2", storage.SessionApproved)
	record("legacy-record-random-id", "p2", storage.SessionApproved, now.Add(2*time.Second))
	session("missing", "p3", storage.SessionApproved)
	// The record of another session of the same holder is no match.
	session("missing-beside-recorded", "p1", storage.SessionApproved)
	// Another outcome of the same holder and relying party is no match.
	session("missing-declined", "p2", storage.SessionDeclined)
	session("unclaimed", "", storage.SessionExpired)
	session("live", "p4", storage.SessionClaimed)

	found, err := verification.FindUnrecorded(ctx, e.p.Store, 100)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(list []storage.Session) []string {
		var out []string
		for _, s := range list {
			out = append(out, s.ID)
		}
		slices.Sort(out)
		return out
	}
	if got := ids(found.Missing); !slices.Equal(got, []string{"missing", "missing-beside-recorded", "missing-declined"}) {
		t.Errorf("missing %v", got)
	}
	if got := ids(found.Unclaimed); !slices.Equal(got, []string{"unclaimed"}) {
		t.Errorf("unclaimed %v", got)
	}

	// A platform opened on this data reports them in its log.
	cfg := e.p.Config
	var logs logBuffer
	p, err := platform.Open(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), platform.Options{Now: e.clock.Now, PasswordParams: fastPasswords})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := ids(p.Unrecorded.Missing); !slices.Equal(got, []string{"missing", "missing-beside-recorded", "missing-declined"}) {
		t.Errorf("at start: missing %v", got)
	}
	if out := logs.String(); !strings.Contains(out, "ended sessions without their verification record") || !strings.Contains(out, "count=3") {
		t.Errorf("log at start:\n%s", out)
	}
}
