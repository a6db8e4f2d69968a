package devauthority

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/suite"
)

// TestDocumentsForSuite: on an SM platform the authority is SM2 (its keys
// stored as PKCS #8 SM2 keys, its certificates SM2-with-SM3) and mints
// documents that passive authentication accepts against its CA alone; it
// is kept across loads, and a platform of the other suite is refused.
func TestDocumentsForSuite(t *testing.T) {
	for _, tc := range []struct {
		s     suite.Suite
		sm2   bool
		other suite.Suite
	}{{suite.SM, true, suite.ES256}, {suite.ES256, false, suite.SM}} {
		t.Run(tc.s.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "authority")
			d, err := LoadOrCreateDocumentsFor(dir, tc.s, now)
			if err != nil {
				t.Fatal(err)
			}
			if d.Suite() != tc.s {
				t.Fatalf("Suite = %s", d.Suite())
			}
			for _, c := range []*smx509.Certificate{d.CA(), d.Signer().Certificate} {
				if sm2.IsSM2PublicKey(c.PublicKey) != tc.sm2 || (c.SignatureAlgorithm == smx509.SM2WithSM3) != tc.sm2 {
					t.Errorf("%s: key %T, signed %v", c.Subject.CommonName, c.PublicKey, c.SignatureAlgorithm)
				}
			}
			for _, name := range []string{CAKeyFile, DSKeyFile} {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				block, _ := pem.Decode(b)
				k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
				if err != nil {
					t.Fatal(err)
				}
				if _, isSM2 := k.(*sm2.PrivateKey); isSM2 != tc.sm2 {
					t.Errorf("%s holds %T", name, k)
				}
				if _, isECDSA := k.(*ecdsa.PrivateKey); isECDSA == tc.sm2 {
					t.Errorf("%s holds %T", name, k)
				}
			}

			id := testIdentity(t)
			data, err := d.Mint(id, FaceImage(id.Name), now)
			if err != nil {
				t.Fatal(err)
			}
			v, err := chip.Verify(data, d.TrustList(), now)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.Identity != id || !v.Issuer.Equal(d.CA()) {
				t.Fatal("verified data differs from what was minted")
			}

			again, err := LoadOrCreateDocumentsFor(dir, tc.s, now)
			if err != nil || !again.CA().Equal(d.CA()) || !again.Signer().Certificate.Equal(d.Signer().Certificate) {
				t.Fatalf("reload: %v", err)
			}
			if _, err := chip.Verify(data, again.TrustList(), now); err != nil {
				t.Fatalf("Verify after reload: %v", err)
			}
			if any, err := LoadOrCreateDocuments(dir, now); err != nil || any.Suite() != tc.s {
				t.Fatalf("LoadOrCreateDocuments of a %s authority: %v", tc.s, err)
			}
			if _, err := LoadOrCreateDocumentsFor(dir, tc.other, now); !errors.Is(err, ErrSuite) {
				t.Fatalf("a %s platform loading a %s authority: %v, want ErrSuite", tc.other, tc.s, err)
			}
			if _, err := LoadOrCreateDocumentsFor(dir, suite.Suite{}, now); err == nil {
				t.Fatal("LoadOrCreateDocumentsFor without a suite succeeded")
			}
		})
	}
}

// TestDocumentsMixedFiles: a DS of the other suite than its CA is refused,
// even one the CA did issue.
func TestDocumentsMixedFiles(t *testing.T) {
	dir := t.TempDir()
	sm, err := LoadOrCreateDocumentsFor(dir, suite.SM, now)
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := readKey(filepath.Join(dir, CAKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	dsKey, err := suite.ES256.GenerateSigningKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "P-256 DS"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     smx509.KeyUsageDigitalSignature,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, sm.CA(), dsKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := keyPEM(dsKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		DSCertFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		DSKeyFile:  keyPEM,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := LoadOrCreateDocuments(dir, now); err == nil {
		t.Fatal("an SM2 CA with a P-256 DS loaded")
	}
}
