package platform_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/devauthority"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/server"
	"github.com/netid-project/netid/internal/verification"
)

// livenessService is a liveness service as --liveness-url names it: it
// checks its bearer token, records what it was sent and signs an
// attestation with a key the platform's trust list holds.
type livenessService struct {
	*httptest.Server
	token  string
	signer liveness.Signer

	mu   sync.Mutex
	got  []map[string]string
	auth []string
	fail bool
}

func newLivenessService(t *testing.T, token string) *livenessService {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &livenessService{token: token, signer: liveness.Signer{Issuer: "liveness-test", Key: key, KeyID: "k1", Score: 0.93, Now: time.Now}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.got = append(s.got, body)
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		fail := s.fail
		s.mu.Unlock()
		if fail || r.Header.Get("Authorization") != "Bearer "+s.token {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		hash, _ := base64.RawURLEncoding.DecodeString(body["face_image_hash"])
		lr := liveness.Request{Challenge: body["challenge"], ApplicationID: body["application_id"]}
		copy(lr.FaceImageHash[:], hash)
		att, err := s.signer.Attest(r.Context(), lr)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"attestation": att})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *livenessService) requests() ([]map[string]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]string(nil), s.got...), append([]string(nil), s.auth...)
}

// production is a platform without --dev: its trust lists hold a document
// authority's CA and the liveness service's key, and it relays face checks
// to svc (nil: no --liveness-url).
type production struct {
	*env
	docs *devauthority.Documents
}

