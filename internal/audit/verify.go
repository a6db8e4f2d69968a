package audit

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/go-jose/go-jose/v4"
	"github.com/transparency-dev/merkle/compact"

	"github.com/netid-project/netid/internal/storage"
)

// Kind is the kind of a problem Verify finds.
type Kind string

// Problem kinds.
const (
	// KindAltered: a record's content does not match its hash, or its hash
	// is not the one the next record chains to.
	KindAltered Kind = "altered"
	// KindRemoved: Seqs are missing (a gap), or, at the end of the log,
	// records were removed and the later ones renumbered.
	KindRemoved Kind = "removed"
	// KindReordered: a record is listed out of Seq order or twice, or it
	// was written at another Seq than the one it is stored at.
	KindReordered Kind = "reordered"
	// KindTruncated: a valid signed head covers a Seq beyond the end of
	// the log.
	KindTruncated Kind = "truncated"
	// KindBadHeadSignature: a head's signature does not verify under the
	// keys, or does not cover the Seq and hash stored with it.
	KindBadHeadSignature Kind = "bad-head-signature"
	// KindHeadMismatch: a validly signed head's hash differs from the
	// record's at its Seq, or there is no record at its Seq.
	KindHeadMismatch Kind = "head-mismatch"
	// KindTreeMismatch: a validly signed tree head's root (or the
	// frontier stored with it) differs from the Merkle tree over the
	// records as they are now.
	KindTreeMismatch Kind = "tree-mismatch"
	// KindHeadMissing: records are covered by no signed tree head, or
	// the tree heads of sizes the log keeps are missing.
	KindHeadMissing Kind = "head-missing"
)

// Problem is one thing wrong with the log.
type Problem struct {
	// Seq is the first record concerned (for a head, the head's Seq).
	Seq int64
	// Last is the last record concerned when a problem spans several
	// (a gap, a run of renumbered records); otherwise equal to Seq.
	Last   int64
	Kind   Kind
	Detail string
	// Tree: the problem was found by the Merkle tree's check (its heads),
	// not the hash chain's.
	Tree bool
}

// String formats p on one line: "seq 5: altered: …" or "seq 5-7: …".
func (p Problem) String() string {
	if p.Last > p.Seq {
		return fmt.Sprintf("seq %d-%d: %s: %s", p.Seq, p.Last, p.Kind, p.Detail)
	}
	return fmt.Sprintf("seq %d: %s: %s", p.Seq, p.Kind, p.Detail)
}

// Report is the result of Verify.
type Report struct {
	// Records is the number of records read, Heads the number of heads
	// checked (stored ones, plus the one given to VerifyAgainst).
	Records int64
	Heads   int
	// TreeHeads is the number of signed tree heads checked; TreeRoot the
	// Merkle root over the Records records read.
	TreeHeads int
	TreeRoot  []byte
	// LastSeq and LastHash are the Seq and stored Hash of the last record
	// read (0 and nil for an empty log).
	LastSeq  int64
	LastHash []byte
	// Problems lists everything found, ordered by Seq (a record's own
	// problems before those of heads at the same Seq); empty if the log
	// verifies.
	Problems []Problem
}

// OK reports whether no problem was found.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Count returns the number of problems of kind k.
func (r Report) Count(k Kind) int {
	n := 0
	for _, p := range r.Problems {
		if p.Kind == k {
			n++
		}
	}
	return n
}

// Err returns nil if the log verified, or an error wrapping ErrTampered
// naming the first problem.
func (r Report) Err() error {
	if r.OK() {
		return nil
	}
	return fmt.Errorf("%w: %d problems, first %s", ErrTampered, len(r.Problems), r.Problems[0])
}

// reorderWindow is how far from its stored Seq Verify looks for the Seq a
// record whose hash does not recompute was written at, to tell a moved
// record (reordered) from an altered one. It only refines the kind
// reported: a record moved further is reported as altered.
const reorderWindow = 64

