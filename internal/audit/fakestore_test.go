package audit

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/storage"
)

var _ Signer = (*keys.KeySet)(nil)

// fakeStore is an in-memory Store following storage.VerificationStore's
// contract. Tests tamper with recs and heads directly (holding no lock:
// they do so between calls).
type fakeStore struct {
	// tx serialises Transact (the log's appends), as a database's tail
	// lock does.
	tx    sync.Mutex
	mu    sync.Mutex
	recs  []storage.Record // in append order; the tail is the last
	heads []storage.Head
	trees []storage.TreeHead // kept heads and the newest, in size order
	// unkept is the size of the newest append's head if it is not kept
	// (the next append removes it from trees), 0 if it is.
	unkept int64
	nodes  map[nodePos][]byte
	// unsorted lists records in slice order instead of by Seq.
	unsorted bool
	// appendErr, listErr and putHeadErr make the methods fail.
	appendErr, listErr, putHeadErr error
}

var (
	_ Store      = (*fakeStore)(nil)
	_ Transactor = (*fakeStore)(nil)
)

// Transact runs fn alone among Transact calls. A failed fn leaves what it
// wrote (the fake has no rollback; tests of failures do not read on).
func (f *fakeStore) Transact(ctx context.Context, fn func(tx Store) error) error {
	f.tx.Lock()
	defer f.tx.Unlock()
	return fn(f)
}

type nodePos struct {
	level int
	index int64
}

func cloneTree(h storage.TreeHead) storage.TreeHead {
	h.Root = slices.Clone(h.Root)
	h.Frontier = slices.Clone(h.Frontier)
	return h
}

func (f *fakeStore) PutTreeHead(ctx context.Context, h storage.TreeHead) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, found := slices.BinarySearchFunc(f.trees, h.Size, func(t storage.TreeHead, size int64) int { return cmp.Compare(t.Size, size) })
	if found {
		return storage.ErrAlreadyExists
	}
	f.trees = slices.Insert(f.trees, i, cloneTree(h))
	return nil
}

func (f *fakeStore) GetTreeHead(ctx context.Context, size int64) (storage.TreeHead, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, found := slices.BinarySearchFunc(f.trees, size, func(t storage.TreeHead, size int64) int { return cmp.Compare(t.Size, size) })
	if !found {
		return storage.TreeHead{}, storage.ErrNotFound
	}
	return cloneTree(f.trees[i]), nil
}

func (f *fakeStore) LatestTreeHead(ctx context.Context) (storage.TreeHead, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.trees) == 0 {
		return storage.TreeHead{}, storage.ErrNotFound
	}
	return cloneTree(f.trees[len(f.trees)-1]), nil
}

func (f *fakeStore) ListTreeHeads(ctx context.Context, after int64, limit int) ([]storage.TreeHead, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	var out []storage.TreeHead
	for _, h := range f.trees {
		if h.Size > after && len(out) < limit {
			out = append(out, cloneTree(h))
		}
	}
	return out, nil
}

func (f *fakeStore) PutTreeNodes(ctx context.Context, nodes []storage.TreeNode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nodes == nil {
		f.nodes = make(map[nodePos][]byte)
	}
	for _, n := range nodes {
		f.nodes[nodePos{n.Level, n.Index}] = slices.Clone(n.Hash)
	}
	return nil
}

func (f *fakeStore) GetTreeNodes(ctx context.Context, ids []storage.TreeNode) ([]storage.TreeNode, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(ids) == 0 {
		return nil, nil
	}
	out := make([]storage.TreeNode, len(ids))
	for i, id := range ids {
		h, ok := f.nodes[nodePos{id.Level, id.Index}]
		if !ok {
			return nil, storage.ErrNotFound
		}
		out[i] = storage.TreeNode{Level: id.Level, Index: id.Index, Hash: slices.Clone(h)}
	}
	return out, nil
}

func cloneRecord(r storage.Record) storage.Record {
	r.Provided = slices.Clone(r.Provided)
	if len(r.Provided) == 0 {
		r.Provided = nil
	}
	r.PrevHash = slices.Clone(r.PrevHash)
	r.Hash = slices.Clone(r.Hash)
	return r
}

