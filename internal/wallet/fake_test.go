package wallet

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// testNow is the fake platform's clock; wallet clocks never run behind it.
var testNow = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// testKDF keeps Argon2id cheap in tests.
var testKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

const (
	testKID      = "platform-1"
	testCode     = "123456"
	testPassword = "73915824"
	testPhone    = "13800138000"
)

// fakePlatform is an in-memory stand-in for the platform's HTTP API: it
// walks the application states like internal/proofing, issues real SD-JWTs
// (credential.Issuer), publishes real status list tokens and checks holder
// proofs with holder.Verifier.
type fakePlatform struct {
	t   testing.TB
	srv *httptest.Server
	mux *http.ServeMux
	key *ecdsa.PrivateKey
	// suite is the platform's crypto suite: its signing key's and the
	// device keys it binds.
	suite suite.Suite
	// algs, if set, replace the discovery document's signing algorithms.
	algs []string

	mu      sync.Mutex
	apps    map[string]*fakeApp
	creds   map[string]*fakeCred
	nonces  map[string]bool
	seq     int
	calls   []string // "METHOD /path"
	proofs  []string // holder proofs received
	statusV map[int64]byte

	// approveAfter, if > 0, approves a waiting application on the
	// approveAfter-th GET in state guardian.
	approveAfter int
	// wrongHolderKey makes the platform bind issued credentials to
	// another key (a misbehaving platform).
	wrongHolderKey bool
}

type fakeApp struct {
	id, token     string
	state         api.ApplicationState
	docType       document.Type
	number        string
	minor         api.MinorBand
	onBehalf      bool
	guardian      string // guardian's 网号
	challenge     string
	nonce         string
	phone         string
	codeSent      bool
	codeFailures  int
	password      string
	guardianGets  int
	credentialID  string
	relationships int
}

type fakeCred struct {
	cred     storage.Credential
	wanghao  string
	password string
	minor    api.MinorBand
}

func newFakePlatform(t testing.TB) *fakePlatform {
	t.Helper()
	return newFakePlatformSuite(t, suite.ES256)
}

// newFakePlatformSuite is a fake platform of the crypto suite st.
func newFakePlatformSuite(t testing.TB, st suite.Suite) *fakePlatform {
	t.Helper()
	key, err := st.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakePlatform{t: t, key: key, suite: st, apps: map[string]*fakeApp{}, creds: map[string]*fakeCred{},
		nonces: map[string]bool{}, statusV: map[int64]byte{}}
	f.mux = http.NewServeMux()
	h := f.handle
	h("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) error {
		httpx.WriteJSON(w, 200, jws.JWKS(f.jwks()))
		return nil
	})
	h("GET /.well-known/netid-configuration", func(w http.ResponseWriter, r *http.Request) error {
		algs := f.algs
		if algs == nil {
			algs = []string{string(f.suite.SignatureAlgorithm())}
		}
		httpx.WriteJSON(w, 200, api.Configuration{Issuer: f.srv.URL, SigningAlgorithms: algs, DeviceProofType: credential.DeviceProofType})
		return nil
	})
	h("GET /status/{list}", f.statusList)
	h("POST /v1/applications", f.start)
	h("GET /v1/applications/{id}", f.get)
	h("PUT /v1/applications/{id}/document", f.document)
	h("PUT /v1/applications/{id}/relationship", f.relationship)
	h("POST /v1/applications/{id}/face", f.face)
	h("POST /v1/applications/{id}/phone", f.sendCode)
	h("POST /v1/applications/{id}/phone/verify", f.verifyCode)
	h("PUT /v1/applications/{id}/password", f.setPassword)
	h("POST /v1/applications/{id}/credential", f.issue)
	h("GET /v1/holder/credential", f.holderCredential)
	h("POST /v1/holder/password/verify", f.holderPassword)
	h("GET /v1/guardian/requests", f.guardianRequests)
	h("POST /v1/guardian/requests/{id}", f.guardianDecide)
	f.srv = httptest.NewServer(f.mux)
	t.Cleanup(f.srv.Close)
	return f
}

// handle serves pattern with fn, under the platform's lock, counting the
// call; an error fn returns becomes a problem document.
func (f *fakePlatform) handle(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls = append(f.calls, r.Method+" "+r.URL.Path)
		if err := fn(w, r); err != nil {
			httpx.WriteError(w, r, nil, err)
		}
	})
}

func (f *fakePlatform) client() *Client {
	return &Client{BaseURL: f.srv.URL, HTTP: f.srv.Client(), Now: func() time.Time { return testNow }}
}

