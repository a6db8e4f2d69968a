package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// treeRecordTests are the tests of AppendTreeRecord: an append with its
// Merkle tree nodes and signed tree head.
func treeRecordTests() []subtest {
	return []subtest{
		{"TreeRecord/Append", testAppendTreeRecord},
		{"TreeRecord/ExtendError", testAppendTreeRecordExtendError},
		{"TreeRecord/HeadOfAnotherSize", testAppendTreeRecordWrongSize},
		{"TreeRecord/AfterPlainAppends", testAppendTreeRecordAfterPlain},
		{"TreeRecord/RolledBack", testAppendTreeRecordRolledBack},
		{"TreeRecord/BuildFromRecords", testAppendTreeRecordReads},
		{"TreeRecord/NewestBesideAKeptHead", testAppendTreeRecordNewestBesideKept},
	}
}

// treeExtend is an extend function for the tests: it chains r as
// testChain does, and stands for the tree with values that name the
// record: the head's Frontier is idHash of the record's ID, its Root that
// and the previous frontier, and the nodes are the leaf (level 0, index
// Seq-1) and, for an even Seq, its parent at level 1. The heads of even
// sizes are kept. Each call's arguments are appended to *ends.
func treeExtend(ends *[]storage.LogEnd) func(storage.LogReader, storage.LogEnd, storage.Record) (storage.LogAppend, error) {
	return func(_ storage.LogReader, end storage.LogEnd, r storage.Record) (storage.LogAppend, error) {
		*ends = append(*ends, end)
		r, err := testChain(end.Last, r)
		if err != nil {
			return storage.LogAppend{}, err
		}
		return treeAppend(end, r), nil
	}
}

// treeAppend is treeExtend's append of r (chained) at end.
func treeAppend(end storage.LogEnd, r storage.Record) storage.LogAppend {
	frontier := idHash(r.ID)
	var prev []byte
	if end.Tree != nil {
		prev = end.Tree.Frontier
	}
	a := storage.LogAppend{
		Record: r,
		Nodes:  []storage.TreeNode{{Level: 0, Index: r.Seq - 1, Hash: frontier}},
		Head: storage.TreeHead{
			Size: r.Seq, Root: append(bytes.Clone(prev), frontier...), Frontier: frontier,
			Time: at(int(r.Seq)), Signature: fmt.Sprintf("head-%d", r.Seq),
		},
		Keep: r.Seq%2 == 0,
	}
	if r.Seq%2 == 0 {
		a.Nodes = append(a.Nodes, storage.TreeNode{Level: 1, Index: r.Seq/2 - 1, Hash: idHash(fmt.Sprint("parent of ", r.ID))})
	}
	return a
}

// assertTreeAppend fails unless a is stored: its record as the log's
// record a.Record.Seq, its head, and its nodes.
func assertTreeAppend(t *testing.T, s storage.Storage, a storage.LogAppend) {
	t.Helper()
	ctx := t.Context()
	recs, err := s.ListRecords(ctx, a.Record.Seq-1, 1)
	must(t, "ListRecords", err)
	assertList(t, fmt.Sprintf("record %d", a.Record.Seq), recs, []storage.Record{a.Record})
	h, err := s.GetTreeHead(ctx, a.Head.Size)
	must(t, fmt.Sprintf("GetTreeHead %d", a.Head.Size), err)
	assertEqual(t, fmt.Sprintf("tree head %d", a.Head.Size), h, a.Head)
	nodes, err := s.GetTreeNodes(ctx, a.Nodes)
	must(t, fmt.Sprintf("GetTreeNodes of append %d", a.Record.Seq), err)
	assertList(t, fmt.Sprintf("tree nodes of append %d", a.Record.Seq), nodes, a.Nodes)
}