func newProduction(t *testing.T, svc *livenessService) production {
	t.Helper()
	trust := t.TempDir()
	docs, err := devauthority.LoadOrCreateDocuments(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	write := func(path string, data []byte) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(trust, "documents", "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: docs.CA().Raw}))
	if svc != nil {
		jwks, err := json.Marshal(svc.signer.JWKS())
		if err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(trust, "liveness", svc.signer.Issuer+".json"), jwks)
	}
	e := newEnvWith(t, "", func(c *config.Config) {
		c.Dev = false
		c.TrustDir = trust
		if svc != nil {
			c.LivenessURL, c.LivenessToken = svc.URL, svc.token
		}
	})
	return production{env: e, docs: docs}
}

// atFace starts an application for p and submits its document: the
// application then awaits the face check.
func (e production) atFace(p person) (app, view) {
	e.t.Helper()
	d, err := e.docs.Mint(p.identity, p.face, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	a := e.start(p.identity.Type)
	var v view
	must(e.t, e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": d}), http.StatusOK).json(e.t, &v)
	if v.State != "face" {
		e.t.Fatalf("after the document: state %s", v.State)
	}
	return a, v
}

// jpeg is a capture as the pages send it: the JPEG magic, then bytes.
var jpeg = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte("frame"), 20)...)

func faceBody(challenge, id string, face []byte, capture []byte) map[string]any {
	h := sha256.Sum256(face)
	return map[string]any{"challenge": challenge, "application_id": id, "face_image_hash": base64.RawURLEncoding.EncodeToString(h[:]), "capture": capture}
}

// TestFaceCheckThroughTheRelay: a platform without --dev relays an
// application's face check to its liveness service, with the service's
// token, exactly the binding values and the capture; the attestation it
// relays passes the face step as any other.
func TestFaceCheckThroughTheRelay(t *testing.T) {
	svc := newLivenessService(t, "relay-token-0123456789")
	e := newProduction(t, svc)
	p := adult(t)
	a, v := e.atFace(p)

	var att api.LivenessAttestation
	r := must(t, e.call("POST", server.LivenessPath, a.Token, faceBody(v.FaceChallenge, a.ID, p.face, jpeg)), http.StatusOK)
	r.json(t, &att)
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
	}
	got, auth := svc.requests()
	if len(got) != 1 || auth[0] != "Bearer "+svc.token {
		t.Fatalf("the service got %d requests, Authorization %q", len(got), auth)
	}
	h := sha256.Sum256(p.face)
	want := map[string]string{
		"challenge": v.FaceChallenge, "application_id": a.ID,
		"face_image_hash": base64.RawURLEncoding.EncodeToString(h[:]), "capture": base64.StdEncoding.EncodeToString(jpeg),
	}
	for k, w := range want {
		if got[0][k] != w {
			t.Errorf("the service got %s = %q, want %q", k, got[0][k], w)
		}
	}
	var after view
	must(t, e.call("POST", "/v1/applications/"+a.ID+"/face", a.Token, map[string]any{"attestation": att.Attestation}), http.StatusOK).json(t, &after)
	if after.State != "phone" {
		t.Fatalf("after the face check: state %s", after.State)
	}
	// Neither the token nor the capture nor the face image hash reaches
	// the log.
	for _, secret := range []string{svc.token, want["capture"], want["face_image_hash"]} {
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	// The face step is done: no further relay for this application.
	if typ := e.call("POST", server.LivenessPath, a.Token, faceBody(v.FaceChallenge, a.ID, p.face, jpeg)).problemType(t); typ != "wrong-state" {
		t.Errorf("after the face step: %s", typ)
	}
}

// TestLivenessRelayRefusals: the relay asks the service only for a face
// check that is due and bound as the platform will check it.
func TestLivenessRelayRefusals(t *testing.T) {
	svc := newLivenessService(t, "relay-token-0123456789")
	e := newProduction(t, svc)
	p, q := adult(t), adult(t)
	a, v := e.atFace(p)
	b, _ := e.atFace(q)
	fresh := e.start(p.identity.Type) // still at the document step

	big := make([]byte, server.MaxLivenessBody)
	copy(big, jpeg)
	cases := []struct {
		name, token string
		body        any
		raw         []byte
		status      int
		typ         string
	}{
		{"no authorisation", "", faceBody(v.FaceChallenge, a.ID, p.face, jpeg), nil, 401, "liveness-unauthenticated"},
		{"someone else's application", b.Token, faceBody(v.FaceChallenge, a.ID, p.face, jpeg), nil, 404, "application-not-found"},
		{"wrong token", "not-the-token", faceBody(v.FaceChallenge, a.ID, p.face, jpeg), nil, 404, "application-not-found"},
		{"no face check due", fresh.Token, faceBody("x", fresh.ID, p.face, jpeg), nil, 409, "wrong-state"},
		{"another challenge", a.Token, faceBody("another challenge", a.ID, p.face, jpeg), nil, 422, "liveness-binding-mismatch"},
		{"another face", a.Token, faceBody(v.FaceChallenge, a.ID, []byte("another face"), jpeg), nil, 422, "liveness-binding-mismatch"},
		{"not an image", a.Token, faceBody(v.FaceChallenge, a.ID, p.face, []byte("GIF89a....")), nil, 400, "invalid-face-capture"},
		{"bad face hash", a.Token, map[string]any{"challenge": v.FaceChallenge, "application_id": a.ID, "face_image_hash": "short", "capture": jpeg}, nil, 400, "invalid-face-hash"},
		{"oversized", a.Token, faceBody(v.FaceChallenge, a.ID, p.face, big), nil, 413, ""},
		{"malformed JSON", a.Token, nil, []byte(`{"challenge": `), 400, ""},
		{"unknown field", a.Token, nil, []byte(`{"challenge":"x","application_id":"y","face_image_hash":"z","capture":"","extra":1}`), 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r response
			if c.raw != nil {
				r = e.raw("POST", server.LivenessPath, c.raw, map[string]string{"Authorization": "Bearer " + c.token})
			} else {
				r = e.call("POST", server.LivenessPath, c.token, c.body)
			}
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if typ := r.problemType(t); c.typ != "" && typ != c.typ {
				t.Fatalf("problem %s, want %s", typ, c.typ)
			}
		})
	}
	if got, _ := svc.requests(); len(got) != 0 {
		t.Fatalf("refused requests reached the liveness service: %d", len(got))
	}

	// The service failing: a problem, without the service's address.
	svc.mu.Lock()
	svc.fail = true
	svc.mu.Unlock()
	r := e.call("POST", server.LivenessPath, a.Token, faceBody(v.FaceChallenge, a.ID, p.face, jpeg))
	if r.status != http.StatusBadGateway || r.problemType(t) != "liveness-provider-failed" || strings.Contains(string(r.body), svc.URL) {
		t.Fatalf("service failing: %d %s", r.status, r.body)
	}
}

