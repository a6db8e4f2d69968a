package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math/bits"
	"slices"
	"testing"

	"github.com/netid-project/netid/internal/audit/treeproof"
	"github.com/netid-project/netid/internal/storage"
)

// mth is RFC 9162 §2.1.1's Merkle Tree Hash, written from the text:
// MTH({}) = SHA-256(), MTH({d0}) = SHA-256(0x00 || d0), and for n > 1,
// with k the largest power of two below n,
// MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])).
func mth(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		h := sha256.Sum256(nil)
		return h[:]
	case 1:
		h := sha256.Sum256(append([]byte{0}, leaves[0]...))
		return h[:]
	}
	k := 1 << (bits.Len(uint(len(leaves)-1)) - 1)
	b := append([]byte{1}, mth(leaves[:k])...)
	b = append(b, mth(leaves[k:])...)
	h := sha256.Sum256(b)
	return h[:]
}

// TestTreeHeads appends 70 records, keeping every tree head, and checks
// each against RFC 9162's definition, every inclusion proof in the last
// head, and the consistency proof between every two sizes.
func TestTreeHeads(t *testing.T) {
	ctx := context.Background()
	const n = 70
	KeepTreeHeadsEvery(t, 1)
	l, store, keys := newTestLog(t, n, 1000)
	_ = l
	recs, _ := store.ListRecords(ctx, 0, n)
	var leaves [][]byte
	heads := make([]storage.TreeHead, 0, n)
	for i, r := range recs {
		leaves = append(leaves, r.Hash)
		h, err := store.GetTreeHead(ctx, int64(i+1))
		if err != nil {
			t.Fatalf("no tree head of size %d: %v", i+1, err)
		}
		if !bytes.Equal(h.Root, mth(leaves)) {
			t.Fatalf("root of size %d is not RFC 9162's Merkle Tree Hash", i+1)
		}
		signed, err := ParseTreeHead(h.Signature, keys)
		if err != nil || signed.Size != h.Size || !bytes.Equal(signed.Root, h.Root) {
			t.Fatalf("head %d: signed %+v, %v", h.Size, signed, err)
		}
		heads = append(heads, h)
	}
	last := ProofHead(heads[n-1])
	for _, r := range recs {
		p, err := InclusionProof(ctx, store, r.Seq, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := treeproof.VerifyInclusion(last, r.Seq, r.Hash, p); err != nil {
			t.Fatalf("record %d: %v", r.Seq, err)
		}
		if err := treeproof.VerifyInclusion(last, r.Seq, recs[(r.Seq)%n].Hash, p); !errors.Is(err, treeproof.ErrNotIncluded) {
			t.Fatalf("another record's hash at %d: %v", r.Seq, err)
		}
	}
	for a := 1; a <= n; a++ {
		for b := a; b <= n; b++ {
			p, err := ConsistencyProof(ctx, store, int64(a), int64(b))
			if err != nil {
				t.Fatal(err)
			}
			older, newer := ProofHead(heads[a-1]), ProofHead(heads[b-1])
			if err := treeproof.VerifyExtends(older, newer, p); err != nil {
				t.Fatalf("%d to %d: %v", a, b, err)
			}
			if b > a {
				if err := treeproof.VerifyExtends(newer, older, nil); !errors.Is(err, treeproof.ErrRewound) {
					t.Fatalf("%d back to %d: %v", b, a, err)
				}
				forged := newer
				forged.Root = heads[b-2].Root
				if err := treeproof.VerifyExtends(older, forged, p); !errors.Is(err, treeproof.ErrForked) && a != b-1 {
					t.Fatalf("%d to a forged %d: %v", a, b, err)
				}
			}
		}
	}
	for _, bad := range [][2]int64{{0, 1}, {2, 1}, {1, n + 1}} {
		if _, err := ConsistencyProof(ctx, store, bad[0], bad[1]); err == nil {
			t.Errorf("consistency %v: no error", bad)
		}
	}
	if _, err := InclusionProof(ctx, store, n+1, n); !errors.Is(err, ErrBadProof) {
		t.Errorf("inclusion beyond the tree: %v", err)
	}
}

// TestTreeFromOlderLog: a log written before the tree has its first tree
// head built from its records, by the next append or by SignTree.
func TestTreeFromOlderLog(t *testing.T) {
	ctx := context.Background()
	for _, viaAppend := range []bool{true, false} {
		l, store, keys := newTestLog(t, 10, 1000)
		store.trees, store.nodes = nil, nil // as before the tree existed
		if viaAppend {
			if _, err := l.Append(ctx, testRecord(10)); err != nil {
				t.Fatal(err)
			}
		} else {
			h, err := l.SignTree(ctx)
			if err != nil || h.Size != 10 {
				t.Fatalf("SignTree: %+v %v", h, err)
			}
			if again, err := l.SignTree(ctx); err != nil || again.Signature != h.Signature {
				t.Fatalf("SignTree again: %v", err)
			}
		}
		rep := mustVerify(t, store, keys)
		if !rep.OK() {
			t.Fatalf("viaAppend %v: %v", viaAppend, rep.Problems)
		}
		recs, _ := store.ListRecords(ctx, 0, 100)
		latest, _ := store.LatestTreeHead(ctx)
		for _, r := range recs {
			p, err := InclusionProof(ctx, store, r.Seq, latest.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := treeproof.VerifyInclusion(ProofHead(latest), r.Seq, r.Hash, p); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestTreeRefusesToCoverACut: with the newest tree heads beyond the log's
// end, or missing, the log refuses to append or sign over it.
func TestTreeRefusesToCoverACut(t *testing.T) {
	ctx := context.Background()
	l, store, _ := newTestLog(t, 10, 1000)
	store.remove(10, 10)
	if _, err := l.Append(ctx, testRecord(11)); !errors.Is(err, ErrTruncated) {
		t.Errorf("append over a cut log: %v, want ErrTruncated", err)
	}
	// Heads kept at 4 and 8, the newest at 10: the newest removed.
	KeepTreeHeadsEvery(t, 4)
	l, store, _ = newTestLog(t, 10, 1000)
	if len(store.trees) != 3 {
		t.Fatalf("stored tree heads %v, want those of sizes 4, 8 and 10", sizes(store.trees))
	}
	store.trees = store.trees[:2]
	if _, err := l.Append(ctx, testRecord(11)); !errors.Is(err, ErrTreeGap) {
		t.Errorf("append after removed tree heads: %v, want ErrTreeGap", err)
	}
	if _, err := l.SignTree(ctx); !errors.Is(err, ErrTreeGap) && !errors.Is(err, ErrTruncated) {
		t.Errorf("SignTree after removed tree heads: %v", err)
	}
	l = &Log{Store: &fakeStore{}, Keys: newTestKey(t)}
	if _, err := l.SignTree(ctx); !errors.Is(err, ErrEmptyLog) {
		t.Errorf("SignTree of an empty log: %v", err)
	}
}

// TestCutsOfTheNewestRecords: 40 records (no chain head before the
// 100th); the newest record, the newest 30 or all of them removed. The
// chain and its heads showed none of these; the tree heads show each.
func TestCutsOfTheNewestRecords(t *testing.T) {
	for name, cut := range map[string]func(s *fakeStore){
		"tail-1":  func(s *fakeStore) { s.remove(40, 40) },
		"tail-30": func(s *fakeStore) { s.remove(11, 40) },
		"all":     func(s *fakeStore) { s.remove(1, 40) },
	} {
		_, store, keys := newTestLog(t, 40, DefaultHeadEvery)
		cut(store)
		rep, err := Verify(context.Background(), store, keys)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() {
			t.Errorf("%s: Verify says OK (%d records)", name, rep.Records)
		}
	}
}

// sizes lists the sizes of heads.
func sizes(heads []storage.TreeHead) []int64 {
	out := make([]int64, len(heads))
	for i, h := range heads {
		out[i] = h.Size
	}
	return out
}

// TestKeptTreeHeads: every append signs the head of its size, given with
// its record and stored as the newest; once the next append signs its
// own, only the heads at multiples of the kept interval stay. Verify
// requires those, and passes a log that kept every head.
func TestKeptTreeHeads(t *testing.T) {
	ctx := context.Background()
	KeepTreeHeadsEvery(t, 4)
	l, store, keys := newTestLog(t, 10, 1000)
	if got := sizes(store.trees); !equalSizes(got, 4, 8, 10) {
		t.Fatalf("after 10 appends the stored heads are of sizes %v, want 4, 8, 10", got)
	}
	for _, want := range [][]int64{{4, 8, 11}, {4, 8, 12}, {4, 8, 12, 13}} {
		_, head, err := l.AppendTree(ctx, store, testRecord(int(want[len(want)-1])))
		if err != nil {
			t.Fatal(err)
		}
		signed, err := ParseTreeHead(head.Signature, keys)
		if err != nil || signed.Size != want[len(want)-1] {
			t.Fatalf("the append's head: %+v, %v", signed, err)
		}
		if got := sizes(store.trees); !equalSizes(got, want...) {
			t.Fatalf("stored heads %v, want %v", got, want)
		}
		latest, err := store.LatestTreeHead(ctx)
		if err != nil || latest.Signature != head.Signature {
			t.Fatalf("the newest stored head is not the append's: %v", err)
		}
		if rep := mustVerify(t, store, keys); !rep.OK() {
			t.Fatalf("%v", rep.Problems)
		}
	}

	// A kept head removed, in the middle or the first: head-missing from
	// its size on.
	for _, size := range []int64{4, 8} {
		saved := slices.Clone(store.trees)
		store.trees = slices.DeleteFunc(store.trees, func(h storage.TreeHead) bool { return h.Size == size })
		rep := mustVerify(t, store, keys)
		if size == 8 {
			if got := treeFindings(rep); !sameFindings(got, []finding{{8, KindHeadMissing}}) {
				t.Errorf("kept head 8 removed: findings %v, want head-missing at 8\n%v", got, rep.Problems)
			}
		} else if !rep.OK() {
			// With the first head gone, the tree starts at the next: no
			// size before it is one the log must keep.
			t.Errorf("first kept head removed: %v", rep.Problems)
		}
		store.trees = saved
	}

	// A log written keeping every head verifies with the interval too.
	KeepTreeHeadsEvery(t, 1)
	_, every, keys := newTestLog(t, 10, 1000)
	KeepTreeHeadsEvery(t, 4)
	if rep := mustVerify(t, every, keys); !rep.OK() || rep.TreeHeads != 10 {
		t.Errorf("a log keeping every head: %d heads, %v", rep.TreeHeads, rep.Problems)
	}
}

func equalSizes(got []int64, want ...int64) bool { return slices.Equal(got, want) }
