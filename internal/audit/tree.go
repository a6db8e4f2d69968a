package audit

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/netid-project/netid/internal/audit/treeproof"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/storage"
)

// TreeHeadType is the JWS typ of a signed tree head.
const TreeHeadType = treeproof.HeadType

// KeptTreeHeadEvery is how far apart the kept tree heads are: every append
// signs the head of the tree it ends, which is stored as the newest head
// and given with the record, but only a head whose size is a multiple of
// KeptTreeHeadEvery stays stored once a newer head is signed. The others
// prove nothing a newer head does not, since a consistency proof (from
// the stored nodes) links any two sizes; kept for every size, they were
// half of what a record took to store. Verify requires a stored head at
// every multiple from the first stored head to the newest.
const KeptTreeHeadEvery = 1024

// keptEvery is KeptTreeHeadEvery, smaller in this package's tests so that
// a short log keeps several heads.
var keptEvery int64 = KeptTreeHeadEvery

// Sentinel errors of the Merkle tree.
var (
	// ErrTreeGap: the newest stored tree head is older than the record
	// before the one appended (tree heads were removed): the log refuses
	// to extend a tree it cannot vouch for.
	ErrTreeGap = errors.New("audit: the record log has records no signed tree head covers")
	// ErrBadProof: no proof between the sizes asked (see treeproof for
	// the checks of proofs).
	ErrBadProof = treeproof.ErrBadProof
)

// hasher is RFC 9162's: SHA-256, leaf 0x00 || data, node 0x01 || l || r.
var hasher = rfc6962.DefaultHasher // the hashes of treeproof

// ranges makes the compact ranges of the tree.
var ranges = &compact.RangeFactory{Hash: hasher.HashChildren}

// LeafHash is the Merkle leaf hash of the record whose Hash is
// recordHash: SHA-256(0x00 || recordHash). The leaf at index Seq-1 is
// record Seq.
func LeafHash(recordHash []byte) []byte { return treeproof.LeafHash(recordHash) }

// TreeStore is what the Merkle tree needs of the storage layer;
// storage.Storage satisfies it.
type TreeStore interface {
	PutTreeHead(ctx context.Context, h storage.TreeHead) error
	GetTreeHead(ctx context.Context, size int64) (storage.TreeHead, error)
	LatestTreeHead(ctx context.Context) (storage.TreeHead, error)
	ListTreeHeads(ctx context.Context, after int64, limit int) ([]storage.TreeHead, error)
	PutTreeNodes(ctx context.Context, nodes []storage.TreeNode) error
	GetTreeNodes(ctx context.Context, ids []storage.TreeNode) ([]storage.TreeNode, error)
}

var _ TreeStore = storage.Storage(nil)

// NodeReader reads the stored nodes of the tree, from which proofs are
// built.
type NodeReader interface {
	GetTreeNodes(ctx context.Context, ids []storage.TreeNode) ([]storage.TreeNode, error)
}

// treePayload is the signed content of a tree head.
type treePayload = treeproof.Payload

// appendLeaf adds rec's leaf to rng and returns nodes with the nodes it
// completed (the leaf itself among them).
func appendLeaf(rng *compact.Range, nodes []storage.TreeNode, rec storage.Record) ([]storage.TreeNode, error) {
	visit := func(id compact.NodeID, hash []byte) {
		nodes = append(nodes, storage.TreeNode{Level: int(id.Level), Index: int64(id.Index), Hash: hash})
	}
	if err := rng.Append(LeafHash(rec.Hash), visit); err != nil {
		return nil, fmt.Errorf("audit: extend the tree: %w", err)
	}
	return nodes, nil
}

// treeAt returns the compact range of the tree of size seq-1 from newest,
// the newest tree head's Size and Frontier (nil: there is none, and the
// tree is built from the records read through rd, its nodes returned to
// be stored). It refuses a head that covers seq or more (the log was cut
// after it) or that ends before seq-1 (records no head covers).
func treeAt(ctx context.Context, rd storage.LogReader, newest *storage.TreeHead, seq int64) (*compact.Range, []storage.TreeNode, error) {
	switch {
	case newest == nil:
		return buildTree(ctx, rd, seq-1)
	case newest.Size >= seq:
		return nil, nil, fmt.Errorf("%w: a tree head covers %d records, the log ends at %d", ErrTruncated, newest.Size, seq-1)
	case newest.Size < seq-1:
		return nil, nil, fmt.Errorf("%w: the newest tree head covers %d records, the log has %d", ErrTreeGap, newest.Size, seq-1)
	}
	rng, err := frontierRange(*newest)
	return rng, nil, err
}

// frontierRange is the compact range stored with h.
func frontierRange(h storage.TreeHead) (*compact.Range, error) {
	if len(h.Frontier)%HashSize != 0 {
		return nil, fmt.Errorf("audit: tree head %d: frontier of %d bytes", h.Size, len(h.Frontier))
	}
	hashes := make([][]byte, 0, len(h.Frontier)/HashSize)
	for b := h.Frontier; len(b) > 0; b = b[HashSize:] {
		hashes = append(hashes, b[:HashSize:HashSize])
	}
	rng, err := ranges.NewRange(0, uint64(h.Size), hashes)
	if err != nil {
		return nil, fmt.Errorf("audit: tree head %d: %w", h.Size, err)
	}
	return rng, nil
}