// TestNoLivenessProvider: without --liveness-url and --dev the relay says
// so, and the wallet's pages are told not to offer the camera.
func TestNoLivenessProvider(t *testing.T) {
	e := newProduction(t, nil)
	p := adult(t)
	a, v := e.atFace(p)
	r := e.call("POST", server.LivenessPath, a.Token, faceBody(v.FaceChallenge, a.ID, p.face, jpeg))
	if r.status != http.StatusServiceUnavailable || r.problemType(t) != "liveness-unavailable" {
		t.Fatalf("no provider: %d %s", r.status, r.body)
	}
	page := e.raw("GET", "/wallet/apply", nil, nil)
	if page.status != http.StatusOK || strings.Contains(string(page.body), `data-face="1"`) {
		t.Fatalf("the apply page offers a face check without a provider: %d", page.status)
	}
	svc := newLivenessService(t, "relay-token-0123456789")
	with := newProduction(t, svc)
	if page := with.raw("GET", "/wallet/apply", nil, nil); !strings.Contains(string(page.body), `data-face="1"`) {
		t.Fatal("the apply page does not offer the face check with a provider")
	}
}

// TestVerificationFaceCheckThroughTheRelay: at the face level of a
// verification, the wallet that opened the session gets its attestation
// through the relay with a holder proof (here --dev's provider, since no
// --liveness-url is set); another wallet and a session without a face
// check are refused.
func TestVerificationFaceCheckThroughTheRelay(t *testing.T) {
	e := newEnv(t, "")
	p, q := adult(t), adult(t)
	h, other := e.apply(p), e.apply(q)
	gov := e.register("gov", "", "", "age_over_18")

	pw := e.newSession(gov, map[string]any{"purpose": "办事", "level": "password"})
	must(t, e.open(h, pw.Code), http.StatusOK)
	if typ := e.holderCall(h, "POST", server.LivenessPath, faceBody("x", pw.ID, p.face, jpeg)).problemType(t); typ != "no-face-check-due" {
		t.Fatalf("password level: %s", typ)
	}

	c := e.newSession(gov, map[string]any{"purpose": "办事", "level": verification.ACRFace})
	var prompt api.Prompt
	must(t, e.open(h, c.Code), http.StatusOK).json(t, &prompt)
	body := map[string]any{"challenge": prompt.FaceChallenge, "application_id": prompt.SessionID, "face_image_hash": prompt.FaceImageHash, "capture": jpeg}
	if typ := e.holderCall(other, "POST", server.LivenessPath, body).problemType(t); typ != "session-not-found" {
		t.Fatalf("another wallet: %s", typ)
	}
	if typ := e.holderCall(h, "POST", server.LivenessPath, faceBody(prompt.FaceChallenge, prompt.SessionID, q.face, jpeg)).problemType(t); typ != "liveness-binding-mismatch" {
		t.Fatalf("another face: %s", typ)
	}
	var att api.LivenessAttestation
	must(t, e.holderCall(h, "POST", server.LivenessPath, body), http.StatusOK).json(t, &att)
	must(t, e.answer(h, c.Code, map[string]any{"decision": "approve", "password": p.password, "face_attestation": att.Attestation}), http.StatusOK)
	if st := e.poll(gov, c.ID); st.LevelReached != "face" {
		t.Fatalf("face level: %+v", st)
	}
	if typ := e.holderCall(h, "POST", server.LivenessPath, body).problemType(t); typ != "session-closed" {
		t.Fatalf("after the answer: %s", typ)
	}
}

// TestLivenessRelayRateLimited: the relay, which costs a call to the
// liveness service, is limited per client address like the other routes
// a browser calls.
func TestLivenessRelayRateLimited(t *testing.T) {
	e := newEnvWith(t, "", func(c *config.Config) { c.RateLimit = 1 })
	statuses := map[int]int{}
	for range 6 {
		statuses[e.call("POST", server.LivenessPath, "", faceBody("c", "x", []byte("f"), jpeg)).status]++
	}
	if statuses[http.StatusTooManyRequests] == 0 || statuses[http.StatusUnauthorized] == 0 {
		t.Fatalf("statuses %v: want refusals, then 429 once the address's burst is spent", statuses)
	}
}
