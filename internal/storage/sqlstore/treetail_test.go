package sqlstore

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// TestMigrateTreeHeadToTail opens a database whose log kept a tree head
// for every size, as before migration 0021 (the migration undone by
// hand), and checks that the migration puts the newest head in the tail:
// the next append finds it, the heads stored before stay, and appends
// from then on keep only what they are told to.
func TestMigrateTreeHeadToTail(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			target := b.newTarget(t)
			s, err := b.open(ctx, target)
			if err != nil {
				t.Fatal(err)
			}
			var heads []storage.TreeHead
			var ends []storage.LogEnd
			appendOne := func(s *Store, keep bool) {
				t.Helper()
				_, err := s.AppendTreeRecord(ctx, storage.Record{ID: fmt.Sprintf("r%d", len(heads)+1), PersonID: "p1"},
					func(_ storage.LogReader, end storage.LogEnd, r storage.Record) (storage.LogAppend, error) {
						ends = append(ends, end)
						r.PrevHash = make([]byte, 32)
						if end.Last != nil {
							r.PrevHash = end.Last.Hash
						}
						r.Hash = bytes.Repeat([]byte{byte(r.Seq)}, 32)
						h := storage.TreeHead{Size: r.Seq, Root: bytes.Repeat([]byte{0xa0 + byte(r.Seq)}, 32),
							Frontier: bytes.Repeat([]byte{0xf0 + byte(r.Seq)}, 32), Signature: fmt.Sprintf("head-%d", r.Seq)}
						heads = append(heads, h)
						return storage.LogAppend{Record: r, Head: h, Keep: keep}, nil
					})
				if err != nil {
					t.Fatalf("AppendTreeRecord %d: %v", len(heads), err)
				}
			}
			for range 3 {
				appendOne(s, true)
			}
			s.Close()

			// Undo 0021, as a database of the version before it is.
			undo := []string{`DROP TABLE tree_tail`}
			if b.f == postgresFlavor {
				undo = []string{`ALTER TABLE record_log_tail DROP COLUMN tree_root, DROP COLUMN tree_time, DROP COLUMN tree_signature`}
			}
			undo = append(undo, `DELETE FROM schema_migrations WHERE version = 21`)
			old, err := b.connect(ctx, target)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range undo {
				if _, err := old.exec(ctx, q); err != nil {
					old.close()
					t.Fatalf("%s: %v", q, err)
				}
			}
			old.close()

			s, err = b.open(ctx, target)
			if err != nil {
				t.Fatalf("open of a database before 0021: %v", err)
			}
			defer s.Close()
			assertMigrations(t, s)
			latest, err := s.LatestTreeHead(ctx)
			if err != nil || latest.Signature != "head-3" {
				t.Fatalf("LatestTreeHead after the migration: %+v, %v; want head 3", latest, err)
			}
			appendOne(s, false)
			if end := ends[3]; end.Tree == nil || end.Tree.Size != 3 || !bytes.Equal(end.Tree.Frontier, heads[2].Frontier) {
				t.Fatalf("the first append after the migration found the tree %+v, want head 3's", end.Tree)
			}
			appendOne(s, false)
			if end := ends[4]; end.Tree == nil || end.Tree.Size != 4 || !bytes.Equal(end.Tree.Frontier, heads[3].Frontier) {
				t.Fatalf("the next append found the tree %+v, want head 4's (in the tail)", end.Tree)
			}
			listed, err := s.ListTreeHeads(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			var sizes []int64
			for _, h := range listed {
				sizes = append(sizes, h.Size)
			}
			if fmt.Sprint(sizes) != "[1 2 3 5]" {
				t.Errorf("stored heads of sizes %v, want 1, 2, 3 (before the migration) and 5 (the newest)", sizes)
			}
		})
	}
}