// Verify reads the whole log, from Seq 1 in pages, and every stored head,
// and reports every problem found: Seqs not contiguous from 1 (a gap is
// removed; a repeat or a step back reordered), a record whose hash does not
// recompute (altered, or reordered if it recomputes at a nearby Seq), a
// PrevHash that is not the previous record's Hash (the previous record is
// reported altered), and for every head: its signature valid under keys by
// kid and covering its stored Seq and Hash (else bad-head-signature), the
// record at its Seq having its hash (else head-mismatch), its Seq not
// beyond the end (else truncated).
//
// keys must hold every key that ever signed a head, retired ones included.
// The error is for failures to read the store only; a tampered log is a
// Report with problems (Report.Err).
//
// Records removed from the end after the last stored head, or the end
// rewritten after it, leave no trace in the store: see VerifyAgainst.
//
// It also rebuilds the Merkle tree over the records as they are and
// checks every stored tree head: its signature (else bad-head-signature),
// its root and frontier against the tree of its size (else
// tree-mismatch, reported for the first such head), a head at every
// multiple of KeptTreeHeadEvery from the first stored one on and one
// covering the last record (else head-missing), and none beyond the end
// (else truncated). A log stored before heads were thinned, with one for
// every size, passes too.
//
// The log may grow while Verify runs: it checks the records appended
// meanwhile as it reads them, with the heads signed over them, and
// reports no problem for an intact log however it grows. Where the log
// ends at a kept size, the newest head is stored twice (kept, and as the
// newest append's, which the next append extends): both are checked.
func Verify(ctx context.Context, s Store, keys jose.JSONWebKeySet) (Report, error) {
	return verify(ctx, s, keys, nil, nil)
}

// VerifyAgainstTree is Verify, also checking the log against head, a
// signed tree head kept outside the store (by a witness, an auditor, a
// holder's wallet; parsed with ParseTreeHead): its signature must verify,
// and the first head.Size records must have its root. This detects every
// rewrite and every removal of records it covers, whatever was done to
// the stored heads.
func VerifyAgainstTree(ctx context.Context, s Store, keys jose.JSONWebKeySet, head storage.TreeHead) (Report, error) {
	return verify(ctx, s, keys, nil, &head)
}

// VerifyAgainst is Verify, also checking the log against head, a head kept
// outside the store (e.g. fetched from GET /v1/audit/head by a relying party
// or an auditor, or parsed with ParseHead). Its signature must verify and
// cover its Seq and Hash (if set); the log must then hold its hash at its
// Seq. This detects records removed from the end or rewritten after the
// last stored head, and stored heads deleted.
func VerifyAgainst(ctx context.Context, s Store, keys jose.JSONWebKeySet, head storage.Head) (Report, error) {
	return verify(ctx, s, keys, []storage.Head{head}, nil)
}

// verifier holds the state of one walk over the log.
type verifier struct {
	rep   Report
	heads []storage.Head // valid heads, by Seq
	next  int            // heads[next] is the first not yet compared

	prev        *storage.Record // last record read
	prevFlagged bool            // a problem was reported for prev
	lastSeq     int64           // highest Seq read

	run       *Problem // current run of records moved by runOffset
	runOffset int64

	tree *treeCheck
}