// frontierBytes is rng's hashes, concatenated as stored.
func frontierBytes(rng *compact.Range) []byte {
	out := make([]byte, 0, len(rng.Hashes())*HashSize)
	for _, h := range rng.Hashes() {
		out = append(out, h...)
	}
	return out
}

// buildTree reads the first size records through st and returns their
// tree and every node of it.
func buildTree(ctx context.Context, st storage.LogReader, size int64) (*compact.Range, []storage.TreeNode, error) {
	rng := ranges.NewEmptyRange(0)
	var nodes []storage.TreeNode
	visit := func(id compact.NodeID, hash []byte) {
		nodes = append(nodes, storage.TreeNode{Level: int(id.Level), Index: int64(id.Index), Hash: hash})
	}
	for after := int64(0); after < size; {
		recs, err := st.ListRecords(ctx, after, min(pageSize, int(size-after)))
		if err != nil {
			return nil, nil, fmt.Errorf("audit: list records: %w", err)
		}
		for _, r := range recs {
			if r.Seq != after+1 {
				return nil, nil, fmt.Errorf("%w: record %d is missing", ErrTreeGap, after+1)
			}
			if err := rng.Append(LeafHash(r.Hash), visit); err != nil {
				return nil, nil, fmt.Errorf("audit: build the tree: %w", err)
			}
			after = r.Seq
		}
		if len(recs) == 0 {
			return nil, nil, fmt.Errorf("%w: record %d is missing", ErrTreeGap, after+1)
		}
	}
	return rng, nodes, nil
}

// signer returns the active signing key (P-256, or SM2 on the SM suite).
func (l *Log) signer() (crypto.Signer, string, error) {
	if l.Keys == nil {
		return nil, "", ErrNoSigner
	}
	key, kid := l.Keys.Signer()
	if key == nil {
		return nil, "", ErrNoSigner
	}
	if _, ok := jws.AlgorithmFor(key.Public()); !ok {
		return nil, "", fmt.Errorf("%w: the signing key is neither a P-256 nor an SM2 key", ErrNoSigner)
	}
	return key, kid, nil
}

// signTree signs the head of the tree rng.
func (l *Log) signTree(key crypto.Signer, kid string, rng *compact.Range) (storage.TreeHead, error) {
	root, err := rng.GetRootHash(nil)
	if err != nil {
		return storage.TreeHead{}, fmt.Errorf("audit: tree root: %w", err)
	}
	size := int64(rng.End())
	now := l.now().UTC().Truncate(time.Second)
	rootText, iat := b64.EncodeToString(root), now.Unix()
	payload, err := json.Marshal(treePayload{Size: &size, Root: &rootText, Iat: &iat})
	if err != nil {
		return storage.TreeHead{}, fmt.Errorf("audit: encode tree head: %w", err)
	}
	sig, err := jws.Sign(key, TreeHeadType, kid, payload)
	if err != nil {
		return storage.TreeHead{}, fmt.Errorf("audit: sign tree head: %w", err)
	}
	return storage.TreeHead{Size: size, Root: root, Frontier: frontierBytes(rng), Time: now, Signature: sig}, nil
}

// SignTree makes sure the newest record is covered by a signed tree head:
// on a log written before the tree existed, it builds the tree from the
// records and signs its head, in one transaction with appends held off.
// It returns the newest tree head. It fails with ErrEmptyLog on an empty
// log, ErrTruncated when a tree head covers more records than the log
// holds, and ErrTreeGap when records follow the newest tree head.
func (l *Log) SignTree(ctx context.Context) (storage.TreeHead, error) {
	var out storage.TreeHead
	err := l.inTx(ctx, func(st Store) error {
		latest, err := st.LatestTreeHead(ctx)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("audit: read the newest tree head: %w", err)
		}
		next, err := st.ListRecords(ctx, max(latest.Size-1, 0), 2)
		if err != nil {
			return fmt.Errorf("audit: list records: %w", err)
		}
		switch {
		case latest.Size > 0 && (len(next) == 0 || next[0].Seq != latest.Size):
			return fmt.Errorf("%w: a tree head covers %d records", ErrTruncated, latest.Size)
		case latest.Size > 0 && len(next) > 1:
			return fmt.Errorf("%w: records follow the newest tree head (%d)", ErrTreeGap, latest.Size)
		case latest.Size > 0:
			out = latest
			return nil
		case len(next) == 0:
			return ErrEmptyLog
		}
		key, kid, err := l.signer()
		if err != nil {
			return err
		}
		// No tree head yet: build the tree over every record.
		tail, err := lastSeq(ctx, st)
		if err != nil {
			return err
		}
		rng, nodes, err := buildTree(ctx, st, tail)
		if err != nil {
			return err
		}
		h, err := l.signTree(key, kid, rng)
		if err != nil {
			return err
		}
		if err := st.PutTreeNodes(ctx, nodes); err != nil {
			return fmt.Errorf("audit: store tree nodes: %w", err)
		}
		if err := st.PutTreeHead(ctx, h); err != nil {
			return fmt.Errorf("audit: store tree head %d: %w", h.Size, err)
		}
		out = h
		return nil
	})
	return out, err
}

