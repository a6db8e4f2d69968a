package platform_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// fillStatusList stores n credentials of n persons in status list "1",
// indexes 0…n-1, about 1% suspended and 4% revoked, the rest active.
func fillStatusList(b *testing.B, e *env, n int) {
	b.Helper()
	now := e.clock.Now()
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		p, _, err := e.p.Store.GetOrCreatePerson(e.ctx, storage.Person{
			ID: fmt.Sprintf("bench-person-%d", i), Index: fmt.Sprintf("bench-index-%d", i), Wanghao: fmt.Sprintf("BENCH%011d", i),
			State: storage.PersonActive, CreatedAt: now, UpdatedAt: now,
		})
		if err != nil {
			b.Fatal(err)
		}
		st := storage.CredentialActive
		switch r := rnd.IntN(100); {
		case r < 1:
			st = storage.CredentialSuspended
		case r < 5:
			st = storage.CredentialRevoked
		}
		if err := e.p.Store.IssueCredential(e.ctx, storage.Credential{
			ID: fmt.Sprintf("bench-credential-%d", i), PersonID: p.ID, Status: st, StatusList: "1", StatusIndex: int64(i),
			DeviceKey: []byte(`{}`), DeviceKeyID: "bench", SigningKeyID: "bench", IssuedAt: now, ExpiresAt: now.Add(time.Hour), UpdatedAt: now,
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatusList measures GET /status/1 through the platform's
// handler (SQLite), with the signed list cached (every fetch within its
// time-to-live) and uncached (the first fetch after a status change, which
// drops the cache: reading every entry, compressing and signing).
func BenchmarkStatusList(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("credentials=%d", n), func(b *testing.B) {
			e := newEnv(b, "")
			fillStatusList(b, e, n)
			get := func(b *testing.B) int {
				req := httptest.NewRequest("GET", "/status/1", nil)
				rec := httptest.NewRecorder()
				e.p.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				return rec.Body.Len()
			}
			size := get(b)
			b.Run("cached", func(b *testing.B) {
				for b.Loop() {
					get(b)
				}
				b.ReportMetric(float64(size), "token-bytes")
			})
			b.Run("uncached", func(b *testing.B) {
				for b.Loop() {
					e.p.Server.Status.Invalidate("1")
					get(b)
				}
				b.ReportMetric(float64(size), "token-bytes")
			})
		})
	}
}