func verify(ctx context.Context, s Store, keys jose.JSONWebKeySet, extra []storage.Head, given *storage.TreeHead) (Report, error) {
	stored, err := s.ListHeads(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("audit: list heads: %w", err)
	}
	v := &verifier{}
	for i, h := range append(stored, extra...) {
		which := "stored head"
		if i >= len(stored) {
			which = "given head"
		}
		v.rep.Heads++
		signed, err := ParseHead(h.Signature, keys)
		switch {
		case err != nil:
			v.add(h.Seq, h.Seq, KindBadHeadSignature, fmt.Sprintf("%s: %s", which, headError(err)))
		case (i < len(stored) || h.Seq != 0) && h.Seq != signed.Seq,
			(i < len(stored) || h.Hash != nil) && !bytes.Equal(h.Hash, signed.Hash):
			v.add(h.Seq, h.Seq, KindBadHeadSignature, fmt.Sprintf("%s: its signature covers seq %d hash %s, not the seq and hash stored with it", which, signed.Seq, b64.EncodeToString(signed.Hash)))
		default:
			v.heads = append(v.heads, signed)
		}
	}
	slices.SortStableFunc(v.heads, func(a, b storage.Head) int { return cmp.Compare(a.Seq, b.Seq) })

	v.tree = &treeCheck{v: v, store: s, keys: keys, rng: ranges.NewEmptyRange(0)}
	if given != nil {
		v.tree.given(*given)
	}
	// The log may grow while the walk runs: it is read in many
	// statements, not in one snapshot, and the head of a record read may
	// be gone by the time heads are read (only every keptEvery-th stays
	// once the next append signs its own). So the heads are listed again
	// whenever the walk passes the last one listed (check), and the
	// records that the heads listed cover are read to the end (below):
	// each append stores its record and the head over it in one
	// transaction, so a head listed after a record was read covers it.
	switch newest, err := s.LatestTreeHead(ctx); {
	case err == nil:
		v.tree.newest = &newest
	case !errors.Is(err, storage.ErrNotFound):
		return Report{}, fmt.Errorf("audit: newest tree head: %w", err)
	}
	var after int64
	// read walks the next records, at most limit, and says how many.
	read := func(limit int) (int, error) {
		recs, err := s.ListRecords(ctx, after, limit)
		if err != nil {
			return 0, fmt.Errorf("audit: list records after %d: %w", after, err)
		}
		v.tree.relisted = false
		for i := range recs {
			v.record(&recs[i])
			if err := v.tree.check(ctx); err != nil {
				return 0, err
			}
			after = max(after, recs[i].Seq)
		}
		return len(recs), nil
	}
	for {
		n, err := read(pageSize)
		if err != nil {
			return Report{}, err
		}
		if n < pageSize {
			break
		}
		if err := ctx.Err(); err != nil {
			return Report{}, fmt.Errorf("audit: verify: %w", err)
		}
	}
	// Heads listed after the last page of records may cover records
	// appended since: read them too, up to the largest such head. (A log
	// empty when read has had no head listed yet: list them now.)
	if _, _, err := v.tree.next(ctx, 0); err != nil {
		return Report{}, err
	}
	for top := v.tree.top(); after < top; top = v.tree.top() {
		n, err := read(int(min(int64(pageSize), top-after)))
		if err != nil {
			return Report{}, err
		}
		if n == 0 {
			break
		}
	}
	if err := v.tree.finish(ctx); err != nil {
		return Report{}, err
	}
	v.finish()
	return v.rep, nil
}

func headError(err error) string {
	switch {
	case errors.Is(err, ErrUnknownKey):
		return "signed by an unknown key"
	case errors.Is(err, ErrHeadSignature):
		return "signature does not verify"
	default:
		return "malformed"
	}
}

// treeCheck rebuilds the Merkle tree over the records as Verify reads
// them and compares it with the tree heads, read in pages by size.
type treeCheck struct {
	v     *verifier
	store TreeStore
	keys  jose.JSONWebKeySet
	rng   *compact.Range

	page  []storage.TreeHead // stored heads not yet compared, by size
	after int64              // the size of the last stored head read
	done  bool               // every stored head has been read

	extra      *storage.TreeHead // a valid given head not yet compared
	first      int64             // size of the first stored head (0: none yet)
	last       int64             // size of the last stored head compared
	mismatch   *Problem          // the first stored head that differs
	mismatched int               // stored heads that differ

	pending []storage.TreeHead // stored heads whose signature is not checked yet

	// newest is the newest head stored when the walk began (nil: none).
	// Where the log ends at a kept size it is stored twice, and the list
	// gives the kept copy: newest is the other, the one the next append
	// extends, checked after the kept one if it differs from it.
	newest     *storage.TreeHead
	haveNewest bool // newest was met among the listed heads
	// relisted: the heads were listed again during the current page of
	// records. Once a page suffices on an intact log (a head listed after
	// the page was read covers all of it); records written around the
	// platform, covered by none, do not make a query each.
	relisted bool
}

// sigBatch is how many heads' signatures checkSignatures checks at once,
// spread over the CPUs.
const sigBatch = 512

// checkSignatures checks the signatures of the pending heads, in
// parallel: each must verify under the keys and cover the size and root
// stored with it.
func (c *treeCheck) checkSignatures() {
	heads := c.pending
	c.pending = nil
	details := make([]string, len(heads))
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(heads))
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(heads); i += workers {
				h := heads[i]
				signed, err := ParseTreeHead(h.Signature, c.keys)
				switch {
				case err != nil:
					details[i] = "tree head: " + headError(err)
				case signed.Size != h.Size || !bytes.Equal(signed.Root, h.Root):
					details[i] = fmt.Sprintf("tree head: its signature covers size %d root %s, not the size and root stored with it", signed.Size, b64.EncodeToString(signed.Root))
				}
			}
		})
	}
	wg.Wait()
	for i, d := range details {
		if d != "" {
			c.add(heads[i].Size, heads[i].Size, KindBadHeadSignature, d)
		}
	}
}

