package relyingparty

import (
	"crypto/sha256"
	"sync"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/suite"
)

// maxKeySets bounds the parsed key sets a keySets holds; when full, one
// held set goes for each new one.
const maxKeySets = 4096

// keySets keeps the key sets ParseJWKSFor parsed, by the SHA-256 of their
// exact bytes and the suite they were held to. A client assertion is
// checked against the key set stored with its relying party, read afresh
// on every request; parsing and checking that JSON again each time cost
// about 50 µs a request. Keyed by content, an entry is never stale: a
// replaced key set has other bytes and is parsed anew, and the relying
// party's row (disabled or not, its authentication method) is still read
// every time. Sets that do not parse are not kept. Safe for concurrent
// use; the zero value is empty.
type keySets struct {
	mu   sync.Mutex
	sets map[[sha256.Size]byte]jose.JSONWebKeySet
}

// parse is ParseJWKSFor(data, st), from the kept set when there is one.
// The set returned is shared: callers only read it.
func (k *keySets) parse(data []byte, st suite.Suite) (jose.JSONWebKeySet, error) {
	h := sha256.New()
	h.Write([]byte(st.Or(suite.ES256).Name()))
	h.Write([]byte{0})
	h.Write(data)
	var key [sha256.Size]byte
	h.Sum(key[:0])
	k.mu.Lock()
	set, ok := k.sets[key]
	k.mu.Unlock()
	if ok {
		return set, nil
	}
	set, err := ParseJWKSFor(data, st)
	if err != nil {
		return set, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.sets == nil {
		k.sets = make(map[[sha256.Size]byte]jose.JSONWebKeySet)
	}
	if len(k.sets) >= maxKeySets {
		for old := range k.sets {
			delete(k.sets, old)
			break
		}
	}
	k.sets[key] = set
	return set, nil
}
