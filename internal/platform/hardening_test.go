package platform_test

import (
	"crypto/rand"
	"net/http"
	"testing"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/holder"
)

// A holder proof names the whole request, query included: a proof made for
// one page of the history does not fetch another.
func TestHolderProofCoversQuery(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	proof, err := holder.Sign(h.key, h.credentialID, "GET", e.url+"/v1/wallet/history", e.clock.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := e.raw("GET", "/v1/wallet/history?limit=1", nil, map[string]string{holder.Header: proof})
	if r.status != http.StatusUnauthorized || r.problemType(t) != "holder-unauthenticated" {
		t.Fatalf("proof for the path used with a query: %d %s", r.status, r.body)
	}
	must(t, e.holderCall(h, "GET", "/v1/wallet/history?limit=1", nil), http.StatusOK)
}

// Chip data that a trusted signer signed but whose identity is impossible
// (a birth date after today, no name, a sex other than M or F) is refused
// with the reason, not a server error.
func TestImpossibleChipIdentity(t *testing.T) {
	e := newEnv(t, "")
	for _, c := range []struct {
		name   string
		change func(*document.Identity)
	}{
		{"birth date after today", func(id *document.Identity) {
			id.Birth = document.Date{Year: e.clock.Now().Year() + 1, Month: 1, Day: 1}
		}},
		{"empty name", func(id *document.Identity) { id.Name = "" }},
		{"sex X", func(id *document.Identity) { id.Sex = document.Sex("X") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := adult(t)
			c.change(&p.identity)
			a := e.start(document.ResidentIDCard)
			r := e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": e.chip(p)})
			if r.status != http.StatusUnprocessableEntity || r.problemType(t) != "invalid-identity-data" {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
}

// Text that a client escaped as half a surrogate pair is refused, not
// stored as U+FFFD, and a body of null is not an empty change.
func TestEscapedSurrogatesAndNullBodies(t *testing.T) {
	e := lifecycleEnv(t)
	h := e.apply(adult(t))
	e.register("shop", "", "", "age_over_18")
	adminHdr := map[string]string{"Authorization": "Bearer " + adminToken}
	for _, c := range []struct{ method, path, body, typ string }{
		{"POST", "/v1/admin/credentials/" + h.wanghao + "/suspend", `{"reason":"lost \ud800"}`, "malformed-json"},
		{"PATCH", "/v1/admin/relying-parties/shop", `{"name":"\udfff shop"}`, "malformed-json"},
		{"PATCH", "/v1/admin/relying-parties/shop", `null`, "wrong-type"},
	} {
		r := e.raw(c.method, c.path, []byte(c.body), adminHdr)
		if r.status != http.StatusBadRequest || r.problemType(t) != c.typ {
			t.Errorf("%s %s %s: %d %s", c.method, c.path, c.body, r.status, r.body)
		}
	}
	if st := statusOf(t, e, h); st != 0 {
		t.Fatalf("the credential's status is %d after refused requests", st)
	}
	r := e.raw("POST", "/v1/wallet/presentations", []byte(`{"audience":"shop\ud800","disclosed":["age_over_18"]}`), nil)
	if r.status != http.StatusBadRequest && r.status != http.StatusUnauthorized {
		t.Fatalf("presentation with a lone surrogate: %d %s", r.status, r.body)
	}
}
