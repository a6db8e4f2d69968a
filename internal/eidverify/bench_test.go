package eidverify

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// benchService is a service on a SQLite database in a temporary directory,
// with the real record log, and one holder.
func benchService(b *testing.B) (*Service, *fixture) {
	b.Helper()
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(b.TempDir(), "netid.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	f := newFixture(b, adultBirth)
	f.now = time.Now().UTC().Truncate(time.Second)
	ks := keys.NewKeySet(store, f.sealer, rand.Reader)
	if err := ks.Load(ctx, f.now); err != nil {
		b.Fatal(err)
	}
	p := f.store.people[f.person]
	p.CreatedAt, p.UpdatedAt = f.now, f.now
	if _, _, err := store.GetOrCreatePerson(ctx, p); err != nil {
		b.Fatal(err)
	}
	c := f.store.creds[f.cid]
	c.StatusList, c.StatusIndex, c.SigningKeyID, c.DeviceKeyID, c.UpdatedAt = "1", 1, "k", "d", f.now
	c.IssuedAt, c.ExpiresAt = f.now.Add(-time.Hour), f.now.Add(365*24*time.Hour)
	if err := store.IssueCredential(ctx, c); err != nil {
		b.Fatal(err)
	}
	clock := func() time.Time { return f.now }
	svc := &Service{Store: store, Sealer: f.sealer, Records: &audit.Log{Store: store, Keys: ks, Now: clock}, Issuer: issuer, Now: clock}
	return svc, f
}

// payloads signs n fresh payloads (outside the timed part).
func (f *fixture) payloads(b *testing.B, n int) []string {
	b.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = f.payload(b, f.now)
	}
	return out
}

// BenchmarkEIDVerify measures the platform's side of one in-person check
// on SQLite: parse, credential lookup, signature, person, jti use, opening
// identity and photo, and the chained verification record.
func BenchmarkEIDVerify(b *testing.B) {
	hotel := inPerson("hotel1", "hotel: x", allClaims...)
	run := func(b *testing.B, svc *Service, payloads []string, i int) {
		if _, err := svc.Verify(context.Background(), hotel, payloads[i]); err != nil {
			b.Error(err) // may run on a RunParallel goroutine: no Fatal
		}
	}
	b.Run("serial", func(b *testing.B) {
		svc, f := benchService(b)
		payloads := f.payloads(b, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			run(b, svc, payloads, i)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		svc, f := benchService(b)
		payloads := f.payloads(b, b.N)
		var next atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				run(b, svc, payloads, int(next.Add(1)-1))
			}
		})
	})
	b.Run("age_check", func(b *testing.B) {
		// The identity is opened for the age, the photo is not.
		svc, f := benchService(b)
		payloads := f.payloads(b, b.N)
		shop := inPerson("shop1", "", "age_over_18")
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := svc.Verify(context.Background(), shop, payloads[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var _ Store = storage.Storage(nil)
