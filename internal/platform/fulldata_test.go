package platform_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
)

// fullCheck checks h's code at terminal d asking for the full data, and
// returns the full-data request.
func (e *env) fullCheck(d verifierTerminal, h *holderKey) api.EIDFullDataRequest {
	e.t.Helper()
	var res api.EIDResult
	must(e.t, e.deviceCall(d, "POST", "/v1/eid/verify", map[string]any{"payload": e.eidPayload(h), "full_data": true}), http.StatusOK).json(e.t, &res)
	if !res.Verified || res.FullDataRequest == nil || res.NameMasked == "" {
		e.t.Fatalf("a full-data check: %+v", res)
	}
	return *res.FullDataRequest
}

func (e *env) collect(d verifierTerminal, id string) api.EIDFullData {
	e.t.Helper()
	var fd api.EIDFullData
	must(e.t, e.deviceCall(d, "GET", "/v1/eid/full-data/"+id, nil), http.StatusOK).json(e.t, &fd)
	return fd
}

func (e *env) fullPrompts(h *holderKey) []api.EIDFullDataPrompt {
	e.t.Helper()
	var out api.EIDFullDataPrompts
	must(e.t, e.holderCall(h, "GET", "/v1/wallet/eid/full-data", nil), http.StatusOK).json(e.t, &out)
	return out.Requests
}

// TestEIDFullData: a hotel's terminal asks for the full name and number;
// the holder sees exactly them on their device and approves with the
// credential password; the terminal receives them once, and the holder's
// history records the delivery with the full fields. A decline leaves the
// masked check standing and is recorded; verifiers whose kind does not
// allow it cannot ask; the holder's time runs out.
func TestEIDFullData(t *testing.T) {
	e := lifecycleEnv(t)
	p := adult(t)
	h := e.apply(p)
	e.registerInPerson("hotel-f", "hotel: 《旅馆业治安管理办法》第六条", eidClaims...)
	e.registerInPerson("train-f", "transport: 铁路旅客实名制购票规定", eidClaims...)
	e.registerInPerson("hotel-m", "hotel: x", "name", "photo") // not registered for the number
	enrol := func(rpID string) verifierTerminal {
		d, r := e.enrolDevice(e.addDevice(rpID, "desk").Code)
		must(t, r, http.StatusCreated)
		return d
	}
	hotel, train, narrow, other := enrol("hotel-f"), enrol("train-f"), enrol("hotel-m"), enrol("hotel-f")

	// The terminal knows whether it may ask.
	for _, c := range []struct {
		d    verifierTerminal
		want bool
	}{{hotel, true}, {train, false}, {narrow, false}} {
		var s api.VerifierSession
		must(t, e.deviceCall(c.d, "GET", "/v1/eid/device", nil), http.StatusOK).json(t, &s)
		if s.FullData != c.want {
			t.Errorf("%s: full_data %v, want %v", s.Device.RPID, s.FullData, c.want)
		}
	}
	// Those whose kind or registration does not allow it are refused, and
	// the code stays unused.
	code := e.eidPayload(h)
	for _, d := range []verifierTerminal{train, narrow} {
		if r := e.deviceCall(d, "POST", "/v1/eid/verify", map[string]any{"payload": code, "full_data": true}); r.problemType(t) != "eid-full-data-not-allowed" {
			t.Fatalf("full data at %s: %d %s", d.id, r.status, r.body)
		}
	}
	must(t, e.deviceCall(hotel, "POST", "/v1/eid/verify", map[string]any{"payload": code}), http.StatusOK)

	// Approve.
	req := e.fullCheck(hotel, h)
	if fd := e.collect(hotel, req.ID); fd.State != api.EIDFullDataPending || fd.Name != "" {
		t.Fatalf("before the holder answers: %+v", fd)
	}
	prompts := e.fullPrompts(h)
	if len(prompts) != 1 || prompts[0].ID != req.ID || prompts[0].Name != p.identity.Name || prompts[0].DocumentNumber != p.identity.Number ||
		prompts[0].RPName != "核验点 hotel-f" || prompts[0].Kind != api.InPersonHotel || prompts[0].Device != "desk" || prompts[0].LegalBasis == "" {
		t.Fatalf("the holder sees %+v", prompts)
	}
	answer := func(id string, body map[string]any) response {
		return e.holderCall(h, "POST", "/v1/wallet/eid/full-data/"+id, body)
	}
	if r := answer(req.ID, map[string]any{"decision": "approve"}); r.problemType(t) != "eid-full-data-password-required" {
		t.Fatalf("approving without the password: %d %s", r.status, r.body)
	}
	if r := answer(req.ID, map[string]any{"decision": "approve", "password": "11111111"}); r.status != http.StatusUnauthorized && r.status != http.StatusForbidden {
		t.Fatalf("approving with a wrong password: %d %s", r.status, r.body)
	}
	if fd := e.collect(hotel, req.ID); fd.State != api.EIDFullDataPending {
		t.Fatalf("after a wrong password: %+v", fd)
	}
	must(t, answer(req.ID, map[string]any{"decision": "approve", "password": p.password}), http.StatusNoContent)
	if r := answer(req.ID, map[string]any{"decision": "decline"}); r.problemType(t) != "eid-full-data-answered" {
		t.Fatalf("answering twice: %d %s", r.status, r.body)
	}
	// Another terminal of the same hotel cannot take it.
	if r := e.deviceCall(other, "GET", "/v1/eid/full-data/"+req.ID, nil); r.problemType(t) != "eid-full-data-not-found" {
		t.Fatalf("another terminal: %d %s", r.status, r.body)
	}
	if fd := e.collect(hotel, req.ID); fd.State != api.EIDFullDataProvided || fd.Name != p.identity.Name || fd.DocumentNumber != p.identity.Number {
		t.Fatalf("delivered: %+v", fd)
	}
	if fd := e.collect(hotel, req.ID); fd.State != api.EIDFullDataAlreadyProvided || fd.Name != "" || fd.DocumentNumber != "" {
		t.Fatalf("a second collection: %+v", fd)
	}
	if len(e.fullPrompts(h)) != 0 {
		t.Fatal("an answered request still waits")
	}

	// Decline: the masked check stands; the refusal is recorded.
	req = e.fullCheck(hotel, h)
	must(t, answer(req.ID, map[string]any{"decision": "decline"}), http.StatusNoContent)
	if fd := e.collect(hotel, req.ID); fd.State != api.EIDFullDataDeclined || fd.Name != "" {
		t.Fatalf("declined: %+v", fd)
	}

	// The holder's history: the masked checks, the delivery with the full
	// fields, the refusal.
	var hist api.History
	must(t, e.holderCall(h, "GET", "/v1/wallet/history", nil), http.StatusOK).json(t, &hist)
	var delivered, declined, masked int
	for _, r := range hist.Records {
		if r.RPID != "hotel-f" || r.Channel != api.RecordChannel("eid") {
			continue
		}
		switch {
		case slices.Equal(r.Provided, []string{"name", "document_number"}) && r.Outcome == api.RecordOutcome("approved"):
			delivered++
		case slices.Equal(r.Provided, []string{"name", "document_number"}) && r.Outcome == api.RecordOutcome("declined"):
			declined++
		case slices.Contains(r.Provided, "name_masked"):
			masked++
		}
	}
	if delivered != 1 || declined != 1 || masked != 3 {
		t.Fatalf("history: %d delivered, %d declined, %d masked checks; %+v", delivered, declined, masked, hist.Records)
	}

	// The holder's time runs out.
	req = e.fullCheck(hotel, h)
	e.clock.Advance(3 * time.Minute)
	if len(e.fullPrompts(h)) != 0 {
		t.Fatal("an expired request still waits")
	}
	if r := answer(req.ID, map[string]any{"decision": "approve", "password": p.password}); r.problemType(t) != "eid-full-data-answered" {
		t.Fatalf("approving late: %d %s", r.status, r.body)
	}
	if fd := e.collect(hotel, req.ID); fd.State != api.EIDFullDataExpired {
		t.Fatalf("expired: %+v", fd)
	}
	// Someone else's request is not the holder's to answer.
	h2 := e.apply(adult(t))
	req = e.fullCheck(hotel, h)
	if r := e.holderCall(h2, "POST", "/v1/wallet/eid/full-data/"+req.ID, map[string]any{"decision": "decline"}); r.problemType(t) != "eid-full-data-not-found" {
		t.Fatalf("another holder answers: %d %s", r.status, r.body)
	}
}

