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
)

// TrustList holds the issuing authorities' CA certificates (CSCA) that
// document-signer certificates must chain to. It is safe for concurrent use.
type TrustList struct {
	mu  sync.RWMutex
	cas []*x509.Certificate
}

// NewTrustList returns a trust list holding cas.
func NewTrustList(cas ...*x509.Certificate) *TrustList {
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
func parseCertificates(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
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
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if certs != nil {
		return certs, nil
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("no PEM certificate and not DER: %w", err)
	}
	return []*x509.Certificate{c}, nil
}

// Add adds ca to the trust list. Adding a certificate already present has no
// effect.
func (t *TrustList) Add(ca *x509.Certificate) {
	if ca == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if slices.ContainsFunc(t.cas, ca.Equal) {
		return
	}
	t.cas = append(t.cas, ca)
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

// issuersOf returns the CAs in the trust list that issued cert (subject
// matches its issuer and their key verifies its signature).
func (t *TrustList) issuersOf(cert *x509.Certificate) []*x509.Certificate {
	if t == nil {
		return nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []*x509.Certificate
	for _, ca := range t.cas {
		if string(ca.RawSubject) == string(cert.RawIssuer) && cert.CheckSignatureFrom(ca) == nil {
			out = append(out, ca)
		}
	}
	return out
}
