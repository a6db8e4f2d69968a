package keys

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"strings"
	"sync"
)

// Indexer computes keyed hashes (HMAC-SHA256) of personal data and bearer
// secrets, so the platform can find a record by a value, or check a
// presented secret, without storing the value. It is safe for concurrent use.
//
// Every hash is under a domain (e.g. "identity", "phone", "application-
// token"): equal values in different domains give unrelated hashes. Index
// and MAC share one construction and so one namespace of domains. Callers
// normalise values (e.g. a phone number to E.164) before hashing, since
// hashes of different spellings differ. Low-entropy values such as phone
// numbers are protected only by the secrecy of the key.
type Indexer struct {
	pool sync.Pool // of hash.Hash: HMAC-SHA256 under the key
}

// NewIndexer returns an Indexer keyed with key (use Derive(master,
// PurposeIndex)). It panics if key is empty, which is a programming error.
func NewIndexer(key []byte) *Indexer {
	if len(key) == 0 {
		panic("keys: NewIndexer with an empty key")
	}
	k := append([]byte(nil), key...)
	x := &Indexer{}
	x.pool.New = func() any { return hmac.New(sha256.New, k) }
	return x
}

// Index returns the blind index of value in domain:
// hex(HMAC-SHA256(key, domain || 0x00 || value)).
// domain must not contain a NUL byte (it panics: a programming error).
func (x *Indexer) Index(domain, value string) string {
	var sum [sha256.Size]byte
	x.sum(sum[:0], domain, value, nil)
	return hex.EncodeToString(sum[:])
}

// MAC returns HMAC-SHA256(key, domain || 0x00 || secret), the form in which
// the platform stores bearer secrets (tokens, one-time codes, challenges).
// Compare MACs with Equal. domain must not contain a NUL byte.
func (x *Indexer) MAC(domain string, secret []byte) []byte {
	return x.sum(make([]byte, 0, sha256.Size), domain, "", secret)
}

func (x *Indexer) sum(dst []byte, domain, s string, b []byte) []byte {
	if strings.IndexByte(domain, 0) >= 0 {
		panic("keys: Indexer domain contains a NUL byte")
	}
	h := x.pool.Get().(hash.Hash)
	defer x.pool.Put(h)
	h.Reset()
	h.Write([]byte(domain))
	h.Write([]byte{0})
	h.Write([]byte(s))
	h.Write(b)
	return h.Sum(dst)
}

// Equal reports whether a and b are equal, in time that depends only on
// their lengths. Use it to compare MACs and other secrets.
func Equal(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}
