package platform_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/devauthority"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/platform"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a running dev platform behind a real HTTP server.
type env struct {
	t     testing.TB
	p     *platform.Platform
	url   string
	clock *clock
	ctx   context.Context
	logs  *logBuffer
}

// fastPasswords keeps argon2id cheap in tests; production uses the defaults.
var fastPasswords = password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}

// logBuffer collects the platform's log output.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newEnv(t testing.TB, db string) *env { return newEnvWith(t, db, nil) }

// newEnvWith starts a platform; adjust changes its configuration. Rate
// limiting is off unless adjust turns it on: tests send many requests from
// one address.
func newEnvWith(t testing.TB, db string, adjust func(*config.Config)) *env {
	t.Helper()
	return newEnvOpt(t, db, adjust, platform.Options{})
}

// newEnvOpt is newEnvWith with platform options (the clock and, unless
// opt sets them, fast password parameters are the harness's).
func newEnvOpt(t testing.TB, db string, adjust func(*config.Config), opt platform.Options) *env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("test", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.MasterKeyFile = cfg.DataDir + "/master.key"
	cfg.TrustDir = cfg.DataDir + "/trust"
	cfg.Dev = true
	cfg.DB = db
	cfg.RateLimit, cfg.ClientRateLimit = 0, 0
	if adjust != nil {
		adjust(&cfg)
	}
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + ln.Addr().String()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	logs := &logBuffer{}
	var logOut io.Writer = logs
	if testing.Verbose() {
		logOut = io.MultiWriter(logs, os.Stderr)
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opt.Now = clk.Now
	if opt.PasswordParams == (password.Params{}) {
		opt.PasswordParams = fastPasswords
	}
	p, err := platform.Open(context.Background(), cfg, log, opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: p.Handler}}
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		p.Close()
	})
	return &env{t: t, p: p, url: cfg.PublicURL, clock: clk, ctx: context.Background(), logs: logs}
}

// response is an HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// problemType returns the problem document's type slug, failing the test if
// the answer is not a problem document.
func (r response) problemType(t testing.TB) string {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("status %d, Content-Type %q, want a problem document; body %s", r.status, ct, r.body)
	}
	var p map[string]any
	r.json(t, &p)
	typ, _ := p["type"].(string)
	if int(p["status"].(float64)) != r.status {
		t.Fatalf("problem status %v differs from HTTP status %d", p["status"], r.status)
	}
	if msg := r.titleMismatch(); msg != "" {
		t.Fatal(msg)
	}
	return strings.TrimPrefix(typ, "https://netid.dev/problems/")
}

// titleMismatch says how a problem document's title is not the message
// catalogue's for its type in the answer's Content-Language ("" when it
// is).
func (r response) titleMismatch() string {
	var p struct{ Type, Title string }
	if err := json.Unmarshal(r.body, &p); err != nil {
		return fmt.Sprintf("not a problem document: %v", err)
	}
	slug, ok := strings.CutPrefix(p.Type, "https://netid.dev/problems/")
	if !ok {
		return fmt.Sprintf("problem type %q is not netid's", p.Type)
	}
	lang, ok := i18n.Parse(r.header.Get("Content-Language"))
	if !ok {
		return fmt.Sprintf("problem %s: Content-Language %q", slug, r.header.Get("Content-Language"))
	}
	if !i18n.Has(i18n.ProblemTitle(slug)) || !i18n.Has(i18n.ProblemNext(slug)) {
		return fmt.Sprintf("problem %s has no messages in the catalogue", slug)
	}
	if want := i18n.Lookup(lang, i18n.ProblemTitle(slug)); p.Title != want {
		return fmt.Sprintf("problem %s: title %q, want the catalogue's %q (%s)", slug, p.Title, want, lang)
	}
	return ""
}

