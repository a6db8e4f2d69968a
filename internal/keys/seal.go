package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
)

// Layout of a sealed value, format version 1 (see the package doc).
const (
	sealVersion1 = 1

	kekIDSize      = 8
	gcmNonceSize   = 12
	gcmTagSize     = 16
	dataKeySize    = 32
	wrappedKeySize = dataKeySize + gcmTagSize

	offKEKID      = 1
	offWrapNonce  = offKEKID + kekIDSize
	offWrappedKey = offWrapNonce + gcmNonceSize
	offDataNonce  = offWrappedKey + wrappedKeySize
	headerSize    = offDataNonce + gcmNonceSize
)

// Overhead is how many bytes Seal adds to the plaintext in format version 1
// (NewSealer); Sealer.Overhead gives it for any Sealer.
const Overhead = headerSize + gcmTagSize

type kekID [kekIDSize]byte

// sealFormat is one layout of sealed values: version 1 is AES-256-GCM with
// 32-byte keys (the constants above), version 2 SM4-GCM with 16-byte keys
// (sealsm.go). Both put the KEK id and the wrap nonce at the same offsets.
type sealFormat struct {
	version byte
	// keySize is the size of the KEK and of the data key.
	keySize int
	newAEAD func(key []byte) (cipher.AEAD, error)
	// kekID names a KEK: the first 8 bytes of its hash.
	kekID func(kek []byte) kekID

	offWrappedKey, offDataNonce, headerSize int
}

func newSealFormat(version byte, keySize int, newAEAD func([]byte) (cipher.AEAD, error), kekID func([]byte) kekID) sealFormat {
	f := sealFormat{version: version, keySize: keySize, newAEAD: newAEAD, kekID: kekID, offWrappedKey: offWrappedKey}
	f.offDataNonce = f.offWrappedKey + keySize + gcmTagSize
	f.headerSize = f.offDataNonce + gcmNonceSize
	return f
}

// sealV1 is format version 1: AES-256-GCM.
var sealV1 = newSealFormat(sealVersion1, dataKeySize, newGCM, kekIDOf)

func (f sealFormat) overhead() int { return f.headerSize + gcmTagSize }

// Sealer encrypts personal data at rest with envelope encryption (see the
// package doc). It is safe for concurrent use.
//
// Each Seal wraps its data key with a random 96-bit nonce under the current
// KEK; rotate the KEK well before 2³² values have been sealed under it.
type Sealer struct {
	f       sealFormat
	rand    io.Reader
	current kekID
	keks    map[kekID]cipher.AEAD
}

// NewSealer returns a Sealer that seals under kek and opens values sealed
// under kek or any of the old KEKs. Every KEK must be 32 bytes (ErrKeySize).
// rand supplies data keys and nonces; nil means crypto/rand.Reader.
func NewSealer(kek []byte, rand io.Reader, old ...[]byte) (*Sealer, error) {
	return newSealer(sealV1, kek, rand, old...)
}

func newSealer(f sealFormat, kek []byte, rand io.Reader, old ...[]byte) (*Sealer, error) {
	s := &Sealer{f: f, rand: rand, keks: make(map[kekID]cipher.AEAD, 1+len(old))}
	if s.rand == nil {
		s.rand = cryptoRand{}
	}
	for i, k := range append([][]byte{kek}, old...) {
		if len(k) != f.keySize {
			return nil, fmt.Errorf("keys: KEK %d is %d bytes, want %d: %w", i, len(k), f.keySize, ErrKeySize)
		}
		aead, err := f.newAEAD(k)
		if err != nil {
			return nil, fmt.Errorf("keys: KEK %d: %w", i, err)
		}
		id := f.kekID(k)
		if i == 0 {
			s.current = id
		}
		if _, ok := s.keks[id]; !ok {
			s.keks[id] = aead
		}
	}
	return s, nil
}

// cryptoRand reads crypto/rand at call time (not at construction), so
// tests that replace the global source see it used.
type cryptoRand struct{}

func (cryptoRand) Read(p []byte) (int, error) { return rand.Read(p) }

