package chip

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/internal/suite"
)

// NewCA creates a self-signed issuing-authority CA (CSCA) certificate and its
// P-256 key, for tests and the development document authority. The
// certificate is a CA (path length 0) with the keyCertSign and cRLSign key
// usages. It is NewCAFor(suite.ES256, …).
func NewCA(commonName string, notBefore, notAfter time.Time) (*smx509.Certificate, crypto.Signer, error) {
	return NewCAFor(suite.ES256, commonName, notBefore, notAfter)
}

// NewCAFor is NewCA with a key of the suite's signature algorithm: P-256
// (the certificate signed ecdsa-with-SHA256) for suite.ES256, SM2 (signed
// SM2-with-SM3, the key on the curve 1.2.156.10197.1.301) for suite.SM.
func NewCAFor(s suite.Suite, commonName string, notBefore, notAfter time.Time) (*smx509.Certificate, crypto.Signer, error) {
	if !s.Valid() {
		return nil, nil, fmt.Errorf("chip: NewCAFor: no crypto suite")
	}
	key, err := s.GenerateSigningKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("chip: generating CA key: %w", err)
	}
	tmpl, err := certTemplate(commonName, notBefore, notAfter, key.Public())
	if err != nil {
		return nil, nil, err
	}
	tmpl.IsCA = true
	tmpl.MaxPathLen = 0
	tmpl.MaxPathLenZero = true
	tmpl.KeyUsage = smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign
	cert, err := createCertificate(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// NewDocumentSigner creates a document-signer (DS) certificate with a new
// key, issued by ca, for tests and the development document authority:
// an SM2 key if ca's key is SM2 (a CA made by NewCAFor(suite.SM, …)), a
// P-256 key otherwise. The certificate has the digitalSignature key usage
// only.
func NewDocumentSigner(ca *smx509.Certificate, caKey crypto.Signer, commonName string, notBefore, notAfter time.Time) (Signer, error) {
	s := suite.ES256
	if sm2.IsSM2PublicKey(caKey.Public()) {
		s = suite.SM
	}
	key, err := s.GenerateSigningKey(rand.Reader)
	if err != nil {
		return Signer{}, fmt.Errorf("chip: generating DS key: %w", err)
	}
	return newDocumentSigner(ca, caKey, key, commonName, notBefore, notAfter)
}

// newDocumentSigner issues a DS certificate for key.
func newDocumentSigner(ca *smx509.Certificate, caKey, key crypto.Signer, commonName string, notBefore, notAfter time.Time) (Signer, error) {
	tmpl, err := certTemplate(commonName, notBefore, notAfter, key.Public())
	if err != nil {
		return Signer{}, err
	}
	tmpl.KeyUsage = smx509.KeyUsageDigitalSignature
	cert, err := createCertificate(tmpl, ca, key.Public(), caKey)
	if err != nil {
		return Signer{}, err
	}
	return Signer{Certificate: cert, Key: key}, nil
}

// certTemplate returns the fields common to CA and DS certificates.
func certTemplate(commonName string, notBefore, notAfter time.Time, pub crypto.PublicKey) (*smx509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("chip: generating serial number: %w", err)
	}
	ski, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	return &smx509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)),
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		SubjectKeyId:          ski,
	}, nil
}

// subjectKeyID computes a key identifier by RFC 7093 §2 method 1: the
// leftmost 160 bits of the hash of the subjectPublicKey bits, SHA-256 or,
// for an SM2 key, SM3.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("chip: encoding public key: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("chip: decoding public key: %w", err)
	}
	if sm2.IsSM2PublicKey(pub) {
		sum := sm3.Sum(spki.PublicKey.Bytes)
		return sum[:20], nil
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// createCertificate signs tmpl with parent's key and parses the result. The
// signature algorithm follows parentKey: ecdsa-with-SHA256 for P-256,
// SM2-with-SM3 with the default identifier for SM2 (gmsm's smx509).
func createCertificate(tmpl, parent *smx509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) (*smx509.Certificate, error) {
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("chip: creating certificate: %w", err)
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("chip: parsing created certificate: %w", err)
	}
	return cert, nil
}