// given checks the signature of a head kept outside the store.
func (c *treeCheck) given(h storage.TreeHead) {
	c.v.rep.TreeHeads++
	signed, err := ParseTreeHead(h.Signature, c.keys)
	switch {
	case err != nil:
		c.add(h.Size, h.Size, KindBadHeadSignature, "given tree head: "+headError(err))
	case (h.Size != 0 && h.Size != signed.Size) || (h.Root != nil && !bytes.Equal(h.Root, signed.Root)):
		c.add(h.Size, h.Size, KindBadHeadSignature, "given tree head: its signature covers another size or root")
	default:
		c.extra = &signed
	}
}

// leaf adds the record whose hash is hash to the tree.
func (c *treeCheck) leaf(hash []byte) {
	// Append fails only on a corrupted range, which this one never is.
	_ = c.rng.Append(LeafHash(hash), nil)
}

// next returns the next stored head, reading a page when needed; ok is
// false when there is none left. size is the number of records read;
// with it, heads are listed again if they all were and the walk has
// passed the last one (appends since then signed more), once a page of
// records.
func (c *treeCheck) next(ctx context.Context, size int64) (storage.TreeHead, bool, error) {
	if len(c.page) == 0 && c.done && size > c.after && !c.relisted {
		c.done, c.relisted = false, true
	}
	if len(c.page) == 0 && !c.done {
		page, err := c.store.ListTreeHeads(ctx, c.after, pageSize)
		if err != nil {
			return storage.TreeHead{}, false, fmt.Errorf("audit: list tree heads after %d: %w", c.after, err)
		}
		c.page, c.done = page, len(page) < pageSize
		if len(page) > 0 {
			c.after = page[len(page)-1].Size
		}
	}
	if len(c.page) == 0 {
		return storage.TreeHead{}, false, nil
	}
	return c.page[0], true, nil
}

// top is the largest size of a head listed or given: the records up to
// it are in the log unless it was cut.
func (c *treeCheck) top() int64 {
	top := c.after
	if c.newest != nil {
		top = max(top, c.newest.Size)
	}
	if c.extra != nil {
		top = max(top, c.extra.Size)
	}
	return top
}

// check compares the heads whose size is the number of records read so
// far.
func (c *treeCheck) check(ctx context.Context) error {
	size := int64(c.rng.End())
	var root []byte
	rootOf := func() []byte {
		if root == nil {
			root, _ = c.rng.GetRootHash(nil)
		}
		return root
	}
	if c.extra != nil && c.extra.Size == size {
		if !bytes.Equal(c.extra.Root, rootOf()) {
			c.add(size, size, KindTreeMismatch, "the log does not extend the given tree head: its root differs from the tree over the first records")
		}
		c.extra = nil
	}
	for {
		h, ok, err := c.next(ctx, size)
		if err != nil {
			return err
		}
		if !ok || h.Size > size {
			break
		}
		c.page = c.page[1:]
		if c.newest != nil && sameTreeHead(h, *c.newest) {
			c.haveNewest = true
		}
		c.compare(h, size, rootOf())
	}
	if n := c.newest; n != nil && n.Size == size && !c.haveNewest {
		c.haveNewest = true
		c.compare(*n, size, rootOf())
	}
	return nil
}

// compare checks the stored head h, whose size is at most size, the
// number of records read, and root the tree's root.
func (c *treeCheck) compare(h storage.TreeHead, size int64, root []byte) {
	c.v.rep.TreeHeads++
	if h.Size < size || h.Size < 1 {
		// A head of size 0 or below; every other is met at its size.
		c.add(h.Size, h.Size, KindBadHeadSignature, "tree head of an impossible size")
		return
	}
	if c.first == 0 {
		c.first = h.Size
	} else if kept := (c.last/keptEvery + 1) * keptEvery; kept < h.Size {
		// A size between the previous head and this one whose head the
		// log keeps has none.
		missing := (h.Size-1)/keptEvery - c.last/keptEvery
		c.add(kept, h.Size-1, KindHeadMissing, fmt.Sprintf("no signed tree head for %d size(s) whose head the log keeps (every %d)", missing, keptEvery))
	}
	c.last = h.Size
	c.pending = append(c.pending, h)
	if len(c.pending) >= sigBatch {
		c.checkSignatures()
	}
	if !bytes.Equal(h.Root, root) || !bytes.Equal(h.Frontier, frontierBytes(c.rng)) {
		c.mismatched++
		if c.mismatch == nil {
			c.mismatch = &Problem{Seq: h.Size, Last: h.Size, Kind: KindTreeMismatch}
		}
	}
}

