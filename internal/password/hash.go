package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Params are the Argon2id cost parameters (RFC 9106).
type Params struct {
	// Time is the number of passes over memory.
	Time uint32
	// MemoryKiB is the memory cost in KiB.
	MemoryKiB uint32
	// Threads is the degree of parallelism.
	Threads uint8
	// KeyLen is the length of the hash in bytes.
	KeyLen uint32
}

// DefaultParams is the OWASP Password Storage Cheat Sheet's minimum for
// Argon2id: 19 MiB of memory, 2 passes, 1 thread.
var DefaultParams = Params{Time: 2, MemoryKiB: 19 * 1024, Threads: 1, KeyLen: 32}

// Bounds on parameters, for Hash and for hashes Verify accepts. The upper
// bounds keep a corrupted or planted hash from making Verify use unbounded
// memory or time.
const (
	saltLen      = 16
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 128
	maxTime      = 64
	maxMemoryKiB = 1 << 20 // 1 GiB
)

var (
	// ErrMalformed is wrapped by Verify's errors when the stored hash is
	// not an Argon2id PHC string within the accepted bounds.
	ErrMalformed = errors.New("password: malformed password hash")
	// ErrParams is wrapped by Hash's errors when the parameters are out of
	// bounds.
	ErrParams = errors.New("password: invalid hash parameters")
)

// validate reports whether p is within the accepted bounds.
func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time must be 1 to %d", maxTime)
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("memory must be 8×threads to %d KiB", maxMemoryKiB)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length must be %d to %d bytes", minKeyLen, maxKeyLen)
	}
	return nil
}

// Hash hashes pw with Argon2id under p and a fresh 16-byte salt read from
// rand (crypto/rand.Reader outside tests), and returns the PHC string
// "$argon2id$v=19$m=<MemoryKiB>,t=<Time>,p=<Threads>$<salt>$<hash>" with
// salt and hash in unpadded standard base64.
func Hash(pw string, p Params, rand io.Reader) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrParams, err)
	}
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", fmt.Errorf("password: reading salt: %w", err)
	}
	floor.keep(p)
	key := idKey([]byte(pw), salt, p)
	return encode(p, salt, key), nil
}

