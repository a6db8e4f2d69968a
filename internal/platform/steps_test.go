package platform_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/jws/jwstest"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/pgschema"
)

func freshSchema(t testing.TB, dsn string) string {
	t.Helper()
	return pgschema.ForTest(t, dsn, "netid_e2e")
}

func TestFaceCheck(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	a := e.start(p.identity.Type)
	v := e.through(p, a, "face")
	face := func(att string) response {
		return e.call("POST", "/v1/applications/"+a.ID+"/face", a.Token, map[string]any{"attestation": att})
	}
	other := e.start(p.identity.Type)
	lowScore := e.p.Server.Dev.Liveness
	lowScore.Score = 0.5
	low, err := lowScore.Attest(e.ctx, liveness.Request{Challenge: v.FaceChallenge, ApplicationID: a.ID, FaceImageHash: sha256.Sum256(p.face)})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, att, typ string
	}{
		{"wrong challenge", e.attest(a, "another-challenge", p.face), "liveness-binding-mismatch"},
		{"another application", e.attest(other, v.FaceChallenge, p.face), "liveness-binding-mismatch"},
		{"another face", e.attest(a, v.FaceChallenge, []byte("someone else")), "liveness-binding-mismatch"},
	}
	for _, c := range cases[:2] {
		if typ := face(c.att).problemType(t); typ != c.typ {
			t.Fatalf("%s: %s, want %s", c.name, typ, c.typ)
		}
	}
	// The third failure ends the application.
	if typ := face(low).problemType(t); typ != "face-attempts-exhausted" {
		t.Fatalf("third failure (score below threshold): %s", typ)
	}
	if typ := face(e.attest(a, v.FaceChallenge, p.face)).problemType(t); typ != "application-expired" {
		t.Fatalf("after exhausted face attempts: %s", typ)
	}

	// A fresh application: low score and forged attestations are refused.
	a = e.start(p.identity.Type)
	v = e.through(p, a, "face")
	low, _ = lowScore.Attest(e.ctx, liveness.Request{Challenge: v.FaceChallenge, ApplicationID: a.ID, FaceImageHash: sha256.Sum256(p.face)})
	if typ := e.call("POST", "/v1/applications/"+a.ID+"/face", a.Token, map[string]any{"attestation": low}).problemType(t); typ != "face-mismatch" {
		t.Fatalf("low score: %s", typ)
	}
	if typ := e.call("POST", "/v1/applications/"+a.ID+"/face", a.Token, map[string]any{"attestation": "e30.e30.AAAA"}).problemType(t); typ != "invalid-liveness-attestation" && typ != "untrusted-liveness-provider" {
		t.Fatalf("forged attestation: %s", typ)
	}
}

