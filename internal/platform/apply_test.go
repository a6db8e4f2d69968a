package platform_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/netnum"
	netperson "github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/storage"
)

// backends runs fn on SQLite and, when NETID_TEST_POSTGRES_DSN is set, on
// PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "") })
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
		}
		fn(t, freshSchema(t, dsn))
	})
}

func TestApplyAdultEndToEnd(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		p := adult(t)
		h := e.apply(p)

		if _, err := netnum.Parse(h.wanghao); err != nil {
			t.Fatalf("issued 网号 is malformed: %v", err)
		}
		c, err := credential.Verify(h.credential, e.jwks(), e.clock.Now())
		if err != nil {
			t.Fatalf("issued credential does not verify with the published JWKS: %v", err)
		}
		if c.Claims.Wanghao != h.wanghao || c.Claims.VCT != credential.VCTWangzheng || c.Claims.Issuer != e.url {
			t.Fatalf("claims: %+v", c.Claims)
		}
		if thumb(t, c.Claims.Holder) != thumb(t, &jose.JSONWebKey{Key: h.key.Public()}) {
			t.Fatal("credential is not bound to the device key")
		}
		for claim, want := range map[string]any{"age_over_14": true, "age_over_16": true, "age_over_18": true, "age_over_60": false, "name": p.identity.Name, "document_number": p.identity.Number} {
			if c.Disclosed[claim] != want {
				t.Errorf("disclosure %s = %v, want %v", claim, c.Disclosed[claim], want)
			}
		}
		// The issuer-signed part holds no plaintext identity data.
		jwtPart := strings.SplitN(h.credential, "~", 2)[0]
		payload, err := base64.RawURLEncoding.DecodeString(strings.Split(jwtPart, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{p.identity.Name, p.identity.Number, p.identity.Birth.String(), p.identity.Address} {
			if bytes.Contains(payload, []byte(secret)) {
				t.Fatalf("issuer-signed payload contains plaintext identity data")
			}
		}
		if !c.Claims.ExpiresAt.Before(time.Date(2040, 1, 2, 0, 0, 0, 0, document.Zone).Add(time.Second)) {
			t.Fatalf("credential outlives the document: %v", c.Claims.ExpiresAt)
		}

		// A presentation verifies offline with the published keys.
		pres, err := credential.Present(h.credential, []string{"age_over_18"}, h.key, "https://shop.example", "n-1", e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		pc, err := credential.VerifyPresentation(pres, credential.PresentationOptions{Keys: e.jwks(), Audience: "https://shop.example", Nonce: "n-1", Now: e.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if len(pc.Disclosed) != 1 || pc.Disclosed["age_over_18"] != true {
			t.Fatalf("presentation disclosed %v, want only age_over_18", pc.Disclosed)
		}

		// The holder sees their credential through a device-signed request.
		var info map[string]string
		must(t, e.holderCall(h, "GET", "/v1/holder/credential", nil), http.StatusOK).json(t, &info)
		if info["wanghao"] != h.wanghao || info["status"] != "active" {
			t.Fatalf("holder credential: %v", info)
		}

		// Nothing personal reached the logs, though they were written at
		// debug level and every request was logged.
		logs := e.logs.String()
		if !strings.Contains(logs, "/v1/applications/{id}/credential") {
			t.Fatalf("requests were not logged:\n%s", logs)
		}
		for what, secret := range map[string]string{"name": p.identity.Name, "number": p.identity.Number, "phone": p.phone, "phone digits": p.phone[3:], "password": p.password, "wanghao": h.wanghao} {
			if strings.Contains(logs, secret) {
				t.Errorf("the logs contain the %s", what)
			}
		}
	})
}

func thumb(t *testing.T, k *jose.JSONWebKey) string {
	t.Helper()
	b, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func statusOf(t *testing.T, e *env, h *holderKey) byte {
	t.Helper()
	c, err := credential.Verify(h.credential, e.jwks(), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(c.Claims.Status.URI, e.url)
	r := must(t, e.call("GET", path, "", nil), http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/statuslist+jwt" {
		t.Fatalf("status list Content-Type %q", ct)
	}
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Fatalf("status list Cache-Control %q", cc)
	}
	l, _, err := statuslist.Verify(string(r.body), e.jwks(), c.Claims.Status.URI, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	v, err := l.Get(c.Claims.Status.Index)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Applying again (a new device) gives the same 网号 and revokes the old
// credential, which the status list shows once its cached copy expires.
func TestReapplyKeepsWanghaoAndRevokesOldCredential(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		p := adult(t)
		first := e.apply(p)
		if got := statusOf(t, e, first); got != statuslist.Valid {
			t.Fatalf("new credential status %d", got)
		}
		e.clock.Advance(2 * time.Minute) // past the SMS resend interval
		second := e.apply(p)
		if second.wanghao != first.wanghao {
			t.Fatalf("re-application changed the 网号")
		}
		if second.credentialID == first.credentialID {
			t.Fatal("re-application reused the credential")
		}
		e.clock.Advance(e.p.Config.StatusTTL + time.Second)
		if got := statusOf(t, e, first); got != statuslist.Invalid {
			t.Fatalf("superseded credential status %d, want INVALID", got)
		}
		if got := statusOf(t, e, second); got != statuslist.Valid {
			t.Fatalf("new credential status %d", got)
		}
		// The old device can no longer act as the holder.
		if typ := e.holderCall(first, "GET", "/v1/holder/credential", nil).problemType(t); typ != "credential-inactive" {
			t.Fatalf("old device: %s", typ)
		}
		// Another person gets another 网号.
		other := e.apply(adult(t))
		if other.wanghao == first.wanghao {
			t.Fatal("two people share a 网号")
		}
	})
}

func TestTwoApplicationsRaceForTheSamePerson(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	p2 := p
	p2.phone = adult(t).phone
	a1, a2 := e.start(p.identity.Type), e.start(p.identity.Type)
	v1, v2 := e.through(p, a1, "device"), e.through(p2, a2, "device")
	var wg sync.WaitGroup
	results := make([]*holderKey, 2)
	for i, x := range []struct {
		a app
		v view
	}{{a1, v1}, {a2, v2}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.issue(x.a, x.v)
		}()
	}
	wg.Wait()
	if results[0].wanghao != results[1].wanghao {
		t.Fatal("racing applications for one person got two 网号")
	}
	e.clock.Advance(e.p.Config.StatusTTL + time.Second)
	valid := 0
	for _, h := range results {
		if statusOf(t, e, h) == statuslist.Valid {
			valid++
		}
	}
	if valid != 1 {
		t.Fatalf("%d usable credentials for one person, want 1", valid)
	}
}

func TestIssueRaceOnOneApplication(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		p := adult(t)
		a := e.start(p.identity.Type)
		v := e.through(p, a, "device")
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				r := e.call("POST", "/v1/applications/"+a.ID+"/credential", a.Token, map[string]any{"proof": deviceProof(t, key, e.url, v.DeviceNonce, e.clock.Now())})
				statuses[i] = r.status
			}()
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			if s == http.StatusCreated {
				ok++
			}
		}
		if ok != 1 {
			t.Fatalf("%d issuances from one application (statuses %v), want 1", ok, statuses)
		}
	})
}