// Verify reports whether pw matches the PHC string encoded produced by
// Hash. The hashes are compared in constant time. The error is non-nil, and
// wraps ErrMalformed, only when encoded cannot be parsed.
func Verify(encoded, pw string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	// The floor follows the parameters this process hashes with, not
	// those of a stored hash, which may be old or planted: checking one
	// keeps at most DefaultParams' memory.
	floor.keep(Params{MemoryKiB: min(p.MemoryKiB, DefaultParams.MemoryKiB)})
	got := idKey([]byte(pw), salt, p)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// slots bounds the hashes that run at once to the cores the process may
// use (GOMAXPROCS at start): more at once finish no sooner, each keeps its
// memory (19 MiB at DefaultParams) the longer, and they evict each other
// from the processor's caches. A hash waits for a slot instead.
var slots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// argon2IDKey is argon2.IDKey (tests count the hashes running at once).
var argon2IDKey = argon2.IDKey

// idKey is the argon2id hash of pw under salt and p, run in a slot.
func idKey(pw, salt []byte, p Params) []byte {
	slots <- struct{}{}
	defer func() { <-slots }()
	return argon2IDKey(pw, salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
}

// maxFloor bounds the heap floor: the memory of about 13 hashes at
// DefaultParams. Past that many cores, the hashes running at once hold the
// heap goal up by themselves for most of the time.
const maxFloor = 256 << 20

// floor keeps the collector's view of the heap as large while no hash runs
// as while every slot hashes. x/crypto's argon2 allocates its memory (19
// MiB at DefaultParams) afresh for each hash and gives no way to pass it a
// buffer. When the hashes stop, the live heap falls by their memory; the
// collector's heap goal falls with it, and the runtime's scavenger returns
// the freed pages to the system. The next hash then faults in every page
// again, each zeroed by the kernel: up to 4,864 page faults a hash at
// DefaultParams (docs/performance.md measures what they cost).
//
// The floor is one pointer-free block the size of the slots' memory (at
// most maxFloor), allocated at the first hash or password check and held
// for the life of the process. The code never writes it. It usually takes
// address space and no memory: fresh memory from the system is already
// zero and the runtime does not clear it again. It does take memory when
// the runtime places it on pages that an earlier allocation used and that
// are still resident (it then clears them): after a busy start, on
// systems where freed pages are not handed back with MADV_DONTNEED, or
// with GODEBUG=madvdontneed=0.
//
// The collector counts the floor as live, so with no hash running the heap
// goal stays where the hashes put it, and the memory a finished hash frees
// is kept for the next one. The costs:
//   - the collector lets more garbage build up between collections: about
//     the floor's size times GOGC/100;
//   - a process that has hashed keeps that memory after its hashes;
//   - a memory limit (GOMEMLIMIT) counts the floor as heap in use, so it
//     leaves the floor's size less room for everything else.
//
// A process that never hashes nor checks a password never allocates it.
var floor heapFloor

type heapFloor struct {
	mu    sync.Mutex
	n     atomic.Int64 // len(block), read without the lock
	block []byte
}

// keep grows the floor, if it is smaller, to floorSize(p, cap(slots)).
func (f *heapFloor) keep(p Params) {
	n := floorSize(p, cap(slots))
	if int64(n) <= f.n.Load() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.block) < n {
		f.block = make([]byte, n)
		f.n.Store(int64(n))
	}
}

// floorSize is the memory of n hashes under p, at most maxFloor.
func floorSize(p Params, n int) int {
	return int(min(int64(n)*int64(p.MemoryKiB)*1024, maxFloor))
}

// size is the floor's size in bytes.
func (f *heapFloor) size() int { return int(f.n.Load()) }

// NeedsRehash reports whether encoded was made with parameters other than
// p (or cannot be parsed), so that the caller should hash the password
// again, after a successful Verify, and store the new hash.
func NeedsRehash(encoded string, p Params) bool {
	q, _, _, err := decode(encoded)
	return err != nil || q != p
}

var b64 = base64.RawStdEncoding.Strict()

// decodeB64 decodes unpadded standard base64 and accepts only the
// canonical encoding (the decoder alone would skip line breaks).
func decodeB64(s string) ([]byte, bool) {
	b, err := b64.DecodeString(s)
	if err != nil || b64.EncodeToString(b) != s {
		return nil, false
	}
	return b, true
}

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses a PHC string as written by encode. It accepts only the
// canonical form: version 19, parameters in the order m, t, p, decimal
// numbers without leading zeros, unpadded base64 without stray bits.
func decode(s string) (Params, []byte, []byte, error) {
	fail := func(what string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformed, what)
	}
	if len(s) > 512 {
		return fail("too long")
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return fail("want $argon2id$v=…$m=…,t=…,p=…$salt$hash")
	}
	if parts[1] != "argon2id" {
		return fail("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return fail("unsupported version")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return fail("want parameters m, t, p")
	}
	var vals [3]uint32
	for i, name := range []string{"m", "t", "p"} {
		num, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return fail("want parameters m, t, p")
		}
		v, err := strconv.ParseUint(num, 10, 32)
		if err != nil || strconv.FormatUint(v, 10) != num {
			return fail("parameter " + name + " is not a decimal number")
		}
		vals[i] = uint32(v)
	}
	if vals[2] > 255 {
		return fail("parameter p out of range")
	}
	salt, ok := decodeB64(parts[4])
	if !ok || len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return fail("bad salt")
	}
	key, ok := decodeB64(parts[5])
	if !ok {
		return fail("bad hash")
	}
	p := Params{MemoryKiB: vals[0], Time: vals[1], Threads: uint8(vals[2]), KeyLen: uint32(len(key))}
	if err := p.validate(); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return p, salt, key, nil
}

// Argon2id hashes and verifies credential passwords with Hash and Verify:
// the production hasher behind the small hasher interfaces its users
// declare (tests put a counting one in its place).
type Argon2id struct {
	// Params are the cost parameters of new hashes (DefaultParams when
	// zero); Verify reads them from the hash.
	Params Params
	// Rand is the source of salts (crypto/rand.Reader when nil).
	Rand io.Reader
}

// Hash is Hash(pw, h.Params, h.Rand).
func (h Argon2id) Hash(pw string) (string, error) {
	p, r := h.Params, h.Rand
	if p == (Params{}) {
		p = DefaultParams
	}
	if r == nil {
		r = rand.Reader
	}
	return Hash(pw, p, r)
}

// Verify is Verify(encoded, pw).
func (Argon2id) Verify(encoded, pw string) (bool, error) { return Verify(encoded, pw) }
