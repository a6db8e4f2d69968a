package rpapply

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// FuzzApply sends arbitrary bodies to POST /v1/rp/applications: every
// answer is a created application (201, with a token) or a problem
// document of 4xx, never a server error; and a check of an application
// with a made-up token finds nothing and asks no server.
func FuzzApply(f *testing.F) {
	store, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	idx := keys.NewIndexer([]byte("index key for tests, 32 bytes.."))
	asked := false
	svc := &Service{Store: store, Registry: &relyingparty.Registry{Store: store, MAC: idx.MAC}, MAC: idx.MAC,
		Checker: &Checker{HTTP: &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
			asked = true
			return nil, io.EOF
		})}, LookupTXT: func(context.Context, string) ([]string, error) { asked = true; return nil, io.EOF }}}
	api := &API{Service: svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxBody: 64 << 10}
	mux := http.NewServeMux()
	api.Mount(mux)
	f.Add(`{"client_id":"shop","name":"Shop","domains":["shop.example"],"claims":["age_over_18"]}`)
	f.Add(`{"client_id":"shop","name":"Shop","domains":["shop.example"],"alt_url":"javascript:x","alt_text":"\u0000"}`)
	f.Add(`{"client_id":"x","domains":["a..b","xn--zz"],"redirect_uris":["http://evil.example/"]}`)
	f.Add(`{"client_id":"shop","client_id":"shop2"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, ApplicationsPath, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		switch {
		case w.Code == http.StatusCreated:
			if !strings.Contains(w.Body.String(), `"token":"`) {
				t.Fatalf("created without a token: %s", w.Body)
			}
		case w.Code >= 400 && w.Code < 500:
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
				t.Fatalf("status %d with Content-Type %q", w.Code, w.Header().Get("Content-Type"))
			}
		default:
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		r = httptest.NewRequest(http.MethodPost, ApplicationsPath+"/rpa-00/check", nil)
		r.Header.Set("Authorization", "Bearer "+body)
		w = httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != http.StatusNotFound || asked {
			t.Fatalf("a check with a made-up token: %d, servers asked %v", w.Code, asked)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
