package audit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/strictjson"
)

// HeadType is the JWS typ of a signed head.
const HeadType = "netid-log-head+jwt"

// maxHeadSize bounds the compact JWS ParseHead accepts; a head is about
// 300 bytes.
const maxHeadSize = 4096

// pageSize is how many records (and tree heads) SignHead and Verify read
// at a time. A variable so that tests can walk a short log in several
// pages.
var pageSize = 1000

// Sentinel errors of ParseHead.
var (
	// ErrMalformedHead: not a compact ES256 JWS of type HeadType with a
	// kid and a well-formed payload.
	ErrMalformedHead = errors.New("audit: malformed log head")
	// ErrUnknownKey: no P-256 signing key with the head's kid.
	ErrUnknownKey = errors.New("audit: log head signed by an unknown key")
	// ErrHeadSignature: the head's signature does not verify.
	ErrHeadSignature = errors.New("audit: invalid log head signature")
)

// b64 is strict unpadded base64url, so a hash has exactly one encoding.
var b64 = base64.RawURLEncoding.Strict()

// headPayload is the signed content of a head.
type headPayload struct {
	Seq  *int64  `json:"seq"`
	Hash *string `json:"hash"`
	Iat  *int64  `json:"iat"`
}

// SignHead signs a head over the current tail of the log and stores it. If
// a head for that Seq is already stored (a concurrent SignHead, or no
// append since the last head), the stored one is kept and the returned
// head, equally valid, is not stored.
//
// It finds the tail by reading forward from the last stored head, so its
// cost grows with the records appended since. It fails with ErrEmptyLog on
// an empty log, ErrTruncated when the log ends before its last stored head
// (signing then would cover up the truncation) and ErrNoSigner before the
// keys are loaded.
func (l *Log) SignHead(ctx context.Context) (storage.Head, error) {
	heads, err := l.Store.ListHeads(ctx)
	if err != nil {
		return storage.Head{}, fmt.Errorf("audit: list heads: %w", err)
	}
	var after int64
	if len(heads) > 0 {
		after = max(heads[len(heads)-1].Seq-1, 0)
	}
	var tail *storage.Record
	for {
		recs, err := l.Store.ListRecords(ctx, after, pageSize)
		if err != nil {
			return storage.Head{}, fmt.Errorf("audit: list records: %w", err)
		}
		for i := range recs {
			if recs[i].Seq > after {
				after = recs[i].Seq
				tail = &recs[i]
			}
		}
		if len(recs) < pageSize {
			break
		}
	}
	switch {
	case tail == nil && len(heads) > 0:
		return storage.Head{}, ErrTruncated
	case tail == nil:
		return storage.Head{}, ErrEmptyLog
	}
	return l.signHead(ctx, l.Store, tail.Seq, tail.Hash)
}

// signHead signs a head over record seq with hash and stores it through
// st.
func (l *Log) signHead(ctx context.Context, st Store, seq int64, hash []byte) (storage.Head, error) {
	if l.Keys == nil {
		return storage.Head{}, ErrNoSigner
	}
	key, kid := l.Keys.Signer()
	if key == nil {
		return storage.Head{}, ErrNoSigner
	}
	if _, ok := jws.AlgorithmFor(key.Public()); !ok {
		return storage.Head{}, fmt.Errorf("%w: the signing key is neither a P-256 nor an SM2 key", ErrNoSigner)
	}
	now := l.now().UTC().Truncate(time.Second)
	hashText, iat := b64.EncodeToString(hash), now.Unix()
	payload, err := json.Marshal(headPayload{Seq: &seq, Hash: &hashText, Iat: &iat})
	if err != nil {
		return storage.Head{}, fmt.Errorf("audit: encode head: %w", err)
	}
	sig, err := jws.Sign(key, HeadType, kid, payload)
	if err != nil {
		return storage.Head{}, fmt.Errorf("audit: sign head: %w", err)
	}
	h := storage.Head{Seq: seq, Hash: append([]byte(nil), hash...), Time: now, Signature: sig}
	if err := st.PutHead(ctx, h); err != nil && !errors.Is(err, storage.ErrAlreadyExists) {
		return storage.Head{}, fmt.Errorf("audit: store head %d: %w", seq, err)
	}
	return h, nil
}

// ParseHead verifies a signed head (the compact JWS, as published) with
// the key in keys named by its kid, and returns it: Seq and Hash from the
// signed payload, Time its iat, Signature the JWS itself. Errors wrap
// ErrMalformedHead, ErrUnknownKey or ErrHeadSignature.
func ParseHead(signed string, keys jose.JSONWebKeySet) (storage.Head, error) {
	if len(signed) > maxHeadSize {
		return storage.Head{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformedHead, maxHeadSize)
	}
	tok, err := jws.Parse(signed, jws.Expect{Typ: HeadType})
	if err != nil {
		return storage.Head{}, fmt.Errorf("%w: %w", ErrMalformedHead, err)
	}
	if tok.Header.KeyID == "" {
		return storage.Head{}, fmt.Errorf("%w: no kid", ErrMalformedHead)
	}
	payload, err := tok.Verify(jws.ByKeyID(keys))
	switch {
	case errors.Is(err, jws.ErrUnknownKey):
		return storage.Head{}, fmt.Errorf("%w: %w", ErrUnknownKey, err)
	case errors.Is(err, jws.ErrSignature):
		return storage.Head{}, fmt.Errorf("%w: %w", ErrHeadSignature, err)
	case err != nil:
		return storage.Head{}, fmt.Errorf("%w: %w", ErrMalformedHead, err)
	}
	var p headPayload
	if err := strictjson.Unmarshal(payload, &p); err != nil {
		return storage.Head{}, fmt.Errorf("%w: payload: %w", ErrMalformedHead, err)
	}
	if p.Seq == nil || p.Hash == nil || p.Iat == nil {
		return storage.Head{}, fmt.Errorf("%w: payload lacks seq, hash or iat", ErrMalformedHead)
	}
	if *p.Seq < 1 {
		return storage.Head{}, fmt.Errorf("%w: seq below 1", ErrMalformedHead)
	}
	hash, err := b64.DecodeString(*p.Hash)
	if err != nil || len(hash) != HashSize {
		return storage.Head{}, fmt.Errorf("%w: hash is not %d bytes of base64url", ErrMalformedHead, HashSize)
	}
	return storage.Head{Seq: *p.Seq, Hash: hash, Time: time.Unix(*p.Iat, 0).UTC(), Signature: signed}, nil
}