func (f *fakePlatform) jwks() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: testKID, Algorithm: string(f.suite.SignatureAlgorithm()), Use: "sig"}}}
}

func (f *fakePlatform) count(call string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == call {
			n++
		}
	}
	return n
}

func (f *fakePlatform) app(id string) *fakeApp {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.apps[id]
}

// problemOf is a problem as the platform answers it; WriteError gives it
// the catalogue's title for slug.
func problemOf(status int, slug, detail string) *httpx.Problem {
	return &httpx.Problem{Type: httpx.TypeURI(slug), Status: status, Detail: detail}
}

var (
	errNotFound   = problemOf(404, "application-not-found", "application not found")
	errWrongState = problemOf(409, "wrong-state", "step not allowed in this state")
)

func decode(r *http.Request, v any) error {
	return httpx.DecodeJSON(nil, r, 1<<20, v)
}

func (f *fakePlatform) load(r *http.Request, want api.ApplicationState) (*fakeApp, error) {
	a, ok := f.apps[r.PathValue("id")]
	if !ok || r.Header.Get("Authorization") != "Bearer "+a.token {
		return nil, errNotFound
	}
	if a.state == api.StateDeclined {
		return nil, problemOf(410, "application-declined", "the guardian declined the application")
	}
	if want != "" && a.state != want {
		return nil, errWrongState.With(api.ExtState, a.state)
	}
	return a, nil
}

func (f *fakePlatform) view(w http.ResponseWriter, a *fakeApp, status int) error {
	v := api.Application{ID: a.id, State: a.state, DocumentType: a.docType, ExpiresAt: testNow.Add(30 * time.Minute),
		Minor: a.minor, OnBehalf: a.onBehalf, CredentialID: a.credentialID}
	switch a.state {
	case api.StateFace:
		v.FaceChallenge = a.challenge
	case api.StateDevice:
		v.DeviceNonce = a.nonce
	}
	if status == http.StatusCreated {
		httpx.WriteJSON(w, status, api.StartedApplication{Application: v, Token: a.token})
		return nil
	}
	httpx.WriteJSON(w, status, v)
	return nil
}

// authenticate checks a holder proof with the real holder.Verifier.
func (f *fakePlatform) authenticate(r *http.Request) (*fakeCred, error) {
	proof := r.Header.Get(holder.Header)
	f.proofs = append(f.proofs, proof)
	v := holder.Verifier{Store: fakeHolderStore{f}, Now: func() time.Time { return testNow }}
	h, err := v.Verify(r.Context(), proof, r.Method, f.srv.URL+r.URL.Path)
	if err != nil {
		return nil, problemOf(401, "holder-unauthenticated", err.Error())
	}
	return f.creds[h.Credential.ID], nil
}

type fakeHolderStore struct{ f *fakePlatform }

func (s fakeHolderStore) GetCredentialHolder(_ context.Context, id string) (storage.Credential, storage.Person, error) {
	c, ok := s.f.creds[id]
	if !ok {
		return storage.Credential{}, storage.Person{}, storage.ErrNotFound
	}
	return c.cred, storage.Person{ID: c.cred.PersonID, State: storage.PersonActive}, nil
}

func (s fakeHolderStore) UseNonce(_ context.Context, key string, _ time.Time) error {
	if s.f.nonces[key] {
		return storage.ErrAlreadyExists
	}
	s.f.nonces[key] = true
	return nil
}

func (f *fakePlatform) random() string {
	f.seq++
	return "r" + strconv.Itoa(f.seq)
}

func (f *fakePlatform) start(w http.ResponseWriter, r *http.Request) error {
	var req api.StartRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	a := &fakeApp{id: "app-" + f.random(), token: "tok-" + f.random(), state: api.StateDocument, docType: req.DocumentType}
	if req.OnBehalf {
		g, err := f.authenticate(r)
		if err != nil {
			return err
		}
		a.onBehalf, a.guardian = true, g.wanghao
	}
	f.apps[a.id] = a
	return f.view(w, a, http.StatusCreated)
}

func (f *fakePlatform) get(w http.ResponseWriter, r *http.Request) error {
	a, err := f.load(r, "")
	if err != nil {
		return err
	}
	if a.state == api.StateGuardian {
		a.guardianGets++
		if f.approveAfter > 0 && a.guardianGets >= f.approveAfter {
			a.state, a.nonce = api.StateDevice, "nonce-"+f.random()
		}
	}
	return f.view(w, a, http.StatusOK)
}