// AppendTreeRecord hands extend the last record's link and the newest
// tree head, and stores the record, nodes and head it returns, in place of
// the previous append's head if that one was not kept.
func (f *fakeStore) AppendTreeRecord(ctx context.Context, r storage.Record, extend func(rd storage.LogReader, end storage.LogEnd, r storage.Record) (storage.LogAppend, error)) (storage.Record, error) {
	f.mu.Lock()
	if f.appendErr != nil {
		f.mu.Unlock()
		return storage.Record{}, f.appendErr
	}
	var end storage.LogEnd
	seq := int64(1)
	if n := len(f.recs); n > 0 {
		last := f.recs[n-1]
		end.Last = &storage.Record{Seq: last.Seq, Time: last.Time, Hash: slices.Clone(last.Hash)}
		seq = last.Seq + 1
	}
	if n := len(f.trees); n > 0 {
		h := cloneTree(f.trees[n-1])
		end.Tree = &h
	}
	f.mu.Unlock()
	r.Seq = seq
	a, err := extend(f, end, cloneRecord(r))
	if err != nil {
		return storage.Record{}, err
	}
	if a.Head.Size != seq {
		return storage.Record{}, fmt.Errorf("fake store: a tree head of size %d for Seq %d", a.Head.Size, seq)
	}
	a.Record.Seq = seq
	f.mu.Lock()
	f.recs = append(f.recs, cloneRecord(a.Record))
	f.mu.Unlock()
	if err := f.PutTreeNodes(ctx, a.Nodes); err != nil {
		return storage.Record{}, err
	}
	f.mu.Lock()
	if f.unkept != 0 {
		f.trees = slices.DeleteFunc(f.trees, func(h storage.TreeHead) bool { return h.Size == f.unkept })
		f.unkept = 0
	}
	f.mu.Unlock()
	if err := f.PutTreeHead(ctx, a.Head); err != nil {
		return storage.Record{}, err
	}
	if !a.Keep {
		f.mu.Lock()
		f.unkept = a.Head.Size
		f.mu.Unlock()
	}
	return cloneRecord(a.Record), nil
}

func (f *fakeStore) ListRecords(ctx context.Context, after int64, limit int) ([]storage.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	if limit < 1 {
		return nil, nil
	}
	recs := f.recs
	bySeq := func(a, b storage.Record) int { return cmp.Compare(a.Seq, b.Seq) }
	if !f.unsorted && !slices.IsSortedFunc(recs, bySeq) {
		recs = slices.Clone(recs)
		slices.SortStableFunc(recs, bySeq)
	}
	start := 0
	if !f.unsorted {
		start, _ = slices.BinarySearchFunc(recs, after+1, func(r storage.Record, seq int64) int { return cmp.Compare(r.Seq, seq) })
	}
	var out []storage.Record
	for _, r := range recs[start:] {
		if len(out) == limit {
			break
		}
		if r.Seq > after {
			out = append(out, cloneRecord(r))
		}
	}
	return out, nil
}

func (f *fakeStore) PutHead(ctx context.Context, h storage.Head) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.putHeadErr != nil {
		return f.putHeadErr
	}
	for _, o := range f.heads {
		if o.Seq == h.Seq {
			return storage.ErrAlreadyExists
		}
	}
	h.Hash = slices.Clone(h.Hash)
	f.heads = append(f.heads, h)
	return nil
}

