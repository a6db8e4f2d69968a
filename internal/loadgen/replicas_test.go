package loadgen

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/netid-project/netid/internal/wallet"
)

func TestServerList(t *testing.T) {
	got, err := serverList("http://127.0.0.1:8081/, http://localhost:8082")
	if err != nil || len(got) != 2 || got[0] != "http://127.0.0.1:8081" || got[1] != "http://localhost:8082" {
		t.Fatalf("serverList = %q, %v", got, err)
	}
	for _, bad := range []string{"http://127.0.0.1:1,", ",http://127.0.0.1:1", "http://127.0.0.1:1,http://example.com"} {
		if _, err := serverList(bad); !errors.Is(err, ErrOptions) && !errors.Is(err, ErrNotLoopback) {
			t.Errorf("serverList(%q) = %v, want ErrOptions or ErrNotLoopback", bad, err)
		}
	}
	if got, err := serverList(""); err != nil || got != nil {
		t.Errorf("serverList(\"\") = %q, %v", got, err)
	}
}

func TestRotationRoundRobin(t *testing.T) {
	// Three servers, each counting its requests; every request names the
	// first server's URL, as it would the platform's public URL.
	var hits [3]atomic.Int64
	var urls []string
	for i := range hits {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Host != hostPort(urls[0]) {
				t.Errorf("replica %d got a request for %s, want the public URL's host %s", i, r.Host, hostPort(urls[0]))
			}
			hits[i].Add(1)
		}))
		defer srv.Close()
		urls = append(urls, srv.URL)
	}
	first := &wallet.Client{BaseURL: urls[0]}
	r := newRotation(first, &http.Client{}, urls, 2)
	defer r.close()
	for range 6 {
		rep := r.pick()
		if rep.wc.BaseURL != urls[0] || rep.wc.HTTP != rep.hc {
			t.Fatalf("replica %s: wallet client on %s", rep.addr, rep.wc.BaseURL)
		}
		resp, err := rep.hc.Get(urls[0] + "/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for i := range hits {
		if n := hits[i].Load(); n != 2 {
			t.Errorf("replica %d got %d requests, want 2", i, n)
		}
	}
	one := newRotation(first, http.DefaultClient, nil, 2)
	if rep := one.pick(); rep.wc != first || rep.hc != http.DefaultClient || one.describe() != "" {
		t.Fatalf("one server: %+v %q", rep, one.describe())
	}
}
