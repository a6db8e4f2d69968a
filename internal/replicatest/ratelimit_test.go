package replicatest

import (
	"net/http"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// TestReplicasShareFailedAuthentications: the failed client
// authentications of an address add up across replicas. With
// --rate-limit 2 an address may fail 25 times per 10-second window (the
// token bucket's burst of 5 and a window's refill of 20); once it went
// past that at A, B refuses it after learning so from its first failure
// there, where a limit in each replica's memory would grant it its own
// budget again.
func TestReplicasShareFailedAuthentications(t *testing.T) {
	c := newCluster(t, "--rate-limit", "2")
	shop := registerRP(t, c.core(), "shop", storage.AuthClientSecret)
	wrong := shop
	wrong.secret = shop.secret[:len(shop.secret)-2] + "xx"
	// Start early in a counting window, so that the test does not
	// straddle two.
	if left := 10*time.Second - time.Duration(time.Now().UnixNano())%(10*time.Second); left < 6*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
	attempt := func(r *replica, p rp) int {
		return call(t, r, http.MethodPost, "/v1/verifications", p.authorization(t), sessionRequest).status
	}
	failures := 0
	for attempt(c.a, wrong) == http.StatusUnauthorized {
		failures++
		if failures > 40 {
			t.Fatal("A never refuses the address")
		}
	}
	if failures != 26 {
		t.Errorf("A refused the address after %d failed authentications, want 26 (the limit, and the one that went past it)", failures)
	}
	// B has not yet seen the address fail: one failure there tells it.
	if got := attempt(c.b, wrong); got != http.StatusUnauthorized {
		t.Fatalf("B's first failure: %d, want 401", got)
	}
	for _, p := range []rp{wrong, shop} {
		if got := attempt(c.b, p); got != http.StatusTooManyRequests {
			t.Fatalf("B after the address went past the shared limit: %d, want 429", got)
		}
	}
}