func testAppendTreeRecord(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	var ends []storage.LogEnd
	extend := treeExtend(&ends)
	var want []storage.LogAppend
	for i := range 4 {
		in := fullRecord(fmt.Sprintf("r%d", i+1), "p1")
		in.Seq = 77 // ignored: the log sets Seq
		in.Time = at(i)
		got, err := s.AppendTreeRecord(ctx, in, extend)
		must(t, fmt.Sprintf("AppendTreeRecord r%d", i+1), err)
		seq := int64(i + 1)
		if len(ends) != i+1 {
			t.Fatalf("extend called %d times for %d appends", len(ends), i+1)
		}
		end := ends[i]
		if i == 0 {
			if end.Last != nil || end.Tree != nil {
				t.Fatalf("first append: extend got %+v, want an empty end", end)
			}
		} else {
			prev := want[i-1]
			if end.Last == nil || end.Tree == nil {
				t.Fatalf("append %d: extend got %+v, want the previous record and tree head", seq, end)
			}
			assertEqual(t, fmt.Sprintf("append %d: the last record", seq), *end.Last, link(prev.Record))
			if end.Tree.Size != seq-1 || !bytes.Equal(end.Tree.Frontier, prev.Head.Frontier) {
				t.Fatalf("append %d: extend got the tree of size %d, frontier %x; want size %d, frontier %x",
					seq, end.Tree.Size, end.Tree.Frontier, seq-1, prev.Head.Frontier)
			}
		}
		stored := in
		stored.Seq, stored.Time = seq, at(i)
		stored, _ = testChain(end.Last, stored)
		a := treeAppend(end, stored)
		assertEqual(t, fmt.Sprintf("AppendTreeRecord r%d result", i+1), got, a.Record)
		assertTreeAppend(t, s, a)
		want = append(want, a)
	}
	latest, err := s.LatestTreeHead(ctx)
	must(t, "LatestTreeHead", err)
	assertEqual(t, "LatestTreeHead", latest, want[3].Head)
	// The heads of sizes 1 and 3 were not kept: the next append's took
	// their place.
	assertTreeHeads(t, s, want[1].Head, want[3].Head)
	// The plain append chains to the last tree append too.
	r5, err := s.AppendRecord(ctx, fullRecord("r5", "p1"), testChain)
	must(t, "AppendRecord r5", err)
	if r5.Seq != 5 || !bytes.Equal(r5.PrevHash, want[3].Record.Hash) {
		t.Errorf("AppendRecord after tree appends: Seq %d, PrevHash %q; want 5 chained to %q", r5.Seq, r5.PrevHash, want[3].Record.Hash)
	}
}

// testAppendTreeRecordNewestBesideKept stores a kept head of the size of
// the newest append's, with other content (as an operator could): the
// newest append's stays the latest and the one the next append extends,
// and the kept one is what GetTreeHead and ListTreeHeads give, so that a
// reader of both (Verify) sees the two.
func testAppendTreeRecordNewestBesideKept(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	var ends []storage.LogEnd
	extend := treeExtend(&ends)
	_, err := s.AppendTreeRecord(ctx, fullRecord("r1", "p1"), extend)
	must(t, "AppendTreeRecord r1", err)
	newest, err := s.LatestTreeHead(ctx)
	must(t, "LatestTreeHead", err)
	other := storage.TreeHead{Size: 1, Root: idHash("other root"), Frontier: idHash("other frontier"), Time: at(9), Signature: "other-1"}
	must(t, "PutTreeHead 1", s.PutTreeHead(ctx, other))
	latest, err := s.LatestTreeHead(ctx)
	must(t, "LatestTreeHead", err)
	assertEqual(t, "LatestTreeHead beside a kept head of its size", latest, newest)
	kept, err := s.GetTreeHead(ctx, 1)
	must(t, "GetTreeHead 1", err)
	assertEqual(t, "GetTreeHead 1", kept, other)
	listed, err := s.ListTreeHeads(ctx, 0, 10)
	must(t, "ListTreeHeads", err)
	assertList(t, "ListTreeHeads", listed, []storage.TreeHead{other})
	_, err = s.AppendTreeRecord(ctx, fullRecord("r2", "p1"), extend)
	must(t, "AppendTreeRecord r2", err)
	if end := ends[1]; end.Tree == nil || !bytes.Equal(end.Tree.Frontier, newest.Frontier) {
		t.Fatalf("the second append extended %+v, want the newest append's tree (frontier %x)", end.Tree, newest.Frontier)
	}
}

