package server

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// TestCallbackRetries: a callback that fails is tried three times in all,
// waiting between attempts through After (no test waits on the clock), with
// the wait doubling; one that succeeds is not tried again.
func TestCallbackRetries(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int32
		want     int32
	}{
		{"delivered at once", 0, 1},
		{"delivered on the third attempt", 2, 3},
		{"never delivered", 10, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) <= tc.failures {
					w.WriteHeader(http.StatusServiceUnavailable)
				}
			}))
			defer srv.Close()
			var waits []time.Duration
			n := &HTTPNotifier{Backoff: time.Second, After: func(d time.Duration) <-chan time.Time {
				waits = append(waits, d)
				c := make(chan time.Time, 1)
				c <- time.Time{}
				return c
			}}
			n.Notify(storage.RelyingParty{ID: "rp"}, storage.Session{ID: "s", State: storage.SessionApproved, CallbackURL: srv.URL}, "jwt")
			n.Wait()
			if got := calls.Load(); got != tc.want {
				t.Fatalf("%d attempts, want %d", got, tc.want)
			}
			if len(waits) != int(tc.want)-1 || (len(waits) == 2 && (waits[0] != time.Second || waits[1] != 2*time.Second)) {
				t.Fatalf("waits %v", waits)
			}
		})
	}
}

// TestCallbackClose: Close ends a callback waiting for its next attempt at
// once, and Notify after Close sends nothing.
func TestCallbackClose(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	waiting := make(chan struct{})
	n := &HTTPNotifier{After: func(time.Duration) <-chan time.Time {
		close(waiting)
		return make(chan time.Time) // never fires: only Close ends the wait
	}}
	s := storage.Session{ID: "s", State: storage.SessionDeclined, CallbackURL: srv.URL}
	n.Notify(storage.RelyingParty{ID: "rp"}, s, "")
	<-waiting
	closed := make(chan struct{})
	go func() { n.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the wait between attempts")
	}
	n.Notify(storage.RelyingParty{ID: "rp"}, s, "")
	n.Wait()
	if got := calls.Load(); got != 1 {
		t.Fatalf("%d attempts, want 1", got)
	}
}
