package server

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

type jwksFunc func(time.Time) jose.JSONWebKeySet

func (f jwksFunc) JWKS(now time.Time) jose.JSONWebKeySet { return f(now) }

// TestJWKSWithSM2: the JWKS endpoint and the issuer metadata publish an SM
// deployment's SM2 key as the SM2 JWK, and what they publish reads back to
// the key.
func TestJWKSWithSM2(t *testing.T) {
	key, err := suite.SM.GenerateSigningKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := suite.SM.KeyID(key.Public())
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: kid, Algorithm: "SM2", Use: "sig"}}}
	s := &Server{PublicURL: "https://netid.example", Keys: jwksFunc(func(time.Time) jose.JSONWebKeySet { return set })}

	w := httptest.NewRecorder()
	if err := s.jwks(w, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.Body.String(), `"crv":"SM2"`) || !strings.Contains(w.Body.String(), `"kid":"`+kid+`"`) {
		t.Fatalf("JWKS %s", w.Body)
	}
	var read jws.JWKS
	if err := json.Unmarshal(w.Body.Bytes(), &read); err != nil || len(read.Keys) != 1 || read.Keys[0].KeyID != kid {
		t.Fatalf("read back %+v, %v", read, err)
	}
	tok, _ := jws.Sign(key, "netid-test+jwt", kid, []byte(`{}`))
	if _, _, err := jws.Verify(tok, jws.Expect{Typ: "netid-test+jwt", Algorithms: suite.SM.Algorithms(), Keys: jws.ByKeyID(jose.JSONWebKeySet(read))}); err != nil {
		t.Fatal(err)
	}

	w = httptest.NewRecorder()
	if err := s.issuerMetadata(w, httptest.NewRequest(http.MethodGet, "/.well-known/jwt-vc-issuer", nil)); err != nil {
		t.Fatal(err)
	}
	var md api.IssuerMetadata
	if err := json.Unmarshal(w.Body.Bytes(), &md); err != nil || len(md.JWKS.Keys) != 1 || md.JWKS.Keys[0].KeyID != kid {
		t.Fatalf("issuer metadata %s: %v", w.Body, err)
	}
}
