package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/devauthority"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/sms"
)

// FuzzDevRequests sends the development authorities' endpoints (documents,
// liveness, relationships) arbitrary bodies: none answers 5xx, every
// refusal is a problem document, and what they sign comes back as JSON.
func FuzzDevRequests(f *testing.F) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	docs, err := devauthority.LoadOrCreateDocuments(f.TempDir(), now)
	if err != nil {
		f.Fatal(err)
	}
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			f.Fatal(err)
		}
		return k
	}
	d := &Dev{
		Documents:     docs,
		Outbox:        sms.NewOutbox(4),
		Liveness:      liveness.Signer{Issuer: "https://liveness.dev", Key: key(), KeyID: "l1", Score: 0.97, Now: func() time.Time { return now }},
		Relationships: guardian.Authority{Issuer: "https://relationships.dev", Key: key(), KeyID: "r1"},
		Now:           func() time.Time { return now },
	}
	mux := http.NewServeMux()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d.Mount(mux, func(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := fn(w, r); err != nil {
				httpx.WriteError(w, r, log, problem(err))
			}
		})
	})
	paths := []string{"/dev/documents", "/dev/liveness", "/dev/relationships"}
	f.Add(uint8(0), `{"identity":{"type":"resident_id_card","number":"11010519491231002X","name":"张三","sex":"M","birth_date":"1949-12-31","issuing_authority":"北京市公安局","valid_from":"2020-01-01","valid_until":"2040-01-01"}}`)
	f.Add(uint8(0), `{"identity":{"type":"passport","name":"","sex":"X","birth_date":"2999-01-01"}}`)
	f.Add(uint8(0), `{"identity":{"name":"\u0000"},"face":"AAAA"}`)
	f.Add(uint8(1), `{"challenge":"c","application_id":"a","face_image_hash":"h"}`)
	f.Add(uint8(1), `{"challenge":"","application_id":"","face_image_hash":"","capture":"!!"}`)
	f.Add(uint8(2), `{"guardian":"NETID2025ABCDEFI","child_ref":"bi1:Zm9v","relationship":"parent"}`)
	f.Add(uint8(2), `{"guardian":null,"child_ref":"\u0000","relationship":"uncle"}`)
	f.Add(uint8(2), `null`)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s: status %d for %q: %s", path, w.Code, body, w.Body)
		}
		if w.Code >= 400 && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Fatalf("%s: status %d with Content-Type %q", path, w.Code, w.Header().Get("Content-Type"))
		}
		if w.Code < 300 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s: status %d with a body that is not JSON", path, w.Code)
		}
	})
}