func TestPublicDocuments(t *testing.T) {
	e := newEnv(t, "")
	for _, path := range []string{"/healthz", "/readyz", "/.well-known/jwt-vc-issuer", "/.well-known/netid-configuration"} {
		must(t, e.call("GET", path, "", nil), http.StatusOK)
	}
	set := e.jwks()
	var algs []string
	for _, k := range set.Keys {
		if !k.IsPublic() || k.KeyID == "" || k.Use != "sig" {
			t.Fatalf("JWKS: %+v", set)
		}
		algs = append(algs, k.Algorithm)
	}
	if !slices.Equal(algs, []string{"ES256", "RS256"}) {
		t.Fatalf("JWKS algorithms %v, want the ES256 key and the RS256 key of ID tokens", algs)
	}
	e.apply(adult(t))
	m := must(t, e.call("GET", "/metrics", "", nil), http.StatusOK)
	if !bytes.Contains(m.body, []byte("/v1/applications/{id}/credential")) {
		t.Fatal("metrics do not count requests by route")
	}
	if typ := must(t, e.call("GET", "/status/999", "", nil), http.StatusNotFound).problemType(t); typ != "status-list-not-found" {
		t.Fatal(typ)
	}
	if typ := must(t, e.call("GET", "/nope", "", nil), http.StatusNotFound).problemType(t); typ != "not-found" {
		t.Fatal(typ)
	}
}