// finish reports the heads beyond the last record, the records after the
// last head, and the mismatches.
func (c *treeCheck) finish(ctx context.Context) error {
	c.checkSignatures()
	size := int64(c.rng.End())
	root, _ := c.rng.GetRootHash(nil)
	c.v.rep.TreeRoot = root
	var beyond, top int64
	var rest []storage.TreeHead
	for {
		h, ok, err := c.next(ctx, 0)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		c.page = c.page[1:]
		rest = append(rest, h)
	}
	if n := c.newest; n != nil && !c.haveNewest && !slices.ContainsFunc(rest, func(h storage.TreeHead) bool { return sameTreeHead(h, *n) }) {
		rest = append(rest, *n)
	}
	for _, h := range rest {
		c.v.rep.TreeHeads++
		if _, err := ParseTreeHead(h.Signature, c.keys); err != nil {
			c.add(h.Size, h.Size, KindBadHeadSignature, "tree head: "+headError(err))
			continue
		}
		beyond, top = beyond+1, max(top, h.Size)
	}
	if beyond > 0 {
		c.add(size+1, top, KindTruncated, fmt.Sprintf("the log holds %d records but %d signed tree head(s) cover up to %d", size, beyond, top))
	}
	if c.extra != nil {
		c.add(size+1, c.extra.Size, KindTruncated, fmt.Sprintf("the log holds %d records but the given tree head covers %d", size, c.extra.Size))
	}
	if size > 0 && beyond == 0 && c.last < size {
		c.add(c.last+1, size, KindHeadMissing, fmt.Sprintf("%d record(s) at the end are covered by no signed tree head", size-c.last))
	}
	if p := c.mismatch; p != nil {
		p.Detail = "a signed tree head's root differs from the tree over the records"
		if c.mismatched > 1 {
			p.Detail += fmt.Sprintf(" (and %d later tree heads)", c.mismatched-1)
		}
		p.Tree = true
		c.v.rep.Problems = append(c.v.rep.Problems, *p)
	}
	return nil
}

// sameTreeHead reports whether a and b are the same stored head.
func sameTreeHead(a, b storage.TreeHead) bool {
	return a.Size == b.Size && bytes.Equal(a.Root, b.Root) && bytes.Equal(a.Frontier, b.Frontier) && a.Signature == b.Signature
}

func (c *treeCheck) add(seq, last int64, k Kind, detail string) {
	c.v.rep.Problems = append(c.v.rep.Problems, Problem{Seq: seq, Last: last, Kind: k, Detail: detail, Tree: true})
}

func (v *verifier) add(seq, last int64, k Kind, detail string) {
	v.rep.Problems = append(v.rep.Problems, Problem{Seq: seq, Last: last, Kind: k, Detail: detail})
}