func (e *env) raw(method, path string, body []byte, hdr map[string]string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (e *env) call(method, path, token string, body any) response {
	e.t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	hdr := map[string]string{}
	if token != "" {
		hdr["Authorization"] = "Bearer " + token
	}
	return e.raw(method, path, b, hdr)
}

// holderCall makes a request authenticated by a holder proof.
func (e *env) holderCall(h *holderKey, method, path string, body any) response {
	e.t.Helper()
	proof, err := holder.Sign(h.key, h.credentialID, method, e.url+path, e.clock.Now(), rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	return e.raw(method, path, b, map[string]string{holder.Header: proof})
}

func must(t testing.TB, r response, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// person is a test applicant.
type person struct {
	identity document.Identity
	face     []byte
	phone    string
	password string
}

var seq = struct {
	sync.Mutex
	n int
}{}

// newPerson makes an applicant born on birth with a fresh, valid resident
// ID number and phone number.
func newPerson(t testing.TB, birth document.Date) person {
	seq.Lock()
	seq.n++
	n := seq.n
	seq.Unlock()
	// 450 numbers per birth date; beyond that (benchmarks) the birth date
	// moves a day earlier per 450 people.
	if n >= 450 {
		birth = document.DateOf(birth.Time().AddDate(0, 0, -n/450))
	}
	number, err := document.MakeNumber18("110105", birth, 2*(n%450)+1)
	if err != nil {
		t.Fatal(err)
	}
	id := document.Identity{
		Type: document.ResidentIDCard, Number: number, Name: fmt.Sprintf("测试%d号", n), Sex: document.Male,
		Ethnicity: "汉", Birth: birth, Address: "北京市朝阳区测试路1号", IssuingAuthority: "北京市公安局朝阳分局",
		ValidFrom: document.Date{Year: 2020, Month: 1, Day: 1}, ValidUntil: document.Date{Year: 2040, Month: 1, Day: 1},
	}
	return person{identity: id, face: devauthority.FaceImage(id.Name), phone: fmt.Sprintf("+8613%09d", 100000000+n*7919%899999999), password: "27418596"}
}

func adult(t testing.TB) person { return newPerson(t, document.Date{Year: 1985, Month: 6, Day: 15}) }

// chip mints the person's document with the dev authority.
func (e *env) chip(p person) json.RawMessage {
	e.t.Helper()
	d, err := e.p.Server.Dev.Documents.Mint(p.identity, p.face, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// app is an application in progress.
type app = api.StartedApplication

type view = api.Application

func (e *env) start(docType document.Type) app {
	e.t.Helper()
	var a app
	must(e.t, e.call("POST", "/v1/applications", "", map[string]any{"document_type": docType}), http.StatusCreated).json(e.t, &a)
	return a
}

func (e *env) get(a app) view {
	e.t.Helper()
	var v view
	must(e.t, e.call("GET", "/v1/applications/"+a.ID, a.Token, nil), http.StatusOK).json(e.t, &v)
	return v
}

// attest asks the dev liveness provider for an attestation of the face.
func (e *env) attest(a app, challenge string, face []byte) string {
	e.t.Helper()
	att, err := e.p.Server.Dev.Liveness.Attest(e.ctx, liveness.Request{Challenge: challenge, ApplicationID: a.ID, FaceImageHash: sha256.Sum256(face)})
	if err != nil {
		e.t.Fatal(err)
	}
	return att
}

func (e *env) smsCode(phone string) string {
	e.t.Helper()
	m, ok := e.p.Outbox.Latest(phone)
	if !ok {
		e.t.Fatalf("no SMS sent")
	}
	for _, f := range strings.FieldsFunc(m.Text, func(r rune) bool { return r < '0' || r > '9' }) {
		if len(f) == 6 {
			return f
		}
	}
	e.t.Fatalf("no code in the SMS")
	return ""
}

// holderKey is a wallet's device key and credential.
type holderKey struct {
	key          *ecdsa.PrivateKey
	credentialID string
	wanghao      string
	credential   string
}

func deviceProof(t testing.TB, key *ecdsa.PrivateKey, aud, nonce string, iat time.Time) string {
	t.Helper()
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType(credential.DeviceProofType)
	alg := jose.ES256
	if key.Curve != elliptic.P256() {
		alg = jose.ES384
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(map[string]any{"aud": aud, "nonce": nonce, "iat": iat.Unix()})
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// through walks an application from the document to the given state.
func (e *env) through(p person, a app, until api.ApplicationState) view {
	e.t.Helper()
	v := e.get(a)
	for v.State != until {
		switch v.State {
		case "document":
			must(e.t, e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": e.chip(p)}), http.StatusOK).json(e.t, &v)
		case "face":
			must(e.t, e.call("POST", "/v1/applications/"+a.ID+"/face", a.Token, map[string]any{"attestation": e.attest(a, v.FaceChallenge, p.face)}), http.StatusOK).json(e.t, &v)
		case "phone":
			must(e.t, e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": p.phone}), http.StatusAccepted)
			must(e.t, e.call("POST", "/v1/applications/"+a.ID+"/phone/verify", a.Token, map[string]any{"code": e.smsCode(p.phone)}), http.StatusOK).json(e.t, &v)
		case "password":
			must(e.t, e.call("PUT", "/v1/applications/"+a.ID+"/password", a.Token, map[string]any{"password": p.password}), http.StatusOK).json(e.t, &v)
		default:
			e.t.Fatalf("cannot go on from state %s towards %s", v.State, until)
		}
	}
	return v
}

// issue proves a new device key and returns the issued credential.
func (e *env) issue(a app, v view) *holderKey {
	e.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	var issued api.IssuedCredential
	must(e.t, e.call("POST", "/v1/applications/"+a.ID+"/credential", a.Token, map[string]any{"proof": deviceProof(e.t, key, e.url, v.DeviceNonce, e.clock.Now())}), http.StatusCreated).json(e.t, &issued)
	return &holderKey{key: key, credentialID: issued.CredentialID, wanghao: issued.Wanghao, credential: issued.Credential}
}

// apply runs a whole application for an adult.
func (e *env) apply(p person) *holderKey {
	e.t.Helper()
	a := e.start(p.identity.Type)
	return e.issue(a, e.through(p, a, "device"))
}

func (e *env) jwks() jose.JSONWebKeySet {
	e.t.Helper()
	var set jose.JSONWebKeySet
	must(e.t, e.call("GET", "/.well-known/jwks.json", "", nil), http.StatusOK).json(e.t, &set)
	return set
}

func guardianClaim(guardianWanghao, childRef string) guardian.Claim {
	return guardian.Claim{Guardian: guardianWanghao, ChildRef: childRef, Relationship: "parent"}
}
