package platform_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/verifierdevice"
)

// verifierTerminal is an enrolled verifier terminal in a test: its key and ID.
type verifierTerminal struct {
	id  string
	key *ecdsa.PrivateKey
}

// addDevice adds a terminal to an in-person relying party through the
// admin API and returns its enrolment code.
func (e *env) addDevice(rpID, name string) api.VerifierDeviceAdded {
	e.t.Helper()
	var a api.VerifierDeviceAdded
	must(e.t, e.call("POST", "/v1/admin/verifier-devices", adminToken, map[string]any{"rp_id": rpID, "name": name}), http.StatusCreated).json(e.t, &a)
	return a
}

// enrolDevice enrols a terminal with code and a new key.
func (e *env) enrolDevice(code string) (verifierTerminal, response) {
	e.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	proof, err := verifierdevice.EnrolProof(key, code, e.url, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	r := e.call("POST", "/v1/eid/devices/enrol", "", map[string]any{"proof": proof})
	var s api.VerifierSession
	if r.status == http.StatusCreated {
		r.json(e.t, &s)
	}
	return verifierTerminal{id: s.Device.ID, key: key}, r
}

// deviceCall makes a request signed by a terminal's key.
func (e *env) deviceCall(d verifierTerminal, method, path string, body any) response {
	e.t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	proof, err := verifierdevice.Sign(d.key, d.id, method, e.url+path, b, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return e.raw(method, path, b, map[string]string{verifierdevice.Header: proof})
}

// TestVerifierTerminal: an operator adds a terminal to a hotel, the
// terminal enrols once with its own key, checks eID codes with requests
// its key signs (no client secret), and stops working once revoked.
func TestVerifierTerminal(t *testing.T) {
	e := lifecycleEnv(t)
	h := e.apply(adult(t))
	e.registerInPerson("hotel-t", "hotel: 《旅馆业治安管理办法》第六条", eidClaims...)
	e.registerInPerson("shop-t", "age_check: 《未成年人保护法》", "age_over_18")

	added := e.addDevice("hotel-t", "前台 1")
	if added.Device.State != api.VerifierDevicePending || len(added.Code) != 19 {
		t.Fatalf("added %+v", added)
	}
	d, r := e.enrolDevice(added.Code)
	must(t, r, http.StatusCreated)
	var s api.VerifierSession
	r.json(t, &s)
	if s.RPName != "核验点 hotel-t" || s.Kind != api.InPersonHotel || s.Device.State != api.VerifierDeviceActive || len(s.Fields) == 0 {
		t.Fatalf("session %+v", s)
	}
	// The code works once.
	if _, r := e.enrolDevice(added.Code); r.problemType(t) != "verifier-enrol-code-invalid" {
		t.Fatalf("the code again: %d %s", r.status, r.body)
	}

	// The terminal's own view, and a check signed by its key.
	must(t, e.deviceCall(d, "GET", "/v1/eid/device", nil), http.StatusOK)
	var res api.EIDResult
	must(t, e.deviceCall(d, "POST", "/v1/eid/verify", map[string]any{"payload": e.eidPayload(h)}), http.StatusOK).json(t, &res)
	if !res.Verified || res.Kind != api.InPersonHotel || res.NameMasked == "" || res.Photo == "" {
		t.Fatalf("result %+v", res)
	}
	// The holder's history names the hotel.
	var hist api.History
	must(t, e.holderCall(h, "GET", "/v1/wallet/history", nil), http.StatusOK).json(t, &hist)
	if !strings.Contains(string(must(t, e.holderCall(h, "GET", "/v1/wallet/history", nil), http.StatusOK).body), "核验点 hotel-t") {
		t.Fatal("the check is not in the holder's history")
	}

	// A proof for another body, a replayed proof, no proof at all.
	payload := map[string]any{"payload": e.eidPayload(h)}
	b, _ := json.Marshal(payload)
	proof, _ := verifierdevice.Sign(d.key, d.id, "POST", e.url+"/v1/eid/verify", []byte(`{"payload":"NETIDEID1.other"}`), e.clock.Now())
	if r := e.raw("POST", "/v1/eid/verify", b, map[string]string{verifierdevice.Header: proof}); r.problemType(t) != "verifier-device-unauthenticated" {
		t.Fatalf("a proof of another body: %d %s", r.status, r.body)
	}
	proof, _ = verifierdevice.Sign(d.key, d.id, "POST", e.url+"/v1/eid/verify", b, e.clock.Now())
	must(t, e.raw("POST", "/v1/eid/verify", b, map[string]string{verifierdevice.Header: proof}), http.StatusOK)
	if r := e.raw("POST", "/v1/eid/verify", b, map[string]string{verifierdevice.Header: proof}); r.problemType(t) != "verifier-device-unauthenticated" {
		t.Fatalf("a replayed proof: %d %s", r.status, r.body)
	}
	if r := e.raw("POST", "/v1/eid/verify", b, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("no proof, no client: %d %s", r.status, r.body)
	}

	// The operator lists and revokes it.
	var list api.VerifierDeviceList
	must(t, e.call("GET", "/v1/admin/verifier-devices?rp_id=hotel-t", adminToken, nil), http.StatusOK).json(t, &list)
	if len(list.Devices) != 1 || list.Devices[0].ID != d.id || list.Devices[0].State != api.VerifierDeviceActive {
		t.Fatalf("list %+v", list)
	}
	if r := e.call("GET", "/v1/admin/verifier-devices", "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("listing without the admin token: %d", r.status)
	}
	must(t, e.call("POST", "/v1/admin/verifier-devices/"+d.id+"/revoke", adminToken, map[string]any{"reason": "终端丢失"}), http.StatusOK)
	if r := e.deviceCall(d, "POST", "/v1/eid/verify", map[string]any{"payload": e.eidPayload(h)}); r.problemType(t) != "verifier-device-revoked" {
		t.Fatalf("a revoked terminal: %d %s", r.status, r.body)
	}
	if r := e.call("POST", "/v1/admin/verifier-devices/vd_nope/revoke", adminToken, map[string]any{"reason": "x"}); r.problemType(t) != "verifier-device-not-found" {
		t.Fatalf("revoking a missing terminal: %d %s", r.status, r.body)
	}

	// Only in-person relying parties get terminals.
	if r := e.call("POST", "/v1/admin/verifier-devices", adminToken, map[string]any{"rp_id": "nobody", "name": "x"}); r.problemType(t) != "rp-not-found" {
		t.Fatalf("an unknown relying party: %d %s", r.status, r.body)
	}
	if r := e.call("POST", "/v1/admin/verifier-devices", adminToken, map[string]any{"rp_id": "hotel-t", "name": ""}); r.problemType(t) != "verifier-device-invalid" {
		t.Fatalf("no name: %d %s", r.status, r.body)
	}
}

// TestVerifierTerminalByRelyingParty: a relying party adds, lists and
// revokes its own terminals with its client authentication, and only its
// own.
func TestVerifierTerminalByRelyingParty(t *testing.T) {
	e := lifecycleEnv(t)
	hotel := e.registerInPerson("hotel-r", "hotel: x", eidClaims...)
	other := e.registerInPerson("hotel-o", "hotel: x", eidClaims...)
	var added api.VerifierDeviceAdded
	must(t, e.rpCall(hotel, "POST", "/v1/eid/devices", map[string]any{"name": "2 号窗口"}), http.StatusCreated).json(t, &added)
	d, r := e.enrolDevice(added.Code)
	must(t, r, http.StatusCreated)
	var list api.VerifierDeviceList
	must(t, e.rpCall(hotel, "GET", "/v1/eid/devices", nil), http.StatusOK).json(t, &list)
	if len(list.Devices) != 1 || list.Devices[0].ID != d.id {
		t.Fatalf("list %+v", list)
	}
	must(t, e.rpCall(other, "GET", "/v1/eid/devices", nil), http.StatusOK).json(t, &list)
	if len(list.Devices) != 0 {
		t.Fatalf("another hotel sees %+v", list)
	}
	if r := e.rpCall(other, "POST", "/v1/eid/devices/"+d.id+"/revoke", map[string]any{"reason": "x"}); r.problemType(t) != "verifier-device-not-found" {
		t.Fatalf("another hotel revokes it: %d %s", r.status, r.body)
	}
	var rev api.VerifierDevice
	must(t, e.rpCall(hotel, "POST", "/v1/eid/devices/"+d.id+"/revoke", map[string]any{"reason": "换新电脑"}), http.StatusOK).json(t, &rev)
	if rev.State != api.VerifierDeviceRevoked || rev.RevokedBy != verifierdevice.ByRelyingParty {
		t.Fatalf("revoked %+v", rev)
	}
}

// TestVerifierEnrolRace: racing enrolments with one code, exactly one
// terminal.
func TestVerifierEnrolRace(t *testing.T) {
	e := lifecycleEnv(t)
	e.registerInPerson("hotel-x", "hotel: x", eidClaims...)
	added := e.addDevice("hotel-x", "desk")
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, r := e.enrolDevice(added.Code)
			statuses[i] = r.status
		})
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			ok++
		case http.StatusBadRequest:
		default:
			t.Errorf("racing enrolment: %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d enrolments won (%v), want 1", ok, statuses)
	}
}