func testAppendTreeRecordExtendError(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	var ends []storage.LogEnd
	extend := treeExtend(&ends)
	_, err := s.AppendTreeRecord(ctx, fullRecord("r1", "p1"), extend)
	must(t, "AppendTreeRecord r1", err)
	_, err = s.AppendTreeRecord(ctx, fullRecord("r-failed", "p1"), func(_ storage.LogReader, end storage.LogEnd, r storage.Record) (storage.LogAppend, error) {
		r, _ = testChain(end.Last, r)
		return treeAppend(end, r), errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("AppendTreeRecord error = %v, want errFn unchanged", err)
	}
	r2, err := s.AppendTreeRecord(ctx, fullRecord("r2", "p1"), extend)
	must(t, "AppendTreeRecord r2", err)
	if r2.Seq != 2 {
		t.Errorf("Seq after a failed append = %d, want 2", r2.Seq)
	}
	// The failed append wrote nothing: r2 found r1's end.
	end := ends[1]
	if end.Last == nil || end.Last.Seq != 1 || end.Tree == nil || end.Tree.Size != 1 || !bytes.Equal(end.Tree.Frontier, idHash("r1")) {
		t.Fatalf("append after a failed one: extend got %+v, want r1's record and tree", end)
	}
	heads, err := s.ListTreeHeads(ctx, 0, 10)
	must(t, "ListTreeHeads", err)
	if len(heads) != 1 || heads[0].Size != 2 || !bytes.Equal(heads[0].Frontier, idHash("r2")) {
		t.Errorf("tree heads after a failed append: %+v, want r2's (r1's not kept)", heads)
	}
}

func testAppendTreeRecordWrongSize(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	_, err := s.AppendTreeRecord(ctx, fullRecord("r1", "p1"), func(_ storage.LogReader, end storage.LogEnd, r storage.Record) (storage.LogAppend, error) {
		r, _ = testChain(end.Last, r)
		a := treeAppend(end, r)
		a.Head.Size = 7
		return a, nil
	})
	if err == nil {
		t.Fatal("AppendTreeRecord stored a tree head whose size is not the record's Seq")
	}
	recs, err := s.ListRecords(ctx, 0, 10)
	must(t, "ListRecords", err)
	if len(recs) != 0 {
		t.Errorf("a refused append left %d records", len(recs))
	}
	if _, err := s.LatestTreeHead(ctx); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a refused append left a tree head: LatestTreeHead = %v", err)
	}
}

// testAppendTreeRecordAfterPlain: appends that did not extend the tree
// (AppendRecord) and tree heads stored by PutTreeHead are seen by the
// next AppendTreeRecord: its end names the newest stored tree head, not
// the tree of the last tree append.
func testAppendTreeRecordAfterPlain(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	var ends []storage.LogEnd
	extend := treeExtend(&ends)
	_, err := s.AppendTreeRecord(ctx, fullRecord("r1", "p1"), extend)
	must(t, "AppendTreeRecord r1", err)
	r2, err := s.AppendRecord(ctx, fullRecord("r2", "p1"), testChain)
	must(t, "AppendRecord r2", err)
	_, err = s.AppendTreeRecord(ctx, fullRecord("r3", "p1"), func(rd storage.LogReader, end storage.LogEnd, r storage.Record) (storage.LogAppend, error) {
		ends = append(ends, end)
		return storage.LogAppend{}, errFn
	})
	if err != errFn { //nolint:errorlint // returned unchanged
		t.Fatalf("AppendTreeRecord r3: %v, want errFn", err)
	}
	end := ends[1]
	if end.Last == nil || end.Last.Seq != 2 || !bytes.Equal(end.Last.Hash, r2.Hash) {
		t.Fatalf("after a plain append: the last record is %+v, want r2", end.Last)
	}
	if end.Tree == nil || end.Tree.Size != 1 || !bytes.Equal(end.Tree.Frontier, idHash("r1")) {
		t.Fatalf("after a plain append: the tree is %+v, want r1's (size 1): the newest tree head", end.Tree)
	}

	// A head for size 2 stored apart (as a tree built from the records
	// is) is the one the next append finds.
	h2 := storage.TreeHead{Size: 2, Root: []byte("root-2"), Frontier: idHash("frontier-2"), Time: at(2), Signature: "head-2"}
	must(t, "PutTreeHead 2", s.PutTreeHead(ctx, h2))
	r3, err := s.AppendTreeRecord(ctx, fullRecord("r3", "p1"), extend)
	must(t, "AppendTreeRecord r3", err)
	end = ends[2]
	if end.Tree == nil || end.Tree.Size != 2 || !bytes.Equal(end.Tree.Frontier, h2.Frontier) {
		t.Fatalf("after PutTreeHead: the tree is %+v, want the stored head of size 2", end.Tree)
	}
	if r3.Seq != 3 || !bytes.Equal(r3.PrevHash, r2.Hash) {
		t.Errorf("r3: Seq %d, PrevHash %q; want 3 chained to r2", r3.Seq, r3.PrevHash)
	}
	// And the next append finds r3's tree again.
	_, err = s.AppendTreeRecord(ctx, fullRecord("r4", "p1"), extend)
	must(t, "AppendTreeRecord r4", err)
	end = ends[3]
	if end.Tree == nil || end.Tree.Size != 3 || !bytes.Equal(end.Tree.Frontier, idHash("r3")) {
		t.Fatalf("after r3: the tree is %+v, want r3's", end.Tree)
	}
}