// TestEIDFullDataCollectRace: terminals polling at once after the holder
// approved: the data is given exactly once, and recorded once.
func TestEIDFullDataCollectRace(t *testing.T) {
	e := lifecycleEnv(t)
	p := adult(t)
	h := e.apply(p)
	e.registerInPerson("hotel-r", "hotel: x", eidClaims...)
	d, r := e.enrolDevice(e.addDevice("hotel-r", "desk").Code)
	must(t, r, http.StatusCreated)
	req := e.fullCheck(d, h)
	must(t, e.holderCall(h, "POST", "/v1/wallet/eid/full-data/"+req.ID, map[string]any{"decision": "approve", "password": p.password}), http.StatusNoContent)
	const n = 8
	got := make([]api.EIDFullData, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i] = e.collect(d, req.ID) })
	}
	wg.Wait()
	provided := 0
	for _, fd := range got {
		switch fd.State {
		case api.EIDFullDataProvided:
			provided++
		case api.EIDFullDataAlreadyProvided:
		default:
			t.Errorf("a racing collection: %+v", fd)
		}
	}
	if provided != 1 {
		t.Fatalf("the data was given %d times", provided)
	}
	var hist api.History
	must(t, e.holderCall(h, "GET", "/v1/wallet/history", nil), http.StatusOK).json(t, &hist)
	n2 := 0
	for _, r := range hist.Records {
		if slices.Equal(r.Provided, []string{"name", "document_number"}) {
			n2++
		}
	}
	if n2 != 1 {
		t.Fatalf("%d delivery records", n2)
	}
}
