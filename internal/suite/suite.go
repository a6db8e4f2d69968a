package suite

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/crypto/hkdf"

	"github.com/netid-project/netid/internal/jws"
)

// Name is a suite's name, as an operator gives it (--crypto-suite) and as
// it is stored with the keys.
type Name string

// The suites' names.
const (
	NameES256 Name = "es256"
	NameSM    Name = "sm"
)

// Suite is one deployment's set of algorithms. Compare suites with ==.
type Suite struct{ p *params }

type params struct {
	name   Name
	sigAlg jws.Algorithm
	// sdAlg is the SD-JWT "_sd_alg" of newHash (RFC 9901 §4.1.1).
	sdAlg   string
	newHash func() hash.Hash
	// sumString is newHash's sum of the bytes of a string.
	sumString func(string) [32]byte
	// aead names the sealing cipher; its key is aeadKeySize bytes.
	aead        string
	aeadKeySize int
	newBlock    func(key []byte) (cipher.Block, error)
	generate    func(rand io.Reader) (crypto.Signer, error)
	// signingKey returns the public key of key (public or private) if it
	// is a key of sigAlg.
	signingKey func(key any) (crypto.PublicKey, bool)
	thumbprint func(pub crypto.PublicKey) ([]byte, error)
}

var (
	// ES256 is the default suite: ES256, SHA-256, AES-256-GCM,
	// HMAC-SHA256.
	ES256 = Suite{&params{
		name:        NameES256,
		sigAlg:      jws.ES256,
		sdAlg:       "sha-256",
		newHash:     sha256.New,
		sumString:   jws.SHA256,
		aead:        "AES-256-GCM",
		aeadKeySize: 32,
		newBlock:    aes.NewCipher,
		generate: func(rand io.Reader) (crypto.Signer, error) {
			return ecdsa.GenerateKey(elliptic.P256(), rand)
		},
		signingKey: func(key any) (crypto.PublicKey, bool) {
			k, ok := jws.P256(&jose.JSONWebKey{Key: key})
			return k, ok
		},
		thumbprint: func(pub crypto.PublicKey) ([]byte, error) {
			return (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
		},
	}}
	// SM is the national suite of docs/sm-profile.md: SM2 over SM3, SM3,
	// SM4-GCM, HMAC-SM3.
	SM = Suite{&params{
		name:        NameSM,
		sigAlg:      jws.SM2,
		sdAlg:       "sm3",
		newHash:     sm3.New,
		sumString:   func(s string) [32]byte { return sumString(sm3.New(), s) },
		aead:        "SM4-GCM",
		aeadKeySize: sm4.BlockSize,
		newBlock:    sm4.NewCipher,
		generate: func(rand io.Reader) (crypto.Signer, error) {
			return sm2.GenerateKey(rand)
		},
		signingKey: func(key any) (crypto.PublicKey, bool) {
			k, ok := jws.SM2PublicKey(key)
			return k, ok
		},
		thumbprint: func(pub crypto.PublicKey) ([]byte, error) {
			k, ok := jws.SM2PublicKey(pub)
			if !ok {
				return nil, errors.New("suite: not an SM2 public key")
			}
			return jws.SM2Thumbprint(k, sm3.New)
		},
	}}
)

// All are the suites, the default first.
func All() []Suite { return []Suite{ES256, SM} }

// ForAlgorithm returns the suite whose SignatureAlgorithm is alg: the
// suite a key that verified a signature of alg belongs to.
func ForAlgorithm(alg jws.Algorithm) (Suite, bool) {
	for _, st := range All() {
		if st.p.sigAlg == alg {
			return st, true
		}
	}
	return Suite{}, false
}

// ForSDAlg returns the suite whose SD-JWT "_sd_alg" is name ("sha-256"
// or "sm3", exactly).
func ForSDAlg(name string) (Suite, bool) {
	for _, st := range All() {
		if st.p.sdAlg == name {
			return st, true
		}
	}
	return Suite{}, false
}

// ErrUnknown is returned by Parse for a name that is no suite's.
var ErrUnknown = errors.New(`suite: unknown crypto suite (want "es256" or "sm")`)

// Parse returns the suite named s ("es256" or "sm", exactly). The empty
// string is an error too: callers choose their default explicitly.
func Parse(s string) (Suite, error) {
	for _, st := range All() {
		if string(st.p.name) == s {
			return st, nil
		}
	}
	return Suite{}, fmt.Errorf("%w: %q", ErrUnknown, clip(s))
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// Valid reports whether s is one of the suites (the zero Suite is not).
func (s Suite) Valid() bool { return s.p != nil }

// Name is the suite's name; "" for the zero Suite.
func (s Suite) Name() Name {
	if s.p == nil {
		return ""
	}
	return s.p.name
}

// String is the suite's name.
func (s Suite) String() string { return string(s.Name()) }

// SignatureAlgorithm is the JWS algorithm of everything the platform
// signs, and of the device keys its credentials bind: ES256 or SM2.
func (s Suite) SignatureAlgorithm() jws.Algorithm { return s.p.sigAlg }

// Algorithms is the JWS allow-list for tokens made under this suite (a
// new slice, the caller's).
func (s Suite) Algorithms() []jws.Algorithm { return []jws.Algorithm{s.p.sigAlg} }

// GenerateSigningKey returns a new private key of SignatureAlgorithm.
func (s Suite) GenerateSigningKey(rand io.Reader) (crypto.Signer, error) {
	k, err := s.p.generate(rand)
	if err != nil {
		return nil, fmt.Errorf("suite %s: generate a signing key: %w", s.p.name, err)
	}
	return k, nil
}

// SigningPublicKey returns the public key of key (a public or private key)
// if it is a key of SignatureAlgorithm.
func (s Suite) SigningPublicKey(key any) (crypto.PublicKey, bool) { return s.p.signingKey(key) }

// Thumbprint is the RFC 7638 thumbprint of pub, a key of
// SignatureAlgorithm, under the suite's hash: SHA-256 of the P-256 JWK, or
// SM3 of the SM2 JWK.
func (s Suite) Thumbprint(pub crypto.PublicKey) ([]byte, error) {
	if _, ok := s.p.signingKey(pub); !ok {
		return nil, fmt.Errorf("suite %s: not a %s key", s.p.name, s.p.sigAlg)
	}
	tp, err := s.p.thumbprint(pub)
	if err != nil {
		return nil, fmt.Errorf("suite %s: thumbprint: %w", s.p.name, err)
	}
	return tp, nil
}

// KeyID is the base64url (unpadded) Thumbprint of pub, the form of the
// platform's kid values.
func (s Suite) KeyID(pub crypto.PublicKey) (string, error) {
	tp, err := s.Thumbprint(pub)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// SDAlg is the SD-JWT "_sd_alg" of the suite's hash: "sha-256" or "sm3".
func (s Suite) SDAlg() string { return s.p.sdAlg }

// NewHash returns a new hash of the suite: SHA-256 or SM3 (32 bytes
// both). It computes SD-JWT disclosure digests and sd_hash.
func (s Suite) NewHash() hash.Hash { return s.p.newHash() }

// SumString is the suite's hash of the bytes of s, without copying s (an
// SD-JWT of some kilobytes) into a new byte slice first: SD-JWT disclosure
// digests and sd_hash.
func (s Suite) SumString(data string) [32]byte { return s.p.sumString(data) }

// sumString writes the bytes of s to h through a small buffer and returns
// the sum, which must be 32 bytes.
func sumString(h hash.Hash, s string) [32]byte {
	var buf [512]byte
	for len(s) > 0 {
		n := copy(buf[:], s)
		h.Write(buf[:n])
		s = s[n:]
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// Sum is the suite's hash of data.
func (s Suite) Sum(data []byte) []byte {
	h := s.p.newHash()
	h.Write(data)
	return h.Sum(nil)
}

// NewMAC returns HMAC (RFC 2104) over the suite's hash under key:
// HMAC-SHA256 or HMAC-SM3. Blind indexes and the MACs of bearer secrets
// use it.
func (s Suite) NewMAC(key []byte) hash.Hash { return hmac.New(s.p.newHash, key) }

// Derive returns size bytes derived from master for purpose with HKDF
// (RFC 5869: no salt, purpose as info) over the suite's HMAC. Distinct
// purposes give independent keys. It panics if master is empty or size
// is out of HKDF's range, both programming errors.
func (s Suite) Derive(master []byte, purpose string, size int) []byte {
	if len(master) == 0 {
		panic("suite: Derive with an empty master key")
	}
	out := make([]byte, size)
	if _, err := io.ReadFull(hkdf.New(s.p.newHash, master, nil, []byte(purpose)), out); err != nil {
		panic("suite: HKDF: " + err.Error())
	}
	return out
}

// AEAD names the sealing cipher: "AES-256-GCM" or "SM4-GCM".
func (s Suite) AEAD() string { return s.p.aead }

// AEADKeySize is the key size of the sealing cipher: 32 bytes for
// AES-256, 16 for SM4.
func (s Suite) AEADKeySize() int { return s.p.aeadKeySize }

// NewAEAD returns the sealing cipher under key, in GCM with a 12-byte
// nonce and a 16-byte tag (NIST SP 800-38D; GB/T 36624 for SM4). key
// must be AEADKeySize bytes.
func (s Suite) NewAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != s.p.aeadKeySize {
		return nil, fmt.Errorf("suite %s: %s key is %d bytes, want %d", s.p.name, s.p.aead, len(key), s.p.aeadKeySize)
	}
	block, err := s.p.newBlock(key)
	if err != nil {
		return nil, fmt.Errorf("suite %s: %w", s.p.name, err)
	}
	return cipher.NewGCM(block)
}
