package wallet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// The wallet's keys are keys of its platform's crypto suite: P-256 on an
// es256 platform, SM2 on an sm one (docs/sm-profile.md). The platform's
// discovery document names the suite by its signature algorithm; the
// wallet makes its device and batch keys for it, and a stored key's own
// curve says which suite it belongs to afterwards.

// ErrKeySuite: a wallet key is not of the crypto suite of the credential's
// issuer (an SM2 key for an ES256-signed credential, or a P-256 key for an
// SM2-signed one).
var ErrKeySuite = errors.New("wallet: the key is not of the issuer's crypto suite")

// ErrPlatformSuite: the platform's discovery document names no crypto
// suite this wallet knows, or two: the platform's answer is at fault (or
// the wallet is older than the platform), not the holder's keys.
var ErrPlatformSuite = errors.New("wallet: the platform names no crypto suite this wallet knows")

// Suite returns the platform's crypto suite, from the one signature
// algorithm its discovery document lists (signing_alg_values_supported:
// "ES256" or "SM2"). A platform listing none the wallet knows, or
// algorithms of two suites, is ErrPlatformSuite.
func (c *Client) Suite(ctx context.Context) (suite.Suite, error) {
	conf, err := c.Configuration(ctx)
	if err != nil {
		return suite.Suite{}, err
	}
	return suiteOf(conf.SigningAlgorithms)
}

// suiteOf is the suite of a discovery document's signing algorithms.
func suiteOf(algs []string) (suite.Suite, error) {
	var found suite.Suite
	for _, a := range algs {
		st, ok := suite.ForAlgorithm(jws.Algorithm(a))
		switch {
		case !ok:
			continue
		case found.Valid() && found != st:
			return suite.Suite{}, fmt.Errorf("%w: it names two", ErrPlatformSuite)
		}
		found = st
	}
	if !found.Valid() {
		return suite.Suite{}, ErrPlatformSuite
	}
	return found, nil
}

// keySuite returns the suite of a wallet key (P-256: es256, SM2: sm).
func keySuite(key *ecdsa.PrivateKey) (suite.Suite, bool) {
	if key == nil {
		return suite.Suite{}, false
	}
	return suite.OfKey(&key.PublicKey)
}

// KeySuiteError is a wallet key of another crypto suite than the
// credential's issuer: one sentence naming both, which is ErrKeySuite.
type KeySuiteError struct {
	// What names the key: "device key" or "batch key".
	What string
	// Key is the key's suite; Issuer the suite of the credential's
	// signature.
	Key, Issuer suite.Suite
}

// Error names the key's kind and the issuer's algorithm, in one line.
func (e *KeySuiteError) Error() string {
	return fmt.Sprintf("wallet: the %s is a %s key (crypto suite %s), but the credential's issuer signs with %s (crypto suite %s)",
		e.What, e.Key.KeyName(), e.Key, e.Issuer.SignatureAlgorithm(), e.Issuer)
}

// Is makes a *KeySuiteError ErrKeySuite.
func (e *KeySuiteError) Is(target error) bool { return target == ErrKeySuite }

// checkKeySuite refuses key unless it is a key of issuer's suite, the suite
// of the credential's signature: a *KeySuiteError naming both.
func checkKeySuite(what string, key *ecdsa.PrivateKey, issuer suite.Suite) error {
	st, ok := keySuite(key)
	switch {
	case !ok:
		return fmt.Errorf("%w: the %s is neither a P-256 nor an SM2 key", ErrKeySuite, what)
	case st != issuer:
		return &KeySuiteError{What: what, Key: st, Issuer: issuer}
	}
	return nil
}

// marshalKey encodes a wallet key as PKCS #8: a P-256 key as crypto/x509
// writes it (as wallets always stored it), an SM2 key with the SM2 curve's
// OID (smx509).
func marshalKey(key *ecdsa.PrivateKey) ([]byte, error) {
	st, ok := keySuite(key)
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: neither a P-256 nor an SM2 key", ErrKeySuite)
	case st == suite.SM:
		return smx509.MarshalPKCS8PrivateKey(key)
	}
	return x509.MarshalPKCS8PrivateKey(key)
}

// parseKey reads a PKCS #8 wallet key: a P-256 or an SM2 key, each as the
// *ecdsa.PrivateKey the wallet signs with.
func parseKey(der []byte) (*ecdsa.PrivateKey, error) {
	k, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errors.New("not a PKCS #8 private key")
	}
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve == elliptic.P256() {
			return k, nil
		}
	case *sm2.PrivateKey:
		return &k.PrivateKey, nil
	}
	return nil, errors.New("neither a P-256 nor an SM2 key")
}