// TestEIDVerifierPageServed: /verify/eid is the web wallet's page, under
// its policies, with no field for a client secret.
func TestEIDVerifierPageServed(t *testing.T) {
	e := newEnv(t, "")
	r := must(t, e.raw("GET", "/verify/eid", nil, map[string]string{"Accept-Language": "zh-CN"}), http.StatusOK)
	body := string(r.body)
	if !strings.Contains(r.header.Get("Content-Security-Policy"), "script-src 'self'") || r.header.Get("Cache-Control") != "no-store" ||
		!strings.Contains(body, `id="enrol-code"`) || strings.Contains(body, "client_secret") || !strings.Contains(body, "电子身份证核验") ||
		!strings.Contains(body, "/wallet/static/pages/verifier.js") {
		t.Fatalf("page: %v\n%s", r.header, body)
	}
}

// TestVerifierTerminalLimits: a terminal's checks count against its
// relying party's limit, and failed proofs against the address, as client
// authentication does.
func TestVerifierTerminalLimits(t *testing.T) {
	e := newEnvWith(t, "", func(c *config.Config) { c.RateLimit, c.ClientRateLimit = 2, 10 })
	e.registerInPerson("hotel-l", "hotel: x", eidClaims...)
	added, err := e.p.Server.Verifiers.Add(e.ctx, "hotel-l", "desk")
	if err != nil {
		t.Fatal(err)
	}
	d, r := e.enrolDevice(added.Code)
	must(t, r, http.StatusCreated)
	statuses := map[int]int{}
	for range 30 {
		statuses[e.deviceCall(d, "POST", "/v1/eid/verify", map[string]any{"payload": "NETIDEID1.x"}).status]++
	}
	if statuses[http.StatusBadRequest] == 0 || statuses[http.StatusTooManyRequests] == 0 {
		t.Fatalf("30 checks at once (limit 10/s): %v", statuses)
	}
	e.clock.Advance(10 * time.Second)
	forged := verifierTerminal{id: d.id, key: mustKey(t)}
	statuses = map[int]int{}
	for range 10 {
		statuses[e.deviceCall(forged, "POST", "/v1/eid/verify", map[string]any{"payload": "NETIDEID1.x"}).status]++
	}
	if statuses[http.StatusUnauthorized] != 5 || statuses[http.StatusTooManyRequests] != 5 {
		t.Fatalf("10 forged proofs at once (limit 2/s, burst 5): %v", statuses)
	}
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
