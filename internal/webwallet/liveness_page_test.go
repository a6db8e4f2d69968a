package webwallet_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// The Apply page's face step goes through the platform's liveness relay
// to the liveness service --liveness-url names: the service gets the
// camera's JPEG frame with its token, the page never learns the service's
// address, and the attestation (signed by a key in the trust list) passes.
func TestApplyFaceThroughConfiguredLivenessService(t *testing.T) {
	const token = "page-relay-token-0123456789"
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer := liveness.Signer{Issuer: "liveness-page-test", Key: key, KeyID: "k1", Score: 0.95, Now: time.Now}
	var mu sync.Mutex
	var captures [][]byte
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		if r.Header.Get("Authorization") != "Bearer "+token || json.NewDecoder(r.Body).Decode(&body) != nil {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		capture, _ := base64.StdEncoding.DecodeString(body["capture"])
		mu.Lock()
		captures = append(captures, capture)
		mu.Unlock()
		hash, _ := base64.RawURLEncoding.DecodeString(body["face_image_hash"])
		lr := liveness.Request{Challenge: body["challenge"], ApplicationID: body["application_id"]}
		copy(lr.FaceImageHash[:], hash)
		att, err := signer.Attest(r.Context(), lr)
		if err != nil {
			http.Error(w, "sign", http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"attestation": att})
	}))
	t.Cleanup(svc.Close)
	trust := t.TempDir()
	jwks, _ := json.Marshal(signer.JWKS())
	if err := os.MkdirAll(filepath.Join(trust, "liveness"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(trust, "liveness", signer.Issuer+".json"), jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	e := pagetest.New(t, func(c *config.Config) {
		c.TrustDir = trust
		c.LivenessURL, c.LivenessToken = svc.URL, token
	})
	b := e.Open(t)
	a := pagetest.NewApplicant(t)
	chip := applyChipFile(t, e, a)
	b.Go("/wallet/apply")
	applyVisible(b, "the document types", "choose")
	b.Do("choosing the resident ID card", chromedp.Click(chromedp.ID("type-resident_id_card")))
	applyUpload(b, chip)
	applyFace(b)
	applyVisible(b, "the phone step", "step-phone")

	mu.Lock()
	defer mu.Unlock()
	if len(captures) != 1 || !bytes.HasPrefix(captures[0], []byte{0xFF, 0xD8, 0xFF}) {
		t.Fatalf("the liveness service got %d captures (want one JPEG frame)", len(captures))
	}
	for _, s := range e.Requests() {
		if s.URL == "/dev/liveness" {
			t.Errorf("the browser asked the dev provider: %s %s", s.Method, s.URL)
		}
	}
	html := pagetest.Eval[string](b, `return document.documentElement.outerHTML;`, nil)
	if strings.Contains(html, svc.URL) || strings.Contains(html, token) {
		t.Error("the page shows the liveness service's address or token")
	}
}
