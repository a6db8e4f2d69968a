package platform_test

import (
	"crypto/rand"
	"net/http"
	"testing"

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
