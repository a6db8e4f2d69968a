package wallet

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/liveness"
)

// TestDevHelpers checks the development helpers against the /dev/ routes'
// wire format (internal/server/dev.go).
func TestDevHelpers(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dev/sms", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("phone") != testPhone {
			httpx.WriteError(w, r, nil, &httpx.Problem{Type: httpx.TypeURI("no-message"), Status: 404, Detail: "no message"})
			return
		}
		httpx.WriteJSON(w, 200, api.SMSMessage{To: testPhone, Text: "code " + testCode, Code: testCode})
	})
	mux.HandleFunc("POST /dev/relationships", func(w http.ResponseWriter, r *http.Request) {
		var req api.RelationshipAttestRequest
		if err := httpx.DecodeJSON(w, r, 1<<10, &req); err != nil {
			httpx.WriteError(w, r, nil, err)
			return
		}
		httpx.WriteJSON(w, 200, api.RelationshipEvidence{Evidence: testEvidence(req.ChildRef, req.Guardian)})
	})
	mux.HandleFunc("POST /dev/liveness", func(w http.ResponseWriter, r *http.Request) {
		var req api.LivenessRequest
		if err := httpx.DecodeJSON(w, r, 1<<10, &req); err != nil {
			httpx.WriteError(w, r, nil, err)
			return
		}
		h, err := base64.RawURLEncoding.DecodeString(req.FaceImageHash)
		if err != nil || len(h) != 32 {
			httpx.WriteError(w, r, nil, &httpx.Problem{Type: httpx.TypeURI("invalid-face-hash"), Status: 400, Detail: "bad hash"})
			return
		}
		lr := liveness.Request{Challenge: req.Challenge, ApplicationID: req.ApplicationID}
		copy(lr.FaceImageHash[:], h)
		httpx.WriteJSON(w, 200, api.LivenessAttestation{Attestation: testAttestation(lr)})
	})
	mux.HandleFunc("POST /dev/documents", func(w http.ResponseWriter, r *http.Request) {
		var req api.MintRequest
		if err := httpx.DecodeJSON(w, r, 1<<10, &req); err != nil {
			httpx.WriteError(w, r, nil, err)
			return
		}
		httpx.WriteJSON(w, 201, map[string]string{"dg1": "e30=", "dg2": "/9j/", "sod": "MA=="})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, HTTP: srv.Client()}
	ctx := context.Background()

	if code, err := DevCode(c)(ctx, SMS{Number: testPhone}); err != nil || code != testCode {
		t.Errorf("DevCode = %q, %v", code, err)
	}
	if _, err := DevCode(c)(ctx, SMS{Number: "13900139000"}); !hasSlug(err, "no-message") {
		t.Errorf("DevCode for another number: %v", err)
	}
	if _, err := DevCode(c)(ctx, SMS{Linked: true}); !errors.Is(err, ErrOptions) {
		t.Errorf("DevCode for the linked number, unknown: %v", err)
	}
	if ev, err := DevEvidence(c)(ctx, "app-1", "ref", "G"); err != nil || ev != testEvidence("ref", "G") {
		t.Errorf("DevEvidence = %q, %v", ev, err)
	}
	lr := liveness.Request{Challenge: "ch", ApplicationID: "app-1", FaceImageHash: liveness.FaceHash(testFace)}
	if att, err := DevLiveness(c).Attest(ctx, lr); err != nil || att != testAttestation(lr) {
		t.Errorf("DevLiveness = %q, %v", att, err)
	}
	if att, err := c.DevLiveness(ctx, lr.Challenge, lr.ApplicationID, lr.FaceImageHash); err != nil || att != testAttestation(lr) {
		t.Errorf("Client.DevLiveness = %q, %v", att, err)
	}
	id := document.Identity{Type: document.ResidentIDCard, Number: "x", Name: "n", Sex: document.Male, Birth: adultBirth,
		ValidFrom: adultBirth, ValidUntil: teenBirth}
	doc, err := c.DevMintDocument(ctx, api.MintRequest{Identity: id})
	if err != nil || string(doc) != `{"dg1":"e30=","dg2":"/9j/","sod":"MA=="}` {
		t.Errorf("DevMintDocument = %s, %v", doc, err)
	}
}