func (f *fakePlatform) document(w http.ResponseWriter, r *http.Request) error {
	a, err := f.load(r, api.StateDocument)
	if err != nil {
		return err
	}
	var req api.DocumentRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	d, err := chip.Parse(req.Chip)
	if err != nil {
		return problemOf(400, "malformed-chip-data", "malformed")
	}
	var id document.Identity
	if err := json.Unmarshal(d.DG1, &id); err != nil {
		return problemOf(400, "malformed-chip-data", "DG1")
	}
	today := document.Today(testNow)
	info, err := document.ValidateNumber(id.Type, id.Number, today)
	if err != nil {
		return problemOf(422, "invalid-document-number", "invalid")
	}
	a.number = info.Normalized
	switch age := id.Birth.AgeOn(today); {
	case age < 14:
		a.minor = api.MinorUnder14
	case age < 18:
		a.minor = api.Minor14To17
	}
	if a.minor == api.MinorUnder14 && !a.onBehalf {
		return problemOf(403, "guardian-required", "applicants under 14 must be applied for by their guardian")
	}
	a.challenge = "challenge-" + f.random()
	a.state = api.StateFace
	if a.minor != "" {
		a.state = api.StateRelationship
	}
	return f.view(w, a, http.StatusOK)
}

// testEvidence is the evidence format of the fake relationship authority.
func testEvidence(childRef, guardian string) string { return "ev:" + childRef + ":" + guardian }

func (f *fakePlatform) relationship(w http.ResponseWriter, r *http.Request) error {
	a, err := f.load(r, api.StateRelationship)
	if err != nil {
		return err
	}
	var req api.RelationshipRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	a.relationships++
	g := req.Guardian
	if a.onBehalf {
		if g != "" && g != a.guardian {
			return problemOf(422, "relationship-mismatch", "mismatch")
		}
		g = a.guardian
	}
	if _, ok := f.credByWanghao(g); !ok {
		return problemOf(422, "guardian-ineligible", "no such 网号")
	}
	if req.Evidence != testEvidence(guardian.ChildRef(a.id, a.docType, a.number), g) {
		return problemOf(422, "relationship-mismatch", "mismatch")
	}
	a.guardian, a.state = g, api.StateFace
	return f.view(w, a, http.StatusOK)
}

func (f *fakePlatform) credByWanghao(wh string) (*fakeCred, bool) {
	for _, c := range f.creds {
		if c.wanghao == wh {
			return c, true
		}
	}
	return nil, false
}

// testAttestation is the attestation format of the fake liveness provider.
func testAttestation(req liveness.Request) string {
	return "att:" + req.Challenge + ":" + req.ApplicationID + ":" + b64(req.FaceImageHash[:])
}

func (f *fakePlatform) face(w http.ResponseWriter, r *http.Request) error {
	a, err := f.load(r, api.StateFace)
	if err != nil {
		return err
	}
	var req api.FaceRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	want := liveness.Request{Challenge: a.challenge, ApplicationID: a.id, FaceImageHash: sha256.Sum256(testFace)}
	if req.Attestation != testAttestation(want) {
		return problemOf(422, "liveness-binding-mismatch", "mismatch")
	}
	a.state = api.StatePhone
	return f.view(w, a, http.StatusOK)
}

