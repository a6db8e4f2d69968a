package treeproof

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/strictjson"
)

// HeadType is the JWS typ of a signed tree head.
const HeadType = "netid-tree-head+jwt"

// HashSize is the size of a hash (SHA-256).
const HashSize = 32

// MaxProofHashes bounds the hashes of a proof: a proof in a tree of up to
// 2^63 leaves has fewer than 2*63.
const MaxProofHashes = 128

// maxHeadSize bounds the compact JWS Parse accepts; a head is about 300
// bytes.
const maxHeadSize = 4096

// Errors; test with errors.Is.
var (
	// ErrMalformed: not a compact ES256 JWS of type HeadType with a kid
	// and a well-formed payload.
	ErrMalformed = errors.New("treeproof: malformed tree head")
	// ErrUnknownKey: no P-256 key with the head's kid.
	ErrUnknownKey = errors.New("treeproof: tree head signed by an unknown key")
	// ErrSignature: the head's signature does not verify.
	ErrSignature = errors.New("treeproof: invalid tree head signature")
	// ErrRewound: a tree head is smaller than one seen before.
	ErrRewound = errors.New("treeproof: the record log was rewound: a signed tree head is smaller than one seen before")
	// ErrForked: a tree head does not extend one seen before (the
	// consistency proof between them fails, or one size has two roots).
	ErrForked = errors.New("treeproof: the record log was forked: a signed tree head does not extend one seen before")
	// ErrNotIncluded: an inclusion proof does not lead from a record to
	// the tree head's root.
	ErrNotIncluded = errors.New("treeproof: the record is not in the signed tree head")
	// ErrNoHead: the log serves no signed tree head.
	ErrNoHead = errors.New("treeproof: the record log has no signed tree head")
	// ErrBadProof: a proof is malformed (sizes out of range, too many
	// hashes, a hash of the wrong size).
	ErrBadProof = errors.New("treeproof: malformed proof")
)

var (
	hasher = rfc6962.DefaultHasher
	b64    = base64.RawURLEncoding.Strict()
)

// Head is a verified tree head: the root of the tree over records 1 to
// Size, the time it was signed, and the JWS itself.
type Head struct {
	Size      int64
	Root      []byte
	Time      time.Time
	Signature string
}

// Payload is the signed content of a tree head.
type Payload struct {
	Size *int64  `json:"size"`
	Root *string `json:"root"`
	Iat  *int64  `json:"iat"`
}

// LeafHash is the Merkle leaf hash of the record whose hash is
// recordHash: SHA-256(0x00 || recordHash).
func LeafHash(recordHash []byte) []byte { return hasher.HashLeaf(recordHash) }

// HashChildren is the node hash SHA-256(0x01 || left || right).
func HashChildren(left, right []byte) []byte { return hasher.HashChildren(left, right) }