func kekIDOf(kek []byte) kekID {
	sum := sha256.Sum256(kek)
	return kekID(sum[:kekIDSize])
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Overhead is how many bytes Seal adds to the plaintext: Overhead for a
// NewSealer, less for an SM4-GCM Sealer (its keys are 16 bytes).
func (s *Sealer) Overhead() int { return s.f.overhead() }

// Seal encrypts plaintext under a fresh data key, bound to aad, and returns
// the sealed value (len(plaintext)+s.Overhead() bytes). aad names what the
// value is, e.g. "person:<id>:identity"; Open needs the same aad.
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	f := &s.f
	out := make([]byte, f.headerSize, f.headerSize+len(plaintext)+gcmTagSize)
	out[0] = f.version
	copy(out[offKEKID:], s.current[:])
	var keyBuf [dataKeySize]byte
	dataKey := keyBuf[:f.keySize]
	defer clear(keyBuf[:])
	if _, err := io.ReadFull(s.rand, out[offWrapNonce:f.offWrappedKey]); err != nil {
		return nil, fmt.Errorf("keys: seal: %w", err)
	}
	if _, err := io.ReadFull(s.rand, dataKey); err != nil {
		return nil, fmt.Errorf("keys: seal: %w", err)
	}
	if _, err := io.ReadFull(s.rand, out[f.offDataNonce:f.headerSize]); err != nil {
		return nil, fmt.Errorf("keys: seal: %w", err)
	}
	s.keks[s.current].Seal(out[f.offWrappedKey:f.offWrappedKey], out[offWrapNonce:f.offWrappedKey], dataKey, out[:offWrapNonce])
	aead, err := f.newAEAD(dataKey)
	if err != nil {
		return nil, fmt.Errorf("keys: seal: %w", err)
	}
	return aead.Seal(out, out[f.offDataNonce:f.headerSize], plaintext, dataAAD(f.version, aad)), nil
}

// dataAAD is the additional data of the record encryption: the format
// version and the caller's aad.
func dataAAD(version byte, aad []byte) []byte {
	b := make([]byte, 0, 1+len(aad))
	return append(append(b, version), aad...)
}

// Open decrypts a value sealed with aad by a Sealer holding the same KEK
// (current or old). Any failure is an error wrapping ErrDecrypt.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	dataKey, err := s.unwrap(sealed)
	if err != nil {
		return nil, err
	}
	defer clear(dataKey)
	f := &s.f
	aead, err := f.newAEAD(dataKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	plaintext, err := aead.Open(nil, sealed[f.offDataNonce:f.headerSize], sealed[f.headerSize:], dataAAD(f.version, aad))
	if err != nil {
		return nil, fmt.Errorf("%w: record does not authenticate", ErrDecrypt)
	}
	return plaintext, nil
}

// unwrap checks the header of sealed and returns its data key.
func (s *Sealer) unwrap(sealed []byte) ([]byte, error) {
	f := &s.f
	if len(sealed) < f.overhead() {
		return nil, fmt.Errorf("%w: too short", ErrDecrypt)
	}
	if sealed[0] != f.version {
		return nil, fmt.Errorf("%w: format version %d, this sealer's is %d", ErrDecrypt, sealed[0], f.version)
	}
	kek, ok := s.keks[kekID(sealed[offKEKID:offWrapNonce])]
	if !ok {
		return nil, fmt.Errorf("%w: unknown key-encryption key", ErrDecrypt)
	}
	dataKey, err := kek.Open(nil, sealed[offWrapNonce:f.offWrappedKey], sealed[f.offWrappedKey:f.offDataNonce], sealed[:offWrapNonce])
	if err != nil {
		return nil, fmt.Errorf("%w: data key does not authenticate", ErrDecrypt)
	}
	return dataKey, nil
}

// Current reports whether sealed names the current KEK, i.e. needs no
// Rewrap after a KEK rotation. It does not authenticate sealed.
func (s *Sealer) Current(sealed []byte) bool {
	return len(sealed) >= s.f.overhead() && sealed[0] == s.f.version &&
		kekID(sealed[offKEKID:offWrapNonce]) == s.current
}

// Rewrap returns sealed with its data key re-wrapped under the current KEK,
// for moving records off an old KEK after a rotation. The record's
// ciphertext is unchanged (so its aad is not needed) and is not
// authenticated here; Open still checks it. Failures wrap ErrDecrypt.
func (s *Sealer) Rewrap(sealed []byte) ([]byte, error) {
	dataKey, err := s.unwrap(sealed)
	if err != nil {
		return nil, err
	}
	defer clear(dataKey)
	out := make([]byte, len(sealed))
	copy(out, sealed)
	copy(out[offKEKID:], s.current[:])
	f := &s.f
	if _, err := io.ReadFull(s.rand, out[offWrapNonce:f.offWrappedKey]); err != nil {
		return nil, fmt.Errorf("keys: rewrap: %w", err)
	}
	s.keks[s.current].Seal(out[f.offWrappedKey:f.offWrappedKey], out[offWrapNonce:f.offWrappedKey], dataKey, out[:offWrapNonce])
	return out, nil
}

// SealJSON seals the JSON encoding of v with aad. Encoding errors wrap
// ErrJSON and name only the Go type of v.
func (s *Sealer) SealJSON(v any, aad []byte) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("keys: encode %T: %w", v, ErrJSON)
	}
	defer clear(b)
	return s.Seal(b, aad)
}

// OpenJSON opens sealed with aad and decodes the JSON inside into v.
// Decryption errors wrap ErrDecrypt; decoding errors wrap ErrJSON and name
// only the Go type of v, never the plaintext.
func (s *Sealer) OpenJSON(sealed, aad []byte, v any) error {
	b, err := s.Open(sealed, aad)
	if err != nil {
		return err
	}
	defer clear(b)
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("keys: decode %T: %w", v, ErrJSON)
	}
	return nil
}
