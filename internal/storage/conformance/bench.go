package conformance

import (
	"fmt"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// BenchmarkGetOrCreatePerson measures GetOrCreatePerson on s: "create" with
// a new Index each time, "existing" with an Index already stored. Backends
// call it from their own Benchmark functions.
func BenchmarkGetOrCreatePerson(b *testing.B, s storage.Storage) {
	ctx := b.Context()
	i := 0 // outside the closure: unique across repeated runs
	b.Run("create", func(b *testing.B) {
		for b.Loop() {
			i++
			p := fullPerson(fmt.Sprintf("bench-p%d", i), fmt.Sprintf("bench-idx-%d", i), fmt.Sprintf("3%011d", i))
			if _, created, err := s.GetOrCreatePerson(ctx, p); err != nil || !created {
				b.Fatalf("GetOrCreatePerson: created %v, err %v", created, err)
			}
		}
	})
	b.Run("existing", func(b *testing.B) {
		p := fullPerson("bench-existing", "bench-idx-existing", "400000000000")
		if _, _, err := s.GetOrCreatePerson(ctx, p); err != nil {
			b.Fatalf("GetOrCreatePerson: %v", err)
		}
		for b.Loop() {
			if _, created, err := s.GetOrCreatePerson(ctx, p); err != nil || created {
				b.Fatalf("GetOrCreatePerson: created %v, err %v", created, err)
			}
		}
	})
}

// BenchmarkUpdateCode measures UpdateCode on s: a read–modify–write of one
// code (one attempt counted) per iteration.
func BenchmarkUpdateCode(b *testing.B, s storage.Storage) {
	ctx := b.Context()
	c := fullCode("bench-code", "application:bench", 0)
	if err := s.CreateCode(ctx, c); err != nil {
		b.Fatalf("CreateCode: %v", err)
	}
	for b.Loop() {
		if _, err := s.UpdateCode(ctx, c.ID, func(cur storage.Code) (storage.Code, error) {
			cur.Attempts++
			return cur, nil
		}); err != nil {
			b.Fatalf("UpdateCode: %v", err)
		}
	}
}
