package keys

import (
	"fmt"
	"io"

	"github.com/netid-project/netid/internal/suite"
)

// sealVersionSM4 is the format version of values sealed with SM4-GCM.
const sealVersionSM4 = 2

// sealFormatOf is the sealed-value format of a suite: version 1
// (AES-256-GCM, 32-byte keys, KEK id from SHA-256) for ES256, version 2
// (SM4-GCM, 16-byte keys, KEK id from SM3) for SM. Both formats have the
// same fields in the same order; only the key sizes differ.
func sealFormatOf(s suite.Suite) (sealFormat, error) {
	switch s {
	case suite.ES256:
		return sealV1, nil
	case suite.SM:
		return newSealFormat(sealVersionSM4, s.AEADKeySize(), s.NewAEAD, func(kek []byte) kekID {
			return kekID(s.Sum(kek)[:kekIDSize])
		}), nil
	}
	return sealFormat{}, fmt.Errorf("keys: no sealed format for crypto suite %q", s)
}

// NewSealerFor is NewSealer with the sealing cipher of the suite s: every
// KEK must be s.AEADKeySize() bytes (SealingKEK derives it). A Sealer opens
// only values of its own suite's format: ES256's (version 1) or SM's
// (version 2).
func NewSealerFor(s suite.Suite, kek []byte, rand io.Reader, old ...[]byte) (*Sealer, error) {
	f, err := sealFormatOf(s)
	if err != nil {
		return nil, err
	}
	return newSealer(f, kek, rand, old...)
}

// SealingKEK is the KEK of the Sealer for personal data under the suite s,
// derived from master with s.Derive for PurposeSealing. For ES256 it is
// Derive(master, PurposeSealing).
func SealingKEK(s suite.Suite, master []byte) []byte {
	return s.Derive(master, PurposeSealing, s.AEADKeySize())
}

// IndexKey is the key of the Indexer under the suite s, derived from
// master with s.Derive for PurposeIndex. For ES256 it is Derive(master,
// PurposeIndex).
func IndexKey(s suite.Suite, master []byte) []byte {
	return s.Derive(master, PurposeIndex, MasterKeySize)
}

// NewIndexerFor is NewIndexer with the MAC of the suite s: HMAC-SHA256 for
// ES256, HMAC-SM3 for SM (both 32 bytes, so stored indexes and MACs keep
// their size). It panics if key is empty, a programming error.
func NewIndexerFor(s suite.Suite, key []byte) *Indexer {
	if len(key) == 0 {
		panic("keys: NewIndexerFor with an empty key")
	}
	k := append([]byte(nil), key...)
	x := &Indexer{}
	x.pool.New = func() any { return s.NewMAC(k) }
	return x
}
