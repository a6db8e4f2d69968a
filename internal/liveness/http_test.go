package liveness

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHTTPProvider(t *testing.T) {
	f := newFixture(t)
	f.req.Capture = []byte{0xff, 0xd8, 0x01}
	secretBody := "internal-secret-detail"

	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    error // nil means success
	}{
		{"success", func(w http.ResponseWriter, r *http.Request) {
			var got httpRequest
			if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer tok" ||
				r.Header.Get("Content-Type") != "application/json" {
				http.Error(w, "bad request shape", http.StatusBadRequest)
				return
			}
			if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			capture, err := base64.StdEncoding.DecodeString(got.Capture)
			if err != nil || string(capture) != string(f.req.Capture) ||
				got.FaceImageHash != encodeFaceHash(f.req.FaceImageHash) ||
				got.Challenge != f.req.Challenge || got.ApplicationID != f.req.ApplicationID {
				http.Error(w, "bad fields", http.StatusBadRequest)
				return
			}
			att, err := f.signer.Attest(r.Context(), Request{Challenge: got.Challenge, ApplicationID: got.ApplicationID, FaceImageHash: f.req.FaceImageHash})
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_ = json.NewEncoder(w).Encode(httpResponse{Attestation: att})
		}, nil},
		{"500", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, secretBody, http.StatusInternalServerError)
		}, ErrProvider},
		{"oversized", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"attestation":"` + strings.Repeat("a", maxResponse) + `"}`))
		}, ErrProvider},
		{"bad JSON", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"attestation":`))
		}, ErrProvider},
		{"empty attestation", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"attestation":""}`))
		}, ErrProvider},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			p := &HTTPProvider{URL: srv.URL, Token: "tok", Client: srv.Client()}
			att, err := p.Attest(context.Background(), f.req)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Attest: %v", err)
				}
				if _, err := f.verifier.Verify(att, f.want, t0); err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Attest error = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), secretBody) {
				t.Fatalf("error leaks the response body: %v", err)
			}
			if tt.name == "500" && !strings.Contains(err.Error(), "500") {
				t.Fatalf("error lacks the status: %v", err)
			}
		})
	}
}

func TestHTTPProviderContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &HTTPProvider{URL: srv.URL, Client: srv.Client()}
	_, err := p.Attest(ctx, Request{Challenge: "c", ApplicationID: "a"})
	if !errors.Is(err, ErrProvider) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrProvider wrapping context.Canceled", err)
	}
}