// lastSeq is the Seq of the last record, read forward in pages.
func lastSeq(ctx context.Context, st Store) (int64, error) {
	var after int64
	for {
		recs, err := st.ListRecords(ctx, after, pageSize)
		if err != nil {
			return 0, fmt.Errorf("audit: list records: %w", err)
		}
		for _, r := range recs {
			after = max(after, r.Seq)
		}
		if len(recs) < pageSize {
			return after, nil
		}
	}
}

// ParseTreeHead verifies a signed tree head (the compact JWS, as
// published) with the key in keys named by its kid, and returns it: Size
// and Root from the signed payload, Time its iat, Signature the JWS
// itself (no Frontier). Errors wrap ErrMalformedHead, ErrUnknownKey or
// ErrHeadSignature (and treeproof's errors of the same meaning).
func ParseTreeHead(signed string, keys jose.JSONWebKeySet) (storage.TreeHead, error) {
	h, err := treeproof.Parse(signed, keys)
	switch {
	case errors.Is(err, treeproof.ErrUnknownKey):
		return storage.TreeHead{}, fmt.Errorf("%w: %w", ErrUnknownKey, err)
	case errors.Is(err, treeproof.ErrSignature):
		return storage.TreeHead{}, fmt.Errorf("%w: %w", ErrHeadSignature, err)
	case err != nil:
		return storage.TreeHead{}, fmt.Errorf("%w: %w", ErrMalformedHead, err)
	}
	return storage.TreeHead{Size: h.Size, Root: h.Root, Time: h.Time, Signature: h.Signature}, nil
}

// ProofHead is h as treeproof checks it.
func ProofHead(h storage.TreeHead) treeproof.Head {
	return treeproof.Head{Size: h.Size, Root: h.Root, Time: h.Time, Signature: h.Signature}
}

// InclusionProof returns the RFC 9162 inclusion proof of record seq in the
// tree of the given size, read from the stored nodes.
func InclusionProof(ctx context.Context, st NodeReader, seq, size int64) ([][]byte, error) {
	if seq < 1 || seq > size {
		return nil, fmt.Errorf("%w: record %d is not in a tree of %d", ErrBadProof, seq, size)
	}
	n, err := proof.Inclusion(uint64(seq-1), uint64(size))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadProof, err)
	}
	return fetchProof(ctx, st, n)
}

// ConsistencyProof returns the RFC 9162 consistency proof between the
// trees of size1 and size2 (1 <= size1 <= size2), read from the stored
// nodes.
func ConsistencyProof(ctx context.Context, st NodeReader, size1, size2 int64) ([][]byte, error) {
	if size1 < 1 || size1 > size2 {
		return nil, fmt.Errorf("%w: no consistency proof from size %d to %d", ErrBadProof, size1, size2)
	}
	n, err := proof.Consistency(uint64(size1), uint64(size2))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadProof, err)
	}
	return fetchProof(ctx, st, n)
}

func fetchProof(ctx context.Context, st NodeReader, n proof.Nodes) ([][]byte, error) {
	ids := make([]storage.TreeNode, len(n.IDs))
	for i, id := range n.IDs {
		ids[i] = storage.TreeNode{Level: int(id.Level), Index: int64(id.Index)}
	}
	nodes, err := st.GetTreeNodes(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("audit: read tree nodes: %w", err)
	}
	hashes := make([][]byte, len(nodes))
	for i, node := range nodes {
		hashes[i] = node.Hash
	}
	out, err := n.Rehash(hashes, hasher.HashChildren)
	if err != nil {
		return nil, fmt.Errorf("audit: proof: %w", err)
	}
	if out == nil {
		out = [][]byte{}
	}
	return out, nil
}

// StoreSource is a treeproof.Source reading the store: what the platform
// answers on its API.
type StoreSource struct{ Store TreeStore }

var _ treeproof.Source = StoreSource{}

// NewestTreeHead returns the signature of the newest stored tree head; an
// error wrapping treeproof.ErrNoHead and storage.ErrNotFound if there is
// none.
func (s StoreSource) NewestTreeHead(ctx context.Context) (string, error) {
	h, err := s.Store.LatestTreeHead(ctx)
	if errors.Is(err, storage.ErrNotFound) {
		return "", fmt.Errorf("audit: %w: %w", treeproof.ErrNoHead, err)
	}
	if err != nil {
		return "", fmt.Errorf("audit: newest tree head: %w", err)
	}
	return h.Signature, nil
}

// Consistency returns the proof from the stored nodes.
func (s StoreSource) Consistency(ctx context.Context, size1, size2 int64) ([][]byte, error) {
	return ConsistencyProof(ctx, s.Store, size1, size2)
}
