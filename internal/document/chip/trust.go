package chip

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/emmansun/gmsm/smx509"
)

// TrustList holds the issuing authorities' CA certificates (CSCA) that
// document-signer certificates must chain to: ECDSA, RSA and SM2 ones side
// by side. It is safe for concurrent use.
type TrustList struct {
	mu  sync.RWMutex
	cas []trustedCA
}

// trustedCA is a CA certificate as gmsm's smx509 parsed it (every CA) and
// as crypto/x509 did (nil for an SM2 CA, which crypto/x509 cannot parse).
type trustedCA struct {
	cert *smx509.Certificate
	std  *x509.Certificate
}

// NewTrustList returns a trust list holding cas.
func NewTrustList(cas ...*smx509.Certificate) *TrustList {
	t := &TrustList{}
	for _, ca := range cas {
		t.Add(ca)
	}
	return t
}

// LoadTrustList reads every *.pem and *.crt file in dir (not its
// subdirectories). A file holds one or more PEM CERTIFICATE blocks, or (for
// *.crt) one DER certificate. Every certificate must be a CA certificate. A
// missing dir gives an empty trust list, not an error.
func LoadTrustList(dir string) (*TrustList, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return NewTrustList(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("chip: reading trust list: %w", err)
	}
	t := NewTrustList()
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if e.IsDir() || (ext != ".pem" && ext != ".crt") {
			continue
		}
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("chip: reading trust list: %w", err)
		}
		certs, err := parseCertificates(b)
		if err != nil {
			return nil, fmt.Errorf("chip: trust list file %s: %w", path, err)
		}
		for _, c := range certs {
			if !c.BasicConstraintsValid || !c.IsCA {
				return nil, fmt.Errorf("chip: trust list file %s: certificate %q is not a CA certificate", path, c.Subject)
			}
			t.Add(c)
		}
	}
	return t, nil
}

// parseCertificates parses PEM CERTIFICATE blocks, or one DER certificate if
// b holds no PEM.
func parseCertificates(b []byte) ([]*smx509.Certificate, error) {
	var certs []*smx509.Certificate
	rest := b
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("unexpected PEM block %q", block.Type)
		}
		c, err := smx509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if certs != nil {
		return certs, nil
	}
	c, err := smx509.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("no PEM certificate and not DER: %w", err)
	}
	return []*smx509.Certificate{c}, nil
}

// Add adds ca to the trust list. Adding a certificate already present has no
// effect.
func (t *TrustList) Add(ca *smx509.Certificate) {
	if ca == nil {
		return
	}
	std, err := x509.ParseCertificate(ca.Raw)
	if err != nil {
		std = nil // an SM2 CA: only the SM2 path uses it
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if slices.ContainsFunc(t.cas, func(c trustedCA) bool { return c.cert.Equal(ca) }) {
		return
	}
	t.cas = append(t.cas, trustedCA{cert: ca, std: std})
}

// Len returns the number of CA certificates in the trust list.
func (t *TrustList) Len() int {
	if t == nil {
		return 0
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.cas)
}

// issuersOf returns the CAs in the trust list that issued ds (subject
// matches its issuer and their key verifies its signature), each checked on
// ds's path: for an SM2 DS only SM2 CAs whose SM2-with-SM3 signature
// verifies, otherwise only CAs crypto/x509 parses and whose signature
// crypto/x509 verifies.
func (t *TrustList) issuersOf(ds *dsCertificate) []trustedCA {
	if t == nil {
		return nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []trustedCA
	for _, ca := range t.cas {
		if string(ca.cert.RawSubject) != string(ds.cert.RawIssuer) {
			continue
		}
		var err error
		if ds.sm2 {
			err = checkSM2Issued(ds.cert, ca.cert)
		} else if ca.std == nil {
			continue
		} else {
			err = ds.std.CheckSignatureFrom(ca.std)
		}
		if err == nil {
			out = append(out, ca)
		}
	}
	return out
}