// testAppendTreeRecordRolledBack: an append in a transaction that rolls
// back leaves the end of the log as it was.
func testAppendTreeRecordRolledBack(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	var ends []storage.LogEnd
	extend := treeExtend(&ends)
	r1, err := s.AppendTreeRecord(ctx, fullRecord("r1", "p1"), extend)
	must(t, "AppendTreeRecord r1", err)
	h1, err := s.LatestTreeHead(ctx)
	must(t, "LatestTreeHead after r1", err)
	err = s.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.AppendTreeRecord(ctx, fullRecord("r-rolled-back", "p1"), extend); err != nil {
			return err
		}
		return errFn
	})
	if !errors.Is(err, errFn) {
		t.Fatalf("InTransaction = %v, want errFn", err)
	}
	// r1's head, not kept, is the newest again.
	assertTreeHeads(t, s, h1)
	r2, err := s.AppendTreeRecord(ctx, fullRecord("r2", "p1"), extend)
	must(t, "AppendTreeRecord r2", err)
	end := ends[2]
	if r2.Seq != 2 || end.Last == nil || !bytes.Equal(end.Last.Hash, r1.Hash) {
		t.Fatalf("after a rollback: Seq %d, last record %+v; want 2 after r1", r2.Seq, end.Last)
	}
	if end.Tree == nil || end.Tree.Size != 1 || !bytes.Equal(end.Tree.Frontier, idHash("r1")) {
		t.Fatalf("after a rollback: the tree is %+v, want r1's", end.Tree)
	}
}

// testAppendTreeRecordReads: extend reads the log through its reader, in
// the append's transaction (a log written before its tree existed has its
// tree built from the records).
func testAppendTreeRecordReads(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	plain := appendRecords(t, s, "p1", "p2")
	var read []storage.Record
	r3, err := s.AppendTreeRecord(ctx, fullRecord("r3", "p1"), func(rd storage.LogReader, end storage.LogEnd, r storage.Record) (storage.LogAppend, error) {
		if end.Tree != nil {
			return storage.LogAppend{}, fmt.Errorf("a log without tree heads: end.Tree = %+v", end.Tree)
		}
		var err error
		if read, err = rd.ListRecords(ctx, 0, 10); err != nil {
			return storage.LogAppend{}, err
		}
		r, _ = testChain(end.Last, r)
		return treeAppend(end, r), nil
	})
	must(t, "AppendTreeRecord r3", err)
	assertList(t, "records read by extend", read, plain)
	if r3.Seq != 3 {
		t.Errorf("r3: Seq %d, want 3", r3.Seq)
	}
}

