package cli

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// A request with a header block over maxHeaderBytes is refused with 431
// before the handler runs; one just under passes.
func TestServerRefusesOversizedHeaders(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var reached atomic.Int32
	srv := httpServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }), slog.New(slog.NewTextHandler(io.Discard, nil)))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	get := func(header int) int {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/", nil)
		req.Header.Set("X-Filler", strings.Repeat("a", header))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get(900 << 10); st != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("900 KiB header: status %d, want 431", st)
	}
	if reached.Load() != 0 {
		t.Fatal("the handler ran for an oversized header")
	}
	if st := get(maxHeaderBytes / 2); st != http.StatusOK {
		t.Fatalf("header of half the limit: status %d", st)
	}
}