func (f *fakePlatform) sendCode(w http.ResponseWriter, r *http.Request) error {
	a, err := f.load(r, api.StatePhone)
	if err != nil {
		return err
	}
	var req api.PhoneRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if a.codeSent {
		return problemOf(429, "sms-too-soon", "a code was sent too recently").With("retry_after", 60)
	}
	a.phone, a.codeSent = req.Phone, true
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (f *fakePlatform) verifyCode(w http.ResponseWriter, r *http.Request) error {
	a, err := f.load(r, api.StatePhone)
	if err != nil {
		return err
	}
	var req api.CodeRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Code != testCode {
		a.codeFailures++
		return problemOf(422, "wrong-code", "sms: wrong code").With(api.ExtRemainingAttempts, 5-a.codeFailures)
	}
	a.state = api.StatePassword
	return f.view(w, a, http.StatusOK)
}

func (f *fakePlatform) setPassword(w http.ResponseWriter, r *http.Request) error {
	a, err := f.load(r, api.StatePassword)
	if err != nil {
		return err
	}
	var req api.PasswordRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if len(req.Password) != 8 {
		return problemOf(422, "weak-password", "must be 8 digits")
	}
	a.password = req.Password
	if a.minor == api.Minor14To17 {
		a.state = api.StateGuardian
	} else {
		a.state, a.nonce = api.StateDevice, "nonce-"+f.random()
	}
	return f.view(w, a, http.StatusOK)
}

func (f *fakePlatform) issue(w http.ResponseWriter, r *http.Request) error {
	a, err := f.load(r, api.StateDevice)
	if err != nil {
		return err
	}
	var req api.CredentialRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	bad := problemOf(400, "invalid-device-proof", "invalid device key proof")
	// Like the platform: a device key of the platform's suite only.
	tok, err := jws.Parse(req.Proof, jws.Expect{Typ: credential.DeviceProofType, Algorithms: f.suite.Algorithms()})
	if err != nil {
		return bad
	}
	hjwk, err := tok.Header.JWK()
	if err != nil {
		return bad
	}
	if _, ok := f.suite.PublicKey(hjwk); !ok {
		return problemOf(400, "invalid-device-proof", "the device key is not a key of the platform's crypto suite")
	}
	payload, err := tok.Verify(jws.PublicKey(hjwk.Key))
	if err != nil {
		return bad
	}
	var c struct {
		Aud, Nonce string
		Iat        int64
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.Aud != f.srv.URL || c.Nonce != a.nonce || c.Iat < testNow.Unix() {
		return bad
	}
	holderKey := *hjwk
	if f.wrongHolderKey {
		other, _ := f.suite.GenerateKey(rand.Reader)
		holderKey = jose.JSONWebKey{Key: &other.PublicKey}
	}
	wh, err := netnum.New(rand.Reader)
	if err != nil {
		return err
	}
	idx := int64(len(f.creds))
	credID := "cred-" + f.random()
	sd, err := credential.Issuer{Key: f.key, KeyID: testKID}.Issue(credential.Claims{
		ID: credID, Issuer: f.srv.URL, VCT: credential.VCTWangzheng, Wanghao: wh,
		IssuedAt: testNow, ExpiresAt: testNow.AddDate(1, 0, 0), Holder: &holderKey,
		Status:      credential.Status{URI: f.srv.URL + "/status/1", Index: idx},
		Disclosable: map[string]any{"age_over_18": a.minor == "", "name": "张三"},
	})
	if err != nil {
		return err
	}
	jwk, err := jws.JWK(holderKey).MarshalJSON()
	if err != nil {
		return err
	}
	f.creds[credID] = &fakeCred{
		cred: storage.Credential{ID: credID, PersonID: "person-" + credID, Status: storage.CredentialActive,
			StatusList: "1", StatusIndex: idx, DeviceKey: jwk, IssuedAt: testNow, ExpiresAt: testNow.AddDate(1, 0, 0)},
		wanghao: wh, password: a.password, minor: a.minor,
	}
	a.state, a.nonce, a.credentialID = api.StateIssued, "", credID
	httpx.WriteJSON(w, http.StatusCreated, api.IssuedCredential{Wanghao: wh, CredentialID: credID, Credential: sd, ExpiresAt: testNow.AddDate(1, 0, 0)})
	return nil
}

func (f *fakePlatform) statusList(w http.ResponseWriter, r *http.Request) error {
	if r.PathValue("list") != "1" {
		return problemOf(404, "status-list-not-found", "no such status list")
	}
	l, err := statuslist.New(2, 64)
	if err != nil {
		return err
	}
	for i, v := range f.statusV {
		if err := l.Set(i, v); err != nil {
			return err
		}
	}
	tok, err := statuslist.Sign(l, f.srv.URL+"/status/1", f.key, testKID, testNow, time.Minute, time.Hour)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/statuslist+jwt")
	_, _ = w.Write([]byte(tok))
	return nil
}

func (f *fakePlatform) holderCredential(w http.ResponseWriter, r *http.Request) error {
	c, err := f.authenticate(r)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, api.CredentialInfo{CredentialID: c.cred.ID, Wanghao: c.wanghao, Status: api.CredentialState(c.cred.Status)})
	return nil
}

func (f *fakePlatform) checkPassword(c *fakeCred, pw string) error {
	if pw != c.password {
		return problemOf(403, "wrong-password", "wrong credential password").With(api.ExtRemainingAttempts, 4)
	}
	return nil
}

func (f *fakePlatform) holderPassword(w http.ResponseWriter, r *http.Request) error {
	c, err := f.authenticate(r)
	if err != nil {
		return err
	}
	var req api.PasswordRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := f.checkPassword(c, req.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (f *fakePlatform) guardianRequests(w http.ResponseWriter, r *http.Request) error {
	c, err := f.authenticate(r)
	if err != nil {
		return err
	}
	out := []api.GuardianRequest{}
	for _, a := range f.apps {
		if a.state == api.StateGuardian && a.guardian == c.wanghao {
			out = append(out, api.GuardianRequest{ApplicationID: a.id, DocumentType: a.docType, Name: "李*", Age: 15})
		}
	}
	httpx.WriteJSON(w, 200, api.GuardianRequestList{Requests: out})
	return nil
}

func (f *fakePlatform) guardianDecide(w http.ResponseWriter, r *http.Request) error {
	c, err := f.authenticate(r)
	if err != nil {
		return err
	}
	var req api.DecisionRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	a, ok := f.apps[r.PathValue("id")]
	if !ok || a.guardian != c.wanghao || a.state != api.StateGuardian {
		return problemOf(404, "guardian-request-not-found", "no such request for this guardian")
	}
	if err := f.checkPassword(c, req.Password); err != nil {
		return err
	}
	if req.Decision == "approve" {
		a.state, a.nonce = api.StateDevice, "nonce-"+f.random()
	} else {
		a.state = api.StateDeclined
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// testFace is the DG2 of test documents (a JPEG signature is enough for
// chip.Parse, which checks structure only).
var testFace = []byte{0xFF, 0xD8, 0xFF, 0xE0, 'f', 'a', 'c', 'e'}

// writeDocument writes a chip container for a resident ID card holder born
// on birth and returns its path.
func writeDocument(t testing.TB, dir string, birth document.Date) string {
	t.Helper()
	number, err := document.MakeNumber18("110101", birth, 12)
	if err != nil {
		t.Fatal(err)
	}
	id := document.Identity{
		Type: document.ResidentIDCard, Number: number, Name: "张三", Sex: document.Male, Birth: birth,
		IssuingAuthority: "北京市公安局东城分局", ValidFrom: document.Date{Year: 2020, Month: 1, Day: 1},
		ValidUntil: document.Date{Year: 2040, Month: 1, Day: 1},
	}
	dg1, err := json.Marshal(id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := chip.Data{DG1: dg1, DG2: testFace, SOD: []byte{0x30, 0x03, 0x02, 0x01, 0x01}}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("doc-%d.json", birth.Year))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	adultBirth = document.Date{Year: 1990, Month: 5, Day: 17}
	teenBirth  = document.Date{Year: 2010, Month: 7, Day: 1} // 15 on testNow
	childBirth = document.Date{Year: 2018, Month: 2, Day: 3} // 8 on testNow
)

// fakeLiveness attests in the fake platform's format.
type fakeLiveness struct {
	err   error
	calls int
}

func (l *fakeLiveness) Attest(_ context.Context, r liveness.Request) (string, error) {
	l.calls++
	if l.err != nil {
		return "", l.err
	}
	return testAttestation(r), nil
}

// options are ApplyOptions for the fake platform: everything answers
// correctly.
func (f *fakePlatform) options(t testing.TB, birth document.Date) ApplyOptions {
	t.Helper()
	dir := t.TempDir()
	return ApplyOptions{
		Dir:          filepath.Join(dir, "wallet"),
		DocumentPath: writeDocument(t, dir, birth),
		Phone:        testPhone,
		Prompter: &PromptFuncs{
			SecretFunc: OneSecret(testPassword),
			CodeFunc:   func(context.Context, SMS) (string, error) { return testCode, nil },
		},
		Liveness: &fakeLiveness{},
		Evidence: func(_ context.Context, _, childRef, guardian string) (string, error) {
			return testEvidence(childRef, guardian), nil
		},
		Now: func() time.Time { return testNow },
		KDF: testKDF,
	}
}

// adult runs an adult's application to the end and returns the unlocked
// wallet, for use as a guardian.
func (f *fakePlatform) adult(t testing.TB) *Unlocked {
	t.Helper()
	o := f.options(t, adultBirth)
	if _, err := Apply(context.Background(), f.client(), o); err != nil {
		t.Fatalf("adult Apply: %v", err)
	}
	w, err := Open(o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	u, err := w.Unlock(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var errBoom = errors.New("boom")

// prompts is the PromptFuncs of options o, for a test to change.
func prompts(o ApplyOptions) *PromptFuncs { return o.Prompter.(*PromptFuncs) }