// testRaceAppendTreeRecord: racing AppendTreeRecord calls get contiguous
// Seq values, and each extend sees the record and the tree its true
// predecessor stored.
func testRaceAppendTreeRecord(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	results := make([]storage.Record, goroutines)
	errs := make([]error, goroutines)
	found := make([]error, goroutines)
	race(goroutines, func(i int) {
		r := fullRecord(fmt.Sprintf("race-%02d", i), "p1")
		results[i], errs[i] = s.AppendTreeRecord(ctx, r, func(_ storage.LogReader, end storage.LogEnd, r storage.Record) (storage.LogAppend, error) {
			switch {
			case end.Last == nil && (r.Seq != 1 || end.Tree != nil):
				found[i] = fmt.Errorf("seq %d with no predecessor, tree %+v", r.Seq, end.Tree)
			case end.Last != nil && end.Last.Seq != r.Seq-1:
				found[i] = fmt.Errorf("seq %d with predecessor seq %d", r.Seq, end.Last.Seq)
			case end.Last != nil && (end.Tree == nil || end.Tree.Size != r.Seq-1 || !bytes.Equal(end.Tree.Frontier, end.Last.Hash)):
				found[i] = fmt.Errorf("seq %d with a tree %+v that is not its predecessor's", r.Seq, end.Tree)
			}
			r.PrevHash = nil
			if end.Last != nil {
				r.PrevHash = bytes.Clone(end.Last.Hash)
			}
			r.Hash = idHash(r.ID)
			return treeAppend(end, r), nil
		})
	})
	for i := range goroutines {
		must(t, fmt.Sprintf("AppendTreeRecord #%d", i), errs[i])
		if found[i] != nil {
			t.Errorf("AppendTreeRecord #%d: extend saw %v", i, found[i])
		}
	}
	assertRaceLog(t, s, results)
	// The kept heads (even sizes) and the newest.
	heads, err := s.ListTreeHeads(ctx, 0, 2*goroutines)
	must(t, "ListTreeHeads", err)
	wantSizes := (goroutines + 1) / 2
	if len(heads) != wantSizes {
		t.Fatalf("%d tree heads after %d appends, want %d", len(heads), goroutines, wantSizes)
	}
	recs, err := s.ListRecords(ctx, 0, 2*goroutines)
	must(t, "ListRecords", err)
	for i, h := range heads {
		size := min(2*int64(i+1), goroutines)
		if h.Size != size || !bytes.Equal(h.Frontier, idHash(recs[size-1].ID)) {
			t.Errorf("tree head %d (size %d) is not record %d's", i+1, h.Size, size)
		}
	}
}

// assertTreeHeads fails unless the stored tree heads are want: listed,
// each found by its size, the last the newest; and a size between two
// of them, whose head was not kept, is not found.
func assertTreeHeads(t *testing.T, s storage.Storage, want ...storage.TreeHead) {
	t.Helper()
	ctx := t.Context()
	got, err := s.ListTreeHeads(ctx, 0, 100)
	must(t, "ListTreeHeads", err)
	assertList(t, "stored tree heads", got, want)
	for i, h := range want {
		one, err := s.GetTreeHead(ctx, h.Size)
		must(t, fmt.Sprintf("GetTreeHead %d", h.Size), err)
		assertEqual(t, fmt.Sprintf("tree head %d", h.Size), one, h)
		if after, err := s.ListTreeHeads(ctx, h.Size, 1); err != nil || len(after) != min(1, len(want)-i-1) {
			t.Errorf("ListTreeHeads after %d: %d heads, %v", h.Size, len(after), err)
		}
		if i > 0 && want[i-1].Size < h.Size-1 {
			_, err := s.GetTreeHead(ctx, h.Size-1)
			assertErr(t, fmt.Sprintf("GetTreeHead %d (not kept)", h.Size-1), err, storage.ErrNotFound)
		}
	}
	if len(want) > 0 {
		latest, err := s.LatestTreeHead(ctx)
		must(t, "LatestTreeHead", err)
		assertEqual(t, "LatestTreeHead", latest, want[len(want)-1])
	}
}