func TestKeyRotationKeepsOldKeyPublished(t *testing.T) {
	e := newEnv(t, "")
	before := e.apply(adult(t))
	if _, err := e.p.Keys.Rotate(context.Background(), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	set := e.jwks()
	if len(set.Keys) != 4 {
		t.Fatalf("JWKS has %d keys after rotation, want 4 (ES256 and RS256, new and retired)", len(set.Keys))
	}
	if _, err := credential.Verify(before.credential, set, e.clock.Now()); err != nil {
		t.Fatalf("credential signed by the retired key no longer verifies: %v", err)
	}
	cb, _ := credential.Verify(before.credential, set, e.clock.Now())
	// Until the new key has been published long enough for every replica
	// to have reloaded, the replaced key signs.
	during := e.apply(adult(t))
	cd, err := credential.Verify(during.credential, set, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if cd.KeyID != cb.KeyID {
		t.Fatal("the new key signed before it propagated")
	}
	e.clock.Advance(platform.KeyPropagationFactor*platform.KeyReloadInterval + time.Second)
	if err := e.p.Keys.Reload(context.Background(), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	after := e.apply(adult(t))
	ca, err := credential.Verify(after.credential, set, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if ca.KeyID == cb.KeyID {
		t.Fatal("new credential was signed with the retired key")
	}
}

// Documents and numbers: the chip checks reach the API as problem types.
func TestDocumentRejections(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	submit := func(chipJSON []byte) response {
		a := e.start(p.identity.Type)
		return e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": json.RawMessage(chipJSON)})
	}
	good := e.chip(p)
	var d map[string]string
	if err := json.Unmarshal(good, &d); err != nil {
		t.Fatal(err)
	}
	alter := func(field string) []byte {
		b, _ := base64.StdEncoding.DecodeString(d[field])
		b[len(b)/2] ^= 1
		m := map[string]string{"dg1": d["dg1"], "dg2": d["dg2"], "sod": d["sod"]}
		m[field] = base64.StdEncoding.EncodeToString(b)
		out, _ := json.Marshal(m)
		return out
	}
	// A document signed by an authority outside the trust list.
	ca, caKey, err := chip.NewCA("Rogue CSCA", e.clock.Now().AddDate(-1, 0, 0), e.clock.Now().AddDate(5, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	rogue, err := chip.NewDocumentSigner(ca, caKey, "Rogue DS", e.clock.Now().AddDate(-1, 0, 0), e.clock.Now().AddDate(5, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	rogueData, err := rogue.Sign(p.identity, p.face, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	rogueJSON, _ := json.Marshal(rogueData)
	expired := p
	expired.identity.ValidUntil = document.DateOf(e.clock.Now().AddDate(0, 0, -2))
	wrongSex := p
	wrongSex.identity.Sex = document.Female
	badNumber := p
	badNumber.identity.Number = p.identity.Number[:17] + map[bool]string{true: "1", false: "2"}[p.identity.Number[17] != '1']

	cases := []struct {
		name   string
		chip   []byte
		status int
		typ    string
	}{
		{"identity altered", alter("dg1"), 422, "chip-data-altered"},
		{"face altered", alter("dg2"), 422, "chip-data-altered"},
		{"security object altered", alter("sod"), 0, ""},
		{"untrusted signer", rogueJSON, 422, "untrusted-document-signer"},
		{"expired document", e.chip(expired), 422, "document-expired"},
		{"sex disagrees with the number", e.chip(wrongSex), 422, "document-number-mismatch"},
		{"invalid check character", e.chip(badNumber), 422, "invalid-document-number"},
		{"not chip data", []byte(`{"dg1":"AA==","dg2":"AA==","sod":"AA=="}`), 400, "malformed-chip-data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := submit(c.chip)
			if c.status == 0 { // any rejection of the right family
				if r.status < 400 || r.status >= 500 {
					t.Fatalf("altered security object accepted or crashed: %d %s", r.status, r.body)
				}
				r.problemType(t)
				return
			}
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if typ := r.problemType(t); typ != c.typ {
				t.Fatalf("type %s, want %s", typ, c.typ)
			}
			if bytes.Contains(r.body, []byte(p.identity.Number)) || bytes.Contains(r.body, []byte(p.identity.Name)) {
				t.Fatal("problem document leaks personal data")
			}
		})
	}
	// A passport chip submitted to a resident ID application.
	a := e.start(document.Passport)
	if typ := e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": good}).problemType(t); typ != "document-type-mismatch" {
		t.Fatal(typ)
	}
}

// Strict request handling: every malformed request gets a problem document.
func TestRequestRejections(t *testing.T) {
	e := newEnv(t, "")
	a := e.start(document.ResidentIDCard)
	auth := map[string]string{"Authorization": "Bearer " + a.Token}
	big := `{"chip":"` + strings.Repeat("A", 2<<20) + `"}`
	cases := []struct {
		name, method, path, body string
		hdr                      map[string]string
		status                   int
		typ                      string
	}{
		{"malformed JSON", "POST", "/v1/applications", `{"document_type":`, nil, 400, "malformed-json"},
		{"unknown field", "POST", "/v1/applications", `{"document_type":"resident_id_card","admin":true}`, nil, 400, "unknown-field"},
		{"duplicate key", "POST", "/v1/applications", `{"document_type":"passport","document_type":"resident_id_card"}`, nil, 400, "duplicate-key"},
		{"trailing data", "POST", "/v1/applications", `{"document_type":"passport"} {}`, nil, 400, "trailing-data"},
		{"unknown document type", "POST", "/v1/applications", `{"document_type":"library_card"}`, nil, 422, "document-type-mismatch"},
		{"oversized body", "PUT", "/v1/applications/" + a.ID + "/document", big, auth, 413, "body-too-large"},
		{"wrong token", "GET", "/v1/applications/" + a.ID, "", map[string]string{"Authorization": "Bearer nope"}, 404, "application-not-found"},
		{"no token", "GET", "/v1/applications/" + a.ID, "", nil, 404, "application-not-found"},
		{"step out of order", "PUT", "/v1/applications/" + a.ID + "/password", `{"password":"27418596"}`, auth, 409, "wrong-state"},
		{"on behalf without a holder proof", "POST", "/v1/applications", `{"document_type":"resident_id_card","on_behalf":true}`, nil, 401, "holder-unauthenticated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			if c.body != "" {
				body = []byte(c.body)
			}
			r := e.raw(c.method, c.path, body, c.hdr)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, c.status, r.body)
			}
			if typ := r.problemType(t); typ != c.typ {
				t.Fatalf("type %s, want %s", typ, c.typ)
			}
		})
	}
	// The application survived all of that.
	if v := e.get(a); v.State != "document" {
		t.Fatalf("state %s", v.State)
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnvWith(t, "", func(c *config.Config) { c.RateLimit = 2 })
	limited := 0
	for range 20 {
		r := e.call("GET", "/healthz", "", nil)
		if r.status == http.StatusTooManyRequests {
			if typ := r.problemType(t); typ != "rate-limited" || r.header.Get("Retry-After") == "" {
				t.Fatalf("rate limited: %s, Retry-After %q", typ, r.header.Get("Retry-After"))
			}
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("20 requests at once from one address were not limited at 2 per second")
	}
	e.clock.Advance(10 * time.Second)
	must(t, e.call("GET", "/healthz", "", nil), http.StatusOK)
}

func TestApplicationExpires(t *testing.T) {
	e := newEnv(t, "")
	a := e.start(document.ResidentIDCard)
	e.clock.Advance(31 * time.Minute)
	if typ := must(t, e.call("GET", "/v1/applications/"+a.ID, a.Token, nil), http.StatusGone).problemType(t); typ != "application-expired" {
		t.Fatal(typ)
	}
}

// TestPhotoKeptSealed: issuance keeps the chip's face image on the person,
// sealed (for in-person checks), and not inside the sealed identity.
func TestPhotoKeptSealed(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	stored, err := e.p.Store.GetPersonByWanghao(e.ctx, h.wanghao)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Photo) == 0 || bytes.Contains(stored.Photo, p.face) {
		t.Fatalf("photo stored as %d bytes, plaintext: %v", len(stored.Photo), bytes.Contains(stored.Photo, p.face))
	}
	photo, err := e.p.Server.Proofing.Sealer.Open(stored.Photo, netperson.AAD(stored.ID, netperson.FieldPhoto))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(photo, p.face) {
		t.Error("the stored photo is not the chip's face image")
	}
	identity, err := e.p.Server.Proofing.Sealer.Open(stored.Identity, netperson.AAD(stored.ID, netperson.FieldIdentity))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(identity, []byte(`"photo"`)) {
		t.Error("the sealed identity carries the photo too")
	}
}

// TestApplicationPhotoApart: while an application goes through its steps,
// the chip's face image is sealed in a row of its own, not in the sealed
// identity each step opens; issuance moves it to the person and leaves
// none behind.
func TestApplicationPhotoApart(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	a := e.start(p.identity.Type)
	e.through(p, a, "phone")
	app, err := e.p.Store.GetApplication(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	sealer := e.p.Server.Proofing.Sealer
	identity, err := sealer.Open(app.Identity, []byte("application:"+a.ID+":identity"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(identity, []byte(`"photo"`)) {
		t.Error("the application's sealed identity carries the photo")
	}
	sealed, err := e.p.Store.GetApplicationPhoto(e.ctx, a.ID)
	if err != nil {
		t.Fatalf("no photo kept for the application: %v", err)
	}
	if bytes.Contains(sealed, p.face) {
		t.Error("the application's photo is kept in plaintext")
	}
	photo, err := sealer.Open(sealed, []byte("application:"+a.ID+":photo"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(photo, p.face) {
		t.Error("the application's photo is not the chip's face image")
	}
	h := e.issue(a, e.through(p, a, "device"))
	if _, err := e.p.Store.GetApplicationPhoto(e.ctx, a.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the application's photo after issuance: %v, want none", err)
	}
	e.wantPersonPhoto(h, p.face)
}

// wantPersonPhoto checks that the person of h holds face, sealed as their
// photo.
func (e *env) wantPersonPhoto(h *holderKey, face []byte) {
	e.t.Helper()
	stored, err := e.p.Store.GetPersonByWanghao(e.ctx, h.wanghao)
	if err != nil {
		e.t.Fatal(err)
	}
	got, err := e.p.Server.Proofing.Sealer.Open(stored.Photo, netperson.AAD(stored.ID, netperson.FieldPhoto))
	if err != nil || !bytes.Equal(got, face) {
		e.t.Errorf("the person's photo after issuance: %d bytes, %v; want the chip's face image", len(got), err)
	}
}

// TestApplicationPhotoInIdentity: an application whose document step ran
// before the photo was kept apart has it inside its sealed identity;
// issuance finds it there.
func TestApplicationPhotoInIdentity(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	a := e.start(p.identity.Type)
	e.through(p, a, "phone")
	sealer := e.p.Server.Proofing.Sealer
	aad := []byte("application:" + a.ID + ":identity")
	_, err := e.p.Store.UpdateApplication(e.ctx, a.ID, func(app storage.Application) (storage.Application, error) {
		plain, err := sealer.Open(app.Identity, aad)
		if err != nil {
			return app, err
		}
		var pr netperson.Proofed
		if err := json.Unmarshal(plain, &pr); err != nil {
			return app, err
		}
		pr.Photo = p.face
		if plain, err = json.Marshal(pr); err != nil {
			return app, err
		}
		app.Identity, err = sealer.Seal(plain, aad)
		return app, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Store.TakeApplicationPhoto(e.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	h := e.issue(a, e.through(p, a, "device"))
	e.wantPersonPhoto(h, p.face)
}

// TestStatusListCaching: the status list says how long it may be cached,
// carries an entity tag, and answers a conditional request with 304 until
// a status changes.
func TestStatusListCaching(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	c, err := e.p.Store.GetCredential(e.ctx, h.credentialID)
	if err != nil {
		t.Fatal(err)
	}
	path := "/status/" + c.StatusList
	first := must(t, e.call("GET", path, "", nil), http.StatusOK)
	etag := first.header.Get("ETag")
	if cc := first.header.Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") || etag == "" {
		t.Fatalf("Cache-Control %q, ETag %q", cc, etag)
	}
	if ct := first.header.Get("Content-Type"); ct != "application/statuslist+jwt" {
		t.Errorf("Content-Type %q", ct)
	}
	r := must(t, e.raw("GET", path, nil, map[string]string{"If-None-Match": `"other", ` + etag}), http.StatusNotModified)
	if len(r.body) != 0 || r.header.Get("ETag") != etag {
		t.Errorf("304 with body %q, ETag %q", r.body, r.header.Get("ETag"))
	}
	must(t, e.raw("GET", path, nil, map[string]string{"If-None-Match": `"other"`}), http.StatusOK)

	// A suspension is published once the cached list's time is up.
	if _, err := e.p.Store.UpdateCredential(e.ctx, h.credentialID, func(c storage.Credential) (storage.Credential, error) {
		c.Status, c.StatusBy = storage.CredentialSuspended, storage.StatusByOperator
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(e.p.Server.Status.TTL + time.Second)
	r = e.raw("GET", path, nil, map[string]string{"If-None-Match": etag})
	if r.status != http.StatusOK || r.header.Get("ETag") == etag {
		t.Errorf("after a status change and the ttl: %d, ETag %q (was %q)", r.status, r.header.Get("ETag"), etag)
	}
}

// TestIssuedApplicationKeepsNoPersonalData: after issuance the person
// holds what the application proved; the application record keeps none of
// it (so cancelling the person wipes it everywhere).
func TestIssuedApplicationKeepsNoPersonalData(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	a := e.start(p.identity.Type)
	before, err := e.p.Store.GetApplication(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	v := e.through(p, a, "device")
	mid, err := e.p.Store.GetApplication(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(mid.Identity) == 0 || len(mid.Phone) == 0 || mid.PasswordHash == "" {
		t.Fatal("the application lacks its data before issuance")
	}
	e.issue(a, v)
	after, err := e.p.Store.GetApplication(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.State != storage.StateIssued || len(after.Identity) != 0 || len(after.Phone) != 0 || after.PasswordHash != "" {
		t.Errorf("issued application keeps identity %d bytes, phone %d bytes, password hash %v", len(after.Identity), len(after.Phone), after.PasswordHash != "")
	}
	if after.ID != before.ID || after.CredentialID == "" {
		t.Errorf("issued application %+v", after)
	}
	// The view of an issued application still answers.
	if got := e.get(a); got.State != "issued" {
		t.Errorf("view after issuance: %+v", got)
	}
}
