package chip

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// NewCA creates a self-signed issuing-authority CA (CSCA) certificate and its
// P-256 key, for tests and the development document authority. The
// certificate is a CA (path length 0) with the keyCertSign and cRLSign key
// usages.
func NewCA(commonName string, notBefore, notAfter time.Time) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
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
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	cert, err := createCertificate(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// NewDocumentSigner creates a document-signer (DS) certificate with a new
// P-256 key, issued by ca, for tests and the development document authority.
// The certificate has the digitalSignature key usage only.
func NewDocumentSigner(ca *x509.Certificate, caKey crypto.Signer, commonName string, notBefore, notAfter time.Time) (Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Signer{}, fmt.Errorf("chip: generating DS key: %w", err)
	}
	return newDocumentSigner(ca, caKey, key, commonName, notBefore, notAfter)
}

// newDocumentSigner issues a DS certificate for key.
func newDocumentSigner(ca *x509.Certificate, caKey, key crypto.Signer, commonName string, notBefore, notAfter time.Time) (Signer, error) {
	tmpl, err := certTemplate(commonName, notBefore, notAfter, key.Public())
	if err != nil {
		return Signer{}, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	cert, err := createCertificate(tmpl, ca, key.Public(), caKey)
	if err != nil {
		return Signer{}, err
	}
	return Signer{Certificate: cert, Key: key}, nil
}

// certTemplate returns the fields common to CA and DS certificates.
func certTemplate(commonName string, notBefore, notAfter time.Time, pub crypto.PublicKey) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("chip: generating serial number: %w", err)
	}
	ski, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)),
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		SubjectKeyId:          ski,
	}, nil
}

// subjectKeyID computes a key identifier by RFC 7093 §2 method 1: the
// leftmost 160 bits of the SHA-256 of the subjectPublicKey bits.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
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
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// createCertificate signs tmpl with parent's key and parses the result.
func createCertificate(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("chip: creating certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("chip: parsing created certificate: %w", err)
	}
	return cert, nil
}
