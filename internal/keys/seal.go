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

// Overhead is how many bytes Seal adds to the plaintext.
const Overhead = headerSize + gcmTagSize

type kekID [kekIDSize]byte

// Sealer encrypts personal data at rest with envelope encryption (see the
// package doc). It is safe for concurrent use.
//
// Each Seal wraps its data key with a random 96-bit nonce under the current
// KEK; rotate the KEK well before 2³² values have been sealed under it.
type Sealer struct {
	rand    io.Reader
	current kekID
	keks    map[kekID]cipher.AEAD
}

// NewSealer returns a Sealer that seals under kek and opens values sealed
// under kek or any of the old KEKs. Every KEK must be 32 bytes (ErrKeySize).
// rand supplies data keys and nonces; nil means crypto/rand.Reader.
func NewSealer(kek []byte, rand io.Reader, old ...[]byte) (*Sealer, error) {
	s := &Sealer{rand: rand, keks: make(map[kekID]cipher.AEAD, 1+len(old))}
	if s.rand == nil {
		s.rand = cryptoRand{}
	}
	for i, k := range append([][]byte{kek}, old...) {
		if len(k) != dataKeySize {
			return nil, fmt.Errorf("keys: KEK %d is %d bytes: %w", i, len(k), ErrKeySize)
		}
		aead, err := newGCM(k)
		if err != nil {
			return nil, fmt.Errorf("keys: KEK %d: %w", i, err)
		}
		id := kekIDOf(k)
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

// Seal encrypts plaintext under a fresh data key, bound to aad, and returns
// the sealed value (len(plaintext)+Overhead bytes). aad names what the value
// is, e.g. "person:<id>:identity"; Open needs the same aad.
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, headerSize, headerSize+len(plaintext)+gcmTagSize)
	out[0] = sealVersion1
	copy(out[offKEKID:], s.current[:])
	var dataKey [dataKeySize]byte
	defer clear(dataKey[:])
	if _, err := io.ReadFull(s.rand, out[offWrapNonce:offWrappedKey]); err != nil {
		return nil, fmt.Errorf("keys: seal: %w", err)
	}
	if _, err := io.ReadFull(s.rand, dataKey[:]); err != nil {
		return nil, fmt.Errorf("keys: seal: %w", err)
	}
	if _, err := io.ReadFull(s.rand, out[offDataNonce:headerSize]); err != nil {
		return nil, fmt.Errorf("keys: seal: %w", err)
	}
	s.keks[s.current].Seal(out[offWrappedKey:offWrappedKey], out[offWrapNonce:offWrappedKey], dataKey[:], out[:offWrapNonce])
	aead, err := newGCM(dataKey[:])
	if err != nil {
		return nil, fmt.Errorf("keys: seal: %w", err)
	}
	return aead.Seal(out, out[offDataNonce:headerSize], plaintext, dataAAD(aad)), nil
}

// dataAAD is the additional data of the record encryption: the format
// version and the caller's aad.
func dataAAD(aad []byte) []byte {
	b := make([]byte, 0, 1+len(aad))
	return append(append(b, sealVersion1), aad...)
}

// Open decrypts a value sealed with aad by a Sealer holding the same KEK
// (current or old). Any failure is an error wrapping ErrDecrypt.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	dataKey, err := s.unwrap(sealed)
	if err != nil {
		return nil, err
	}
	defer clear(dataKey)
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	plaintext, err := aead.Open(nil, sealed[offDataNonce:headerSize], sealed[headerSize:], dataAAD(aad))
	if err != nil {
		return nil, fmt.Errorf("%w: record does not authenticate", ErrDecrypt)
	}
	return plaintext, nil
}

// unwrap checks the header of sealed and returns its data key.
func (s *Sealer) unwrap(sealed []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, fmt.Errorf("%w: too short", ErrDecrypt)
	}
	if sealed[0] != sealVersion1 {
		return nil, fmt.Errorf("%w: unknown format version %d", ErrDecrypt, sealed[0])
	}
	kek, ok := s.keks[kekID(sealed[offKEKID:offWrapNonce])]
	if !ok {
		return nil, fmt.Errorf("%w: unknown key-encryption key", ErrDecrypt)
	}
	dataKey, err := kek.Open(nil, sealed[offWrapNonce:offWrappedKey], sealed[offWrappedKey:offDataNonce], sealed[:offWrapNonce])
	if err != nil {
		return nil, fmt.Errorf("%w: data key does not authenticate", ErrDecrypt)
	}
	return dataKey, nil
}

// Current reports whether sealed names the current KEK, i.e. needs no
// Rewrap after a KEK rotation. It does not authenticate sealed.
func (s *Sealer) Current(sealed []byte) bool {
	return len(sealed) >= Overhead && sealed[0] == sealVersion1 &&
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
	if _, err := io.ReadFull(s.rand, out[offWrapNonce:offWrappedKey]); err != nil {
		return nil, fmt.Errorf("keys: rewrap: %w", err)
	}
	s.keks[s.current].Seal(out[offWrappedKey:offWrappedKey], out[offWrapNonce:offWrappedKey], dataKey, out[:offWrapNonce])
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
