package keys

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// ErrSuite is returned by Load when the store holds the signing keys of
// another crypto suite than the KeySet's: the platform's data was created
// under that suite, and what it sealed and indexed can only be read under
// it.
var ErrSuite = errors.New("keys: the stored signing keys belong to another crypto suite")

// NewKeySetFor is NewKeySet for a deployment on the crypto suite s: the
// KeySet keeps an active key of s's signature algorithm (ES256 or SM2),
// whose private key Signer returns, and an RS256 key for OpenID Connect
// clients that registered RS256. The suite is recorded by the keys
// themselves: Load refuses a store holding keys of the other suite's
// signature algorithm (ErrSuite). sealer should be a Sealer of the same
// suite.
//
// The keys are a second record of the suite, not an atomic one: two
// processes starting for the first time on one empty store at the same
// moment with different suites would both create keys. The platform
// records the suite atomically in the database first
// (storage.CryptoSuiteStore), so the second process is refused before it
// creates any.
func NewKeySetFor(s suite.Suite, store Store, sealer *Sealer, rand io.Reader) *KeySet {
	return &KeySet{Grace: DefaultGrace, store: store, sealer: sealer, rand: rand, suite: s}
}

// Suite is the crypto suite the KeySet signs with.
func (k *KeySet) Suite() suite.Suite { return k.suite }

// algorithms are the algorithms the KeySet keeps an active key for.
func (k *KeySet) algorithms() []jose.SignatureAlgorithm {
	if k.suite == suite.ES256 {
		return Algorithms
	}
	return []jose.SignatureAlgorithm{jose.SignatureAlgorithm(k.suite.SignatureAlgorithm()), jose.RS256}
}

// checkSuite refuses stored keys whose algorithm is another suite's
// signature algorithm, naming that suite.
func (k *KeySet) checkSuite(all []storage.SigningKey) error {
	for _, s := range all {
		for _, other := range suite.All() {
			if other != k.suite && s.Algorithm == string(other.SignatureAlgorithm()) {
				return fmt.Errorf("%w: they are %s keys of the %q suite and this platform runs %q; start it with --crypto-suite %s",
					ErrSuite, s.Algorithm, other.Name(), k.suite.Name(), other.Name())
			}
		}
	}
	return nil
}

// marshalPublic is the stored public JWK: go-jose's form, or the SM2 JWK of
// docs/sm-profile.md, which go-jose cannot write.
func marshalPublic(jwk jose.JSONWebKey) ([]byte, error) {
	if pub, ok := jws.SM2PublicKey(jwk.Key); ok {
		return jws.SM2JWK{Key: pub, KeyID: jwk.KeyID, Algorithm: jwk.Algorithm, Use: jwk.Use}.MarshalJSON()
	}
	return jwk.MarshalJSON()
}

// unmarshalPublic reads the stored public JWK of s.
func unmarshalPublic(s storage.SigningKey) (jose.JSONWebKey, error) {
	if s.Algorithm == string(jws.SM2) {
		k, err := jws.ParseSM2JWK(s.Public)
		if err != nil {
			return jose.JSONWebKey{}, err
		}
		return jose.JSONWebKey{Key: k.Key, KeyID: k.KeyID, Algorithm: k.Algorithm, Use: k.Use}, nil
	}
	var jwk jose.JSONWebKey
	err := jwk.UnmarshalJSON(s.Public)
	return jwk, err
}

// marshalPKCS8 encodes a private key as PKCS #8; an SM2 key with the SM2
// curve's OID (GM/T 0010), which crypto/x509 does not know.
func marshalPKCS8(priv any) ([]byte, error) {
	if k, ok := priv.(*sm2.PrivateKey); ok {
		return smx509.MarshalPKCS8PrivateKey(k)
	}
	return x509.MarshalPKCS8PrivateKey(priv)
}

// parsePKCS8 decodes what marshalPKCS8 encoded.
func parsePKCS8(der []byte) (any, error) {
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err == nil {
		return key, nil
	}
	if k, smErr := smx509.ParsePKCS8PrivateKey(der); smErr == nil {
		if sk, ok := k.(*sm2.PrivateKey); ok {
			return sk, nil
		}
	}
	return nil, err
}
