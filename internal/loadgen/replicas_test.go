package loadgen

import (
	"errors"
	"net/http"
	"strings"
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
	first := &wallet.Client{BaseURL: "http://127.0.0.1:1"}
	r := newRotation(first, []string{"http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"}, http.DefaultClient)
	var seq []string
	for range 6 {
		rep := r.pick()
		if rep.wc.BaseURL != rep.base {
			t.Fatalf("replica %s has a wallet client on %s", rep.base, rep.wc.BaseURL)
		}
		seq = append(seq, rep.base[len(rep.base)-1:])
	}
	if got := strings.Join(seq, ""); got != "123123" {
		t.Fatalf("round robin = %s, want 123123", got)
	}
	one := newRotation(first, nil, http.DefaultClient)
	if rep := one.pick(); rep.wc != first || one.describe() != "" {
		t.Fatalf("one server: %+v %q", rep, one.describe())
	}
}