func TestPhoneBinding(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	a := e.start(p.identity.Type)
	e.through(p, a, "phone")
	path := "/v1/applications/" + a.ID
	if typ := e.call("POST", path+"/phone/verify", a.Token, map[string]any{"code": "123456"}).problemType(t); typ != "no-phone" {
		t.Fatalf("code before phone: %s", typ)
	}
	if typ := e.call("POST", path+"/phone", a.Token, map[string]any{"phone": "12345"}).problemType(t); typ != "invalid-phone" {
		t.Fatalf("invalid phone: %s", typ)
	}
	must(t, e.call("POST", path+"/phone", a.Token, map[string]any{"phone": p.phone}), http.StatusAccepted)
	r := e.call("POST", path+"/phone", a.Token, map[string]any{"phone": p.phone})
	if typ := r.problemType(t); typ != "sms-too-soon" || r.header.Get("Retry-After") == "" {
		t.Fatalf("immediate resend: %s, Retry-After %q", typ, r.header.Get("Retry-After"))
	}
	code := e.smsCode(p.phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	var prob map[string]any
	r = e.call("POST", path+"/phone/verify", a.Token, map[string]any{"code": wrong})
	if typ := r.problemType(t); typ != "wrong-code" {
		t.Fatalf("wrong code: %s", typ)
	}
	r.json(t, &prob)
	if prob["remaining_attempts"] != float64(4) {
		t.Fatalf("remaining attempts %v, want 4", prob["remaining_attempts"])
	}
	// Expired codes do not verify; a new one can be sent after the interval.
	e.clock.Advance(6 * time.Minute)
	if typ := e.call("POST", path+"/phone/verify", a.Token, map[string]any{"code": code}).problemType(t); typ != "code-expired" {
		t.Fatalf("expired code: %s", typ)
	}
	must(t, e.call("POST", path+"/phone", a.Token, map[string]any{"phone": p.phone}), http.StatusAccepted)
	code = e.smsCode(p.phone)
	// Racing verifications of the same code: exactly one wins.
	var wg sync.WaitGroup
	results := make([]int, 6)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.call("POST", path+"/phone/verify", a.Token, map[string]any{"code": code}).status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range results {
		if s == http.StatusOK {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d racing verifications of one code succeeded (%v)", ok, results)
	}
	if v := e.get(a); v.State != "password" {
		t.Fatalf("state %s", v.State)
	}
}

func TestPasswordRules(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	a := e.start(p.identity.Type)
	e.through(p, a, "password")
	birth := p.identity.Birth
	for _, pw := range []string{"1234567", "11111111", "12345678", "87654321", "abcdefgh", birth.String()[:4] + birth.String()[5:7] + birth.String()[8:]} {
		if typ := e.call("PUT", "/v1/applications/"+a.ID+"/password", a.Token, map[string]any{"password": pw}).problemType(t); typ != "weak-password" {
			t.Fatalf("password %q accepted or wrong problem %s", pw, typ)
		}
	}
}

func TestDeviceProof(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	a := e.start(p.identity.Type)
	v := e.through(p, a, "device")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	now := e.clock.Now()
	for name, proof := range map[string]string{
		"wrong nonce":    deviceProof(t, key, e.url, "nope", now),
		"wrong audience": deviceProof(t, key, "https://evil.example", v.DeviceNonce, now),
		"stale":          deviceProof(t, key, e.url, v.DeviceNonce, now.Add(-time.Hour)),
		"P-384 key":      deviceProof(t, other, e.url, v.DeviceNonce, now),
		"not a JWS":      "hello",
		// The proof must be a compact JWS: the JSON serialization of a valid
		// proof, which go-jose's ParseSigned would take, is refused.
		"JSON serialization": jwstest.JSONSerialization(deviceProof(t, key, e.url, v.DeviceNonce, now)),
		"duplicate nonce":    rawDeviceProof(t, key, credential.DeviceProofType, `{"aud":"`+e.url+`","nonce":"nope","iat":`+strconv.FormatInt(now.Unix(), 10)+`,"nonce":"`+v.DeviceNonce+`"}`),
		"no typ":             rawDeviceProof(t, key, "", `{"aud":"`+e.url+`","nonce":"`+v.DeviceNonce+`","iat":`+strconv.FormatInt(now.Unix(), 10)+`}`),
		"typ JWT":            rawDeviceProof(t, key, "JWT", `{"aud":"`+e.url+`","nonce":"`+v.DeviceNonce+`","iat":`+strconv.FormatInt(now.Unix(), 10)+`}`),
	} {
		if typ := e.call("POST", "/v1/applications/"+a.ID+"/credential", a.Token, map[string]any{"proof": proof}).problemType(t); typ != "invalid-device-proof" {
			t.Fatalf("%s: %s", name, typ)
		}
	}
	h := e.issue(a, v)
	// The application is done: its nonce cannot issue a second credential.
	if typ := e.call("POST", "/v1/applications/"+a.ID+"/credential", a.Token, map[string]any{"proof": deviceProof(t, key, e.url, v.DeviceNonce, now)}).problemType(t); typ != "wrong-state" {
		t.Fatalf("replayed issuance: %s", typ)
	}
	// Holder proofs: a replayed proof is refused.
	proofPath := "/v1/holder/credential"
	r1 := e.holderCall(h, "GET", proofPath, nil)
	must(t, r1, http.StatusOK)
	if typ := e.holderCall(&holderKey{key: key, credentialID: h.credentialID}, "GET", proofPath, nil).problemType(t); typ != "holder-unauthenticated" {
		t.Fatalf("proof signed by another key: %s", typ)
	}
}

func TestPasswordLockout(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	var prob map[string]any
	for i := 4; i >= 1; i-- {
		r := e.holderCall(h, "POST", "/v1/holder/password/verify", map[string]any{"password": "99999999"})
		if typ := r.problemType(t); typ != "wrong-password" {
			t.Fatalf("wrong password: %s", typ)
		}
		r.json(t, &prob)
		if prob["remaining_attempts"] != float64(i) {
			t.Fatalf("remaining %v, want %d", prob["remaining_attempts"], i)
		}
	}
	if typ := e.holderCall(h, "POST", "/v1/holder/password/verify", map[string]any{"password": "99999999"}).problemType(t); typ != "password-locked" {
		t.Fatalf("fifth failure: %s", typ)
	}
	// Locked: even the right password is refused until the lock ends.
	if typ := e.holderCall(h, "POST", "/v1/holder/password/verify", map[string]any{"password": "27418596"}).problemType(t); typ != "password-locked" {
		t.Fatalf("right password while locked: %s", typ)
	}
	e.clock.Advance(61 * time.Minute)
	must(t, e.holderCall(h, "POST", "/v1/holder/password/verify", map[string]any{"password": "27418596"}), http.StatusNoContent)
}

func TestMinorUnder14(t *testing.T) {
	e := newEnv(t, "")
	parent := e.apply(adult(t))
	today := document.Today(e.clock.Now())
	child := newPerson(t, document.Date{Year: today.Year - 9, Month: 3, Day: 1})

	// The child cannot apply alone.
	a := e.start(child.identity.Type)
	if typ := e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": e.chip(child)}).problemType(t); typ != "guardian-required" {
		t.Fatalf("child applying alone: %s", typ)
	}
	// The parent applies on the child's behalf.
	var started app
	must(t, e.holderCall(parent, "POST", "/v1/applications", map[string]any{"document_type": child.identity.Type, "on_behalf": true}), http.StatusCreated).json(t, &started)
	var v view
	must(t, e.call("PUT", "/v1/applications/"+started.ID+"/document", started.Token, map[string]any{"chip": e.chip(child)}), http.StatusOK).json(t, &v)
	if v.State != "relationship" || v.Minor != "under_14" {
		t.Fatalf("after document: %+v", v)
	}
	rel := func(guardianWH, childRef string) response {
		ev, err := e.p.Server.Dev.Relationships.Attest(guardianClaim(guardianWH, childRef), e.clock.Now(), 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return e.call("PUT", "/v1/applications/"+started.ID+"/relationship", started.Token, map[string]any{"evidence": ev})
	}
	ref := guardian.ChildRef(started.ID, child.identity.Type, child.identity.Number)
	if typ := rel(parent.wanghao, guardian.ChildRef("other-application", child.identity.Type, child.identity.Number)).problemType(t); typ != "relationship-mismatch" {
		t.Fatalf("evidence for another application: %s", typ)
	}
	must(t, rel(parent.wanghao, ref), http.StatusOK).json(t, &v)
	// The child's device goes on from the face check without the chip the
	// guardian read: the view names the face image the attestation must.
	if sum := sha256.Sum256(child.face); v.State != "face" || v.FaceImageHash != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Fatalf("after the relationship: state %s, face image hash %q", v.State, v.FaceImageHash)
	}
	h := e.issue(started, e.through(child, started, "device"))
	if h.wanghao == parent.wanghao {
		t.Fatal("child got the parent's 网号")
	}

	// A guardian cannot apply on behalf of someone 14 or older.
	teen := newPerson(t, document.Date{Year: today.Year - 15, Month: 1, Day: 1})
	must(t, e.holderCall(parent, "POST", "/v1/applications", map[string]any{"document_type": teen.identity.Type, "on_behalf": true}), http.StatusCreated).json(t, &started)
	if typ := e.call("PUT", "/v1/applications/"+started.ID+"/document", started.Token, map[string]any{"chip": e.chip(teen)}).problemType(t); typ != "not-a-child" {
		t.Fatalf("on behalf of a teen: %s", typ)
	}
}

func TestMinor14To17NeedsGuardianConfirmation(t *testing.T) {
	for _, decision := range []string{"approve", "decline"} {
		t.Run(decision, func(t *testing.T) {
			e := newEnv(t, "")
			parent := e.apply(adult(t))
			today := document.Today(e.clock.Now())
			teen := newPerson(t, document.Date{Year: today.Year - 16, Month: 2, Day: 10})
			a := e.start(teen.identity.Type)
			var v view
			must(t, e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": e.chip(teen)}), http.StatusOK).json(t, &v)
			if v.State != "relationship" || v.Minor != "14_to_17" {
				t.Fatalf("after document: %+v", v)
			}
			ev, err := e.p.Server.Dev.Relationships.Attest(guardianClaim(parent.wanghao, guardian.ChildRef(a.ID, teen.identity.Type, teen.identity.Number)), e.clock.Now(), 10*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			must(t, e.call("PUT", "/v1/applications/"+a.ID+"/relationship", a.Token, map[string]any{"guardian": parent.wanghao, "evidence": ev}), http.StatusOK)
			e.through(teen, a, "guardian")
			// Not yet confirmed: no device step.
			if typ := e.call("POST", "/v1/applications/"+a.ID+"/credential", a.Token, map[string]any{"proof": "x"}).problemType(t); typ != "wrong-state" {
				t.Fatalf("issuance before confirmation: %s", typ)
			}
			var reqs api.GuardianRequestList
			must(t, e.holderCall(parent, "GET", "/v1/guardian/requests", nil), http.StatusOK).json(t, &reqs)
			if len(reqs.Requests) != 1 || reqs.Requests[0].ApplicationID != a.ID || reqs.Requests[0].Age != 16 || reqs.Requests[0].Name == teen.identity.Name {
				t.Fatalf("guardian requests: %+v", reqs)
			}
			// Someone else cannot decide.
			stranger := e.apply(adult(t))
			if typ := e.holderCall(stranger, "POST", "/v1/guardian/requests/"+a.ID, map[string]any{"decision": "approve", "password": "27418596"}).problemType(t); typ != "guardian-request-not-found" {
				t.Fatalf("stranger deciding: %s", typ)
			}
			if typ := e.holderCall(parent, "POST", "/v1/guardian/requests/"+a.ID, map[string]any{"decision": decision, "password": "00000001"}).problemType(t); typ != "wrong-password" {
				t.Fatalf("wrong guardian password: %s", typ)
			}
			must(t, e.holderCall(parent, "POST", "/v1/guardian/requests/"+a.ID, map[string]any{"decision": decision, "password": "27418596"}), http.StatusNoContent)
			if decision == "decline" {
				if typ := e.call("GET", "/v1/applications/"+a.ID, a.Token, nil).problemType(t); typ != "application-declined" {
					t.Fatalf("after decline: %s", typ)
				}
				return
			}
			v = e.get(a)
			if v.State != "device" {
				t.Fatalf("after approval: %s", v.State)
			}
			e.issue(a, v)
		})
	}
}

// rawDeviceProof signs payload, raw JSON text, as a device proof carrying
// key in its header, with the given typ (none if empty).
func rawDeviceProof(t testing.TB, key *ecdsa.PrivateKey, typ, payload string) string {
	t.Helper()
	jwk, err := (&jose.JSONWebKey{Key: &key.PublicKey}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return jwstest.Sign(key, jwstest.Header(typ, "", map[string]any{"jwk": json.RawMessage(jwk)}), payload)
}