func (f *fakeStore) ListHeads(ctx context.Context) ([]storage.Head, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	out := make([]storage.Head, 0, len(f.heads))
	for _, h := range f.heads {
		h.Hash = slices.Clone(h.Hash)
		out = append(out, h)
	}
	slices.SortStableFunc(out, func(a, b storage.Head) int { return cmp.Compare(a.Seq, b.Seq) })
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// rec returns the stored record at seq (for tampering).
func (f *fakeStore) rec(t testing.TB, seq int64) *storage.Record {
	t.Helper()
	for i := range f.recs {
		if f.recs[i].Seq == seq {
			return &f.recs[i]
		}
	}
	t.Fatalf("no record %d", seq)
	return nil
}

// remove deletes the records with from <= Seq <= to.
func (f *fakeStore) remove(from, to int64) {
	f.recs = slices.DeleteFunc(f.recs, func(r storage.Record) bool { return r.Seq >= from && r.Seq <= to })
}

// rehash recomputes the hash of record seq, as a tamperer would.
func (f *fakeStore) rehash(t testing.TB, seq int64) {
	r := f.rec(t, seq)
	r.Hash = Hash(*r)
}

// rechainFrom rewrites PrevHash and Hash of every record from seq on, as a
// tamperer who rewrites the rest of the log would.
func (f *fakeStore) rechainFrom(t testing.TB, seq int64) {
	slices.SortStableFunc(f.recs, func(a, b storage.Record) int { return cmp.Compare(a.Seq, b.Seq) })
	for i := range f.recs {
		if f.recs[i].Seq < seq {
			continue
		}
		if i == 0 {
			f.recs[i].PrevHash = make([]byte, HashSize)
		} else {
			f.recs[i].PrevHash = slices.Clone(f.recs[i-1].Hash)
		}
		f.recs[i].Hash = Hash(f.recs[i])
	}
}

func (f *fakeStore) snapshot() ([]storage.Record, []storage.Head) {
	recs := make([]storage.Record, len(f.recs))
	for i, r := range f.recs {
		recs[i] = cloneRecord(r)
	}
	return recs, slices.Clone(f.heads)
}

func (f *fakeStore) restore(recs []storage.Record, heads []storage.Head) {
	f.recs = make([]storage.Record, len(recs))
	for i, r := range recs {
		f.recs[i] = cloneRecord(r)
	}
	f.heads = slices.Clone(heads)
}

// testKey is a P-256 signing key: a Signer and its public JWKS.
type testKey struct {
	priv *ecdsa.PrivateKey
	kid  string
}

func newTestKey(t testing.TB) *testKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := (&jose.JSONWebKey{Key: &priv.PublicKey}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{priv: priv, kid: base64.RawURLEncoding.EncodeToString(tp)}
}

func (k *testKey) Signer() (crypto.Signer, string) {
	if k == nil {
		return nil, ""
	}
	return k.priv, k.kid
}

func (k *testKey) jwk() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.ES256), Use: "sig"}
}

func jwks(ks ...*testKey) jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, k := range ks {
		set.Keys = append(set.Keys, k.jwk())
	}
	return set
}

// noKey is a Signer before its keys are loaded.
type noKey struct{}

func (noKey) Signer() (crypto.Signer, string) { return nil, "" }

// tick is a clock advancing a second per reading, safe for concurrent use.
type tick struct{ n atomic.Int64 }

var epoch = time.Date(2026, 3, 1, 8, 0, 0, 123456789, time.UTC)

func (c *tick) now() time.Time { return epoch.Add(time.Duration(c.n.Add(1)) * time.Second) }

// testRecord is the i-th sample record (no personal data: IDs only).
func testRecord(i int) storage.Record {
	r := storage.Record{
		PersonID: fmt.Sprintf("person-%d", i%7),
		RPID:     fmt.Sprintf("rp-%d", i%3),
		RPName:   fmt.Sprintf("平台 %d", i%3),
		Channel:  []string{"session", "oidc", "presentation", "eid"}[i%4],
		Level:    []string{"basic", "password", "face"}[i%3],
		Provided: []string{"result", "sub", "age_over_18"}[:i%4],
		Outcome:  []string{"approved", "declined", "cancelled", "expired", "failed"}[i%5],
	}
	if i%5 == 2 {
		r.GuardianID = fmt.Sprintf("guardian-%d", i)
	}
	return r
}

// newTestLog returns a log of n sample records signing a head every
// `every` records, its store and the JWKS to verify it.
func newTestLog(t testing.TB, n, every int) (*Log, *fakeStore, jose.JSONWebKeySet) {
	t.Helper()
	store := &fakeStore{}
	key := newTestKey(t)
	clock := &tick{}
	l := &Log{Store: store, Keys: key, Now: clock.now, HeadEvery: every}
	for i := range n {
		if _, err := l.Append(context.Background(), testRecord(i)); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	return l, store, jwks(key)
}
