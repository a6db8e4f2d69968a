package wallet

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/httpx"
)

func TestClientProblemDecoding(t *testing.T) {
	for _, tc := range []struct {
		name       string
		handler    http.HandlerFunc
		wantStatus int
		wantSlug   string
		wantError  string
		remaining  int
	}{
		{
			name: "problem with remaining attempts",
			handler: func(w http.ResponseWriter, r *http.Request) {
				httpx.WriteError(w, r, nil, (&httpx.Problem{Type: httpx.TypeURI("wrong-password"), Status: 403, Detail: "wrong credential password: 2 attempts left"}).With(api.ExtRemainingAttempts, 2))
			},
			wantStatus: 403, wantSlug: "wrong-password", remaining: 2,
			wantError: "Wrong credential password: wrong credential password: 2 attempts left",
		},
		{
			name: "remaining attempts only in the extension",
			handler: func(w http.ResponseWriter, r *http.Request) {
				httpx.WriteError(w, r, nil, (&httpx.Problem{Type: httpx.TypeURI("wrong-code"), Status: 422, Detail: "sms: wrong code"}).With(api.ExtRemainingAttempts, 1))
			},
			wantStatus: 422, wantSlug: "wrong-code", remaining: 1,
			wantError: "Wrong code: sms: wrong code (1 attempts left)",
		},
		{
			name: "problem without detail",
			handler: func(w http.ResponseWriter, r *http.Request) {
				httpx.WriteError(w, r, nil, &httpx.Problem{Type: httpx.TypeURI("not-found"), Title: "Not found", Status: 404})
			},
			wantStatus: 404, wantSlug: "not-found", remaining: -1, wantError: "Not found",
		},
		{
			name: "not a problem document",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte("<html>bad gateway</html>"))
			},
			wantStatus: 502, wantSlug: "about:blank", remaining: -1,
			wantError: "Bad Gateway: the platform answered without a problem document",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c := &Client{BaseURL: srv.URL, HTTP: srv.Client(), Language: "en"}
			_, err := c.GetApplication(context.Background(), "app-1", "tok")
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			if ae.Status != tc.wantStatus || ae.Slug() != tc.wantSlug || ae.Error() != tc.wantError {
				t.Errorf("got status %d slug %q error %q", ae.Status, ae.Slug(), ae.Error())
			}
			n, ok := ae.RemainingAttempts()
			if (tc.remaining >= 0) != ok || (ok && n != tc.remaining) {
				t.Errorf("RemainingAttempts = %d, %v; want %d", n, ok, tc.remaining)
			}
			if strings.Contains(ae.Error(), "\n") {
				t.Error("Error() is more than one line")
			}
		})
	}
}

func TestClientResponseErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"too large", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"` + strings.Repeat("a", maxResponse) + `"}`))
		}},
		{"not json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":`))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c := &Client{BaseURL: srv.URL, HTTP: srv.Client()}
			if _, err := c.GetApplication(context.Background(), "app-1", "tok"); !errors.Is(err, ErrResponse) {
				t.Errorf("err = %v, want ErrResponse", err)
			}
		})
	}
}

// TestClientTransportErrorHidesQuery checks that a failed request's error
// does not repeat the query, which may hold a phone number.
func TestClientTransportErrorHidesQuery(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := &Client{BaseURL: url}
	_, err := c.DevLatestSMS(context.Background(), testPhone)
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	if strings.Contains(err.Error(), testPhone) {
		t.Errorf("error repeats the phone number: %v", err)
	}
}

func TestClientSendsBearerAndJSON(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		var req api.CodeRequest
		if err := httpx.DecodeJSON(w, r, 1<<10, &req); err != nil || req.Code != testCode {
			httpx.WriteError(w, r, nil, httpx.MalformedJSON())
			return
		}
		httpx.WriteJSON(w, 200, map[string]string{"id": "app/1", "state": "password"})
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL + "/", HTTP: srv.Client()}
	v, err := c.VerifyPhone(context.Background(), "app/1", "tok-1", testCode)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != "password" {
		t.Errorf("State = %q", v.State)
	}
	if got.Header.Get("Authorization") != "Bearer tok-1" || got.URL.EscapedPath() != "/v1/applications/app%2F1/phone/verify" {
		t.Errorf("request: %s %s auth %q", got.Method, got.URL.EscapedPath(), got.Header.Get("Authorization"))
	}
}

func TestHolderProofHeader(t *testing.T) {
	f := newFakePlatform(t)
	u := f.adult(t)
	c := f.client()
	info, err := c.HolderCredential(context.Background(), u)
	if err != nil {
		t.Fatalf("HolderCredential: %v", err)
	}
	if info.CredentialID != u.Wallet.CredentialID || info.Wanghao != u.Wallet.Wanghao {
		t.Errorf("info = %+v", info)
	}
	f.mu.Lock()
	last := f.proofs[len(f.proofs)-1]
	f.mu.Unlock()
	if last == "" {
		t.Fatal("no holder proof header sent")
	}

	// Each request signs a fresh proof (the fake rejects replays).
	if _, err := c.HolderCredential(context.Background(), u); err != nil {
		t.Errorf("second call: %v", err)
	}

	// A proof for another URL (the client's base URL is not the server's
	// public URL) is refused.
	other := *c
	other.BaseURL = strings.Replace(c.BaseURL, "127.0.0.1", "localhost", 1)
	_, err = other.HolderCredential(context.Background(), u)
	if !hasSlug(err, "holder-unauthenticated") {
		t.Errorf("proof for another URL: err = %v, want holder-unauthenticated", err)
	}

	// A request without an unlocked wallet is not sent.
	if _, err := c.HolderCredential(context.Background(), &Unlocked{}); err == nil {
		t.Error("holder call without a key succeeded")
	}
}