// Parse verifies a signed tree head with the key in keys named by its
// kid. Errors wrap ErrMalformed, ErrUnknownKey or ErrSignature.
func Parse(signed string, keys jose.JSONWebKeySet) (Head, error) {
	if len(signed) > maxHeadSize {
		return Head{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxHeadSize)
	}
	tok, err := jws.Parse(signed, jws.Expect{Typ: HeadType})
	if err != nil {
		return Head{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if tok.Header.KeyID == "" {
		return Head{}, fmt.Errorf("%w: no kid", ErrMalformed)
	}
	payload, err := tok.Verify(jws.ByKeyID(keys))
	switch {
	case errors.Is(err, jws.ErrUnknownKey):
		return Head{}, fmt.Errorf("%w: %w", ErrUnknownKey, err)
	case errors.Is(err, jws.ErrSignature):
		return Head{}, fmt.Errorf("%w: %w", ErrSignature, err)
	case err != nil:
		return Head{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var p Payload
	if err := strictjson.Unmarshal(payload, &p); err != nil {
		return Head{}, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	if p.Size == nil || p.Root == nil || p.Iat == nil {
		return Head{}, fmt.Errorf("%w: payload lacks size, root or iat", ErrMalformed)
	}
	if *p.Size < 1 {
		return Head{}, fmt.Errorf("%w: size below 1", ErrMalformed)
	}
	root, err := b64.DecodeString(*p.Root)
	if err != nil || len(root) != HashSize {
		return Head{}, fmt.Errorf("%w: root is not %d bytes of base64url", ErrMalformed, HashSize)
	}
	return Head{Size: *p.Size, Root: root, Time: time.Unix(*p.Iat, 0).UTC(), Signature: signed}, nil
}

// DecodeHashes decodes a proof given as base64url strings.
func DecodeHashes(in []string) ([][]byte, error) {
	if len(in) > MaxProofHashes {
		return nil, fmt.Errorf("%w: %d hashes", ErrBadProof, len(in))
	}
	out := make([][]byte, len(in))
	for i, s := range in {
		h, err := b64.DecodeString(s)
		if err != nil || len(h) != HashSize {
			return nil, fmt.Errorf("%w: hash %d is not %d bytes of base64url", ErrBadProof, i, HashSize)
		}
		out[i] = h
	}
	return out, nil
}

// VerifyInclusion checks that the record whose hash is recordHash is
// record seq of the tree head signs: nil, or an error wrapping
// ErrNotIncluded or ErrBadProof.
func VerifyInclusion(head Head, seq int64, recordHash []byte, hashes [][]byte) error {
	if err := checkProof(hashes); err != nil {
		return err
	}
	if seq < 1 || seq > head.Size {
		return fmt.Errorf("%w: record %d is beyond the head's %d records", ErrNotIncluded, seq, head.Size)
	}
	if err := proof.VerifyInclusion(hasher, uint64(seq-1), uint64(head.Size), LeafHash(recordHash), hashes, head.Root); err != nil {
		return fmt.Errorf("%w: record %d in the head of %d: %w", ErrNotIncluded, seq, head.Size, err)
	}
	return nil
}

// VerifyExtends checks that the tree head newer extends older, a head
// seen before, with hashes the consistency proof between their sizes:
// nil, or an error wrapping ErrRewound (newer is smaller), ErrForked (one
// size with two roots, or the proof fails) or ErrBadProof.
func VerifyExtends(older, newer Head, hashes [][]byte) error {
	if err := checkProof(hashes); err != nil {
		return err
	}
	switch {
	case newer.Size < older.Size:
		return fmt.Errorf("%w: %d records now, %d before", ErrRewound, newer.Size, older.Size)
	case newer.Size == older.Size:
		if !bytes.Equal(newer.Root, older.Root) {
			return fmt.Errorf("%w: two roots for %d records", ErrForked, newer.Size)
		}
		return nil
	}
	if err := proof.VerifyConsistency(hasher, uint64(older.Size), uint64(newer.Size), hashes, older.Root, newer.Root); err != nil {
		return fmt.Errorf("%w: from %d to %d records: %w", ErrForked, older.Size, newer.Size, err)
	}
	return nil
}

func checkProof(hashes [][]byte) error {
	if len(hashes) > MaxProofHashes {
		return fmt.Errorf("%w: %d hashes", ErrBadProof, len(hashes))
	}
	for _, h := range hashes {
		if len(h) != HashSize {
			return fmt.Errorf("%w: a hash of %d bytes", ErrBadProof, len(h))
		}
	}
	return nil
}

// Source serves a record log's newest signed tree head and consistency
// proofs: the platform's API (GET /v1/audit/tree-head and
// /v1/audit/consistency), or the store itself on the platform's side.
type Source interface {
	// NewestTreeHead returns the newest signed tree head (the compact
	// JWS); an error wrapping ErrNoHead if the log has none.
	NewestTreeHead(ctx context.Context) (string, error)
	// Consistency returns the consistency proof from size1 to size2.
	Consistency(ctx context.Context, size1, size2 int64) ([][]byte, error)
}

// Follow fetches the newest tree head from src, checks its signature under
// keys and, if seen is not nil, that it extends seen (the newest head the
// caller saw before); it returns the new head, to keep in place of seen.
// Errors wrap ErrRewound or ErrForked when the log does not extend seen,
// those of Parse, ErrBadProof, or src's.
func Follow(ctx context.Context, src Source, keys jose.JSONWebKeySet, seen *Head) (Head, error) {
	signed, err := src.NewestTreeHead(ctx)
	if errors.Is(err, ErrNoHead) && seen != nil {
		return Head{}, fmt.Errorf("%w: no signed tree head now, %d records before: %w", ErrRewound, seen.Size, err)
	}
	if err != nil {
		return Head{}, err
	}
	head, err := Parse(signed, keys)
	if err != nil {
		return Head{}, err
	}
	if seen != nil {
		if err := Extends(ctx, src, *seen, head); err != nil {
			return Head{}, err
		}
	}
	return head, nil
}

// Extends checks that newer, a verified tree head, extends older,
// fetching the consistency proof from src when newer is larger.
func Extends(ctx context.Context, src Source, older, newer Head) error {
	var hashes [][]byte
	if newer.Size > older.Size {
		var err error
		if hashes, err = src.Consistency(ctx, older.Size, newer.Size); err != nil {
			return err
		}
	}
	return VerifyExtends(older, newer, hashes)
}