// record checks r, the next record listed.
func (v *verifier) record(r *storage.Record) {
	v.rep.Records++
	flagged, contiguous := false, false
	switch {
	case r.Seq <= v.lastSeq:
		v.flushRun(false)
		v.add(r.Seq, r.Seq, KindReordered, fmt.Sprintf("listed after seq %d", v.lastSeq))
		flagged = true
	case r.Seq > v.lastSeq+1:
		v.flushRun(false)
		n := r.Seq - v.lastSeq - 1
		v.add(v.lastSeq+1, r.Seq-1, KindRemoved, fmt.Sprintf("%d record(s) missing", n))
	default:
		contiguous = true
	}

	hash := Hash(*r)
	v.tree.leaf(hash)
	if !bytes.Equal(hash, r.Hash) {
		flagged = true
		if d, ok := movedBy(*r); ok {
			extends := v.run != nil && contiguous && d == v.runOffset && v.prev != nil &&
				bytes.Equal(r.PrevHash, v.prev.Hash)
			if extends {
				v.run.Last = r.Seq
			} else {
				v.flushRun(false)
				v.run, v.runOffset = &Problem{Seq: r.Seq, Last: r.Seq}, d
			}
		} else {
			v.flushRun(false)
			v.add(r.Seq, r.Seq, KindAltered, "the record's content does not match its hash")
		}
	} else {
		v.flushRun(false)
	}

	if !flagged && contiguous {
		want := make([]byte, HashSize)
		if v.prev != nil {
			want = v.prev.Hash
		}
		if !bytes.Equal(r.PrevHash, want) {
			switch {
			case v.prev == nil:
				v.add(r.Seq, r.Seq, KindAltered, "the first record does not chain from the zero hash")
				flagged = true
			case !v.prevFlagged:
				v.add(v.prev.Seq, v.prev.Seq, KindAltered, fmt.Sprintf("its hash is not the one record %d chains to (one of the two was altered and rehashed)", r.Seq))
			}
		}
	}

	// Compare the heads up to this Seq.
	// Heads not compared yet with a lower Seq fell in a gap.
	for v.next < len(v.heads) && v.heads[v.next].Seq < r.Seq {
		h := v.heads[v.next]
		v.add(h.Seq, h.Seq, KindHeadMismatch, "no record at the seq of a signed head")
		v.next++
	}
	for v.next < len(v.heads) && v.heads[v.next].Seq == r.Seq {
		if h := v.heads[v.next]; !bytes.Equal(h.Hash, r.Hash) {
			v.add(h.Seq, h.Seq, KindHeadMismatch, fmt.Sprintf("signed head hash %s, record hash %s", b64.EncodeToString(h.Hash), b64.EncodeToString(r.Hash)))
		}
		v.next++
	}

	v.prev, v.prevFlagged = r, flagged
	v.lastSeq = max(v.lastSeq, r.Seq)
	v.rep.LastSeq, v.rep.LastHash = r.Seq, r.Hash
}

// flushRun reports the current run of moved records, if any. atEnd: the
// run reaches the end of the log.
func (v *verifier) flushRun(atEnd bool) {
	if v.run == nil {
		return
	}
	p, d := *v.run, v.runOffset
	v.run = nil
	if atEnd && d > 0 {
		p.Kind = KindRemoved
		p.Detail = fmt.Sprintf("%d record(s) removed before seq %d and the later records renumbered", d, p.Seq)
	} else {
		p.Kind = KindReordered
		p.Detail = fmt.Sprintf("written at seq %d-%d", p.Seq+d, p.Last+d)
		if p.Last == p.Seq {
			p.Detail = fmt.Sprintf("written at seq %d", p.Seq+d)
		}
	}
	v.rep.Problems = append(v.rep.Problems, p)
}

// finish reports what remains at the end of the log.
func (v *verifier) finish() {
	v.flushRun(true)
	// The heads left all lie beyond the last Seq read.
	if beyond := v.heads[v.next:]; len(beyond) > 0 {
		top := beyond[len(beyond)-1].Seq
		v.add(v.lastSeq+1, top, KindTruncated, fmt.Sprintf("the log ends at seq %d but %d signed head(s) cover up to seq %d", v.lastSeq, len(beyond), top))
		v.next = len(v.heads)
	}
	slices.SortStableFunc(v.rep.Problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.Kind.isHead(), b.Kind.isHead()))
	})
}

// isHead is 1 for the kinds about heads (listed after a record's own
// problems at the same Seq), else 0.
func (k Kind) isHead() int {
	switch k {
	case KindTruncated, KindBadHeadSignature, KindHeadMismatch, KindTreeMismatch, KindHeadMissing:
		return 1
	}
	return 0
}

// movedBy reports whether r's hash recomputes at r.Seq+d for some d within
// reorderWindow, i.e. r is intact but stored at another Seq.
func movedBy(r storage.Record) (int64, bool) {
	seq := r.Seq
	for d := int64(1); d <= reorderWindow; d++ {
		for _, off := range [2]int64{d, -d} {
			if seq+off < 1 {
				continue
			}
			r.Seq = seq + off
			if bytes.Equal(Hash(r), r.Hash) {
				return off, true
			}
		}
	}
	return 0, false
}
