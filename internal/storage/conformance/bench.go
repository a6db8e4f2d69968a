package conformance

import (
	"crypto/sha256"
	"fmt"
	"sync/atomic"
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

// BenchmarkAppendRecord measures AppendRecord on s with a SHA-256 chain
// (the shape of package audit's): "serial" appends one record per
// iteration; "parallel" appends from GOMAXPROCS goroutines at once, all
// contending for the log's tail.
func BenchmarkAppendRecord(b *testing.B, s storage.Storage) {
	ctx := b.Context()
	chain := func(prev *storage.Record, r storage.Record) (storage.Record, error) {
		h := sha256.New()
		if prev != nil {
			r.PrevHash = prev.Hash
		}
		h.Write(r.PrevHash)
		fmt.Fprintf(h, "%d|%s|%s|%s", r.Seq, r.ID, r.PersonID, r.RPID)
		r.Hash = h.Sum(nil)
		return r, nil
	}
	var n atomic.Int64 // record IDs unique across runs
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			r := fullRecord(fmt.Sprintf("bench-r%d", n.Add(1)), "bench-p1")
			if _, err := s.AppendRecord(ctx, r, chain); err != nil {
				b.Fatalf("AppendRecord: %v", err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r := fullRecord(fmt.Sprintf("bench-r%d", n.Add(1)), "bench-p2")
				if _, err := s.AppendRecord(ctx, r, chain); err != nil {
					b.Errorf("AppendRecord: %v", err)
					return
				}
			}
		})
	})
}
