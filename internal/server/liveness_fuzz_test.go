package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/liveness"
)

// FuzzLivenessRelay sends the liveness relay arbitrary bodies without
// authorisation: none answers 5xx or 200, every refusal is a problem
// document, and the provider is never asked.
func FuzzLivenessRelay(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	asked := false
	s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Liveness: providerFunc(func() { asked = true }, liveness.Signer{Issuer: "t", Key: key, KeyID: "k"})}
	f.Add(`{"challenge":"c","application_id":"a","face_image_hash":"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU","capture":"/9j/4A=="}`)
	f.Add(`{"challenge":"","application_id":"","face_image_hash":"","capture":"!!"}`)
	f.Add(`{"capture":"iVBORw0KGgo="}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, LivenessPath, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		if err := s.relayLiveness(w, r); err != nil {
			httpx.WriteError(w, r, s.Log, problem(err))
		}
		if w.Code < 400 || w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Fatalf("status %d with Content-Type %q", w.Code, w.Header().Get("Content-Type"))
		}
		if asked {
			t.Fatal("the provider was asked without authorisation")
		}
	})
}

type provider struct {
	called func()
	liveness.Provider
}

func (p provider) Attest(ctx context.Context, r liveness.Request) (string, error) {
	p.called()
	return p.Provider.Attest(ctx, r)
}

func providerFunc(called func(), p liveness.Provider) liveness.Provider { return provider{called, p} }
