package devauthority

import (
	"crypto"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/suite"
)

// File names in the authority's directory.
// Keys are P-256 or SM2 (PKCS #8 with id-ecPublicKey and the curve
// 1.2.156.10197.1.301, as gmsm's smx509 writes them).
const (
	CACertFile = "ca.pem" // CSCA certificate (PEM)
	CAKeyFile  = "ca.key" // CSCA private key (PKCS #8 PEM, mode 0600)
	DSCertFile = "ds.pem" // DS certificate (PEM)
	DSKeyFile  = "ds.key" // DS private key (PKCS #8 PEM, mode 0600)
)

// Lifetimes of the certificates created on first use.
const (
	caYears = 20
	dsYears = 10
	// backdate tolerates clocks slightly behind the one that created the
	// authority.
	backdate = time.Hour
)

// ErrIncomplete is returned when the directory holds some but not all of the
// authority's files (a creation was interrupted): remove them and retry.
var ErrIncomplete = errors.New("devauthority: incomplete development authority")

// ErrSuite is returned by LoadOrCreateDocumentsFor when the directory holds
// an authority whose keys are of the other crypto suite: remove the
// directory to create one of the platform's suite.
var ErrSuite = errors.New("devauthority: development document authority of another crypto suite")

// Documents is a development document authority: a CSCA and a DS it issued.
type Documents struct {
	ca     *smx509.Certificate
	signer chip.Signer
}

// LoadOrCreateDocuments loads the authority from dir (ca.pem, ca.key, ds.pem,
// ds.key; keys must not be readable by group or others), whatever its
// suite, creating the directory (0700) and the files on first use: a P-256
// CA valid for 20 years and a P-256 DS valid for 10 years from now.
// Concurrent calls on the same dir, from goroutines or processes, are
// serialised by a lock file (on Unix) and all return the same authority;
// files are published by hard-linking complete temporary files, so no
// reader ever sees a partly written file and no file is ever replaced.
func LoadOrCreateDocuments(dir string, now time.Time) (*Documents, error) {
	return loadOrCreate(dir, suite.Suite{}, now)
}

// LoadOrCreateDocumentsFor is LoadOrCreateDocuments for a platform of the
// crypto suite s: it creates a CA and DS with keys of s (SM2, signing
// SM2-with-SM3 over SM3 digests, on suite.SM; P-256 on suite.ES256), and
// refuses with ErrSuite an authority in dir whose keys are not of s.
func LoadOrCreateDocumentsFor(dir string, s suite.Suite, now time.Time) (*Documents, error) {
	if !s.Valid() {
		return nil, errors.New("devauthority: no crypto suite")
	}
	return loadOrCreate(dir, s, now)
}

// loadOrCreate is LoadOrCreateDocumentsFor, or LoadOrCreateDocuments for
// the zero s.
func loadOrCreate(dir string, s suite.Suite, now time.Time) (*Documents, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("devauthority: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("devauthority: locking %s: %w", dir, err)
	}
	defer unlock()

	present := 0
	for _, name := range []string{CACertFile, CAKeyFile, DSCertFile, DSKeyFile} {
		_, err := os.Stat(filepath.Join(dir, name))
		switch {
		case err == nil:
			present++
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("devauthority: %w", err)
		}
	}
	switch present {
	case 0:
		if !s.Valid() {
			s = suite.ES256
		}
		return create(dir, s, now)
	case 4:
		d, err := load(dir, now)
		if err != nil {
			return nil, err
		}
		if s.Valid() && d.Suite() != s {
			return nil, fmt.Errorf("%w: %s holds a %s authority, the platform's suite is %s; remove the directory to create a new authority",
				ErrSuite, dir, d.Suite(), s)
		}
		return d, nil
	}
	return nil, fmt.Errorf("%w: %s holds %d of its 4 files; remove them to start afresh", ErrIncomplete, dir, present)
}

// create makes a new authority with keys of s and writes it to dir.
func create(dir string, s suite.Suite, now time.Time) (*Documents, error) {
	ca, caKey, err := chip.NewCAFor(s, "netid development CSCA", now.Add(-backdate), now.AddDate(caYears, 0, 0))
	if err != nil {
		return nil, fmt.Errorf("devauthority: %w", err)
	}
	ds, err := chip.NewDocumentSigner(ca, caKey, "netid development document signer", now.Add(-backdate), now.AddDate(dsYears, 0, 0))
	if err != nil {
		return nil, fmt.Errorf("devauthority: %w", err)
	}
	caKeyPEM, err := keyPEM(caKey)
	if err != nil {
		return nil, err
	}
	dsKeyPEM, err := keyPEM(ds.Key)
	if err != nil {
		return nil, err
	}
	// Keys first and ds.pem last, so an interrupted creation is detected as
	// incomplete.
	for _, f := range []struct {
		name string
		data []byte
		perm fs.FileMode
	}{
		{CAKeyFile, caKeyPEM, 0o600},
		{CACertFile, certPEM(ca), 0o644},
		{DSKeyFile, dsKeyPEM, 0o600},
		{DSCertFile, certPEM(ds.Certificate), 0o644},
	} {
		if err := publish(dir, f.name, f.data, f.perm); err != nil {
			return nil, err
		}
	}
	return &Documents{ca: ca, signer: ds}, nil
}

// publish writes data to dir/name without ever exposing a partial file or
// replacing an existing one: it writes a temporary file and hard-links it
// into place.
func publish(dir, name string, data []byte, perm fs.FileMode) error {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("devauthority: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("devauthority: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("devauthority: writing %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("devauthority: writing %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("devauthority: writing %s: %w", name, err)
	}
	if err := os.Link(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("devauthority: publishing %s: %w", name, err)
	}
	return nil
}

// load reads and checks the authority in dir.
func load(dir string, now time.Time) (*Documents, error) {
	ca, err := readCert(filepath.Join(dir, CACertFile))
	if err != nil {
		return nil, err
	}
	caKey, err := readKey(filepath.Join(dir, CAKeyFile))
	if err != nil {
		return nil, err
	}
	ds, err := readCert(filepath.Join(dir, DSCertFile))
	if err != nil {
		return nil, err
	}
	dsKey, err := readKey(filepath.Join(dir, DSKeyFile))
	if err != nil {
		return nil, err
	}
	if !ca.IsCA || !matches(caKey, ca) {
		return nil, fmt.Errorf("devauthority: %s is not a CA certificate for %s", CACertFile, CAKeyFile)
	}
	if sm2.IsSM2PublicKey(ca.PublicKey) != sm2.IsSM2PublicKey(ds.PublicKey) {
		return nil, fmt.Errorf("devauthority: %s and %s are of different suites", CACertFile, DSCertFile)
	}
	if !matches(dsKey, ds) {
		return nil, fmt.Errorf("devauthority: %s does not match %s", DSKeyFile, DSCertFile)
	}
	if err := ds.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("devauthority: %s was not issued by %s: %w", DSCertFile, CACertFile, err)
	}
	for _, c := range []struct {
		name string
		cert *smx509.Certificate
	}{{CACertFile, ca}, {DSCertFile, ds}} {
		if now.Before(c.cert.NotBefore) || now.After(c.cert.NotAfter) {
			return nil, fmt.Errorf("devauthority: %s in %s is not valid now (valid %s to %s); remove the directory to create a new authority",
				c.name, dir, c.cert.NotBefore.Format(time.DateOnly), c.cert.NotAfter.Format(time.DateOnly))
		}
	}
	return &Documents{ca: ca, signer: chip.Signer{Certificate: ds, Key: dsKey}}, nil
}

// matches reports whether key is the private key of cert.
func matches(key crypto.Signer, cert *smx509.Certificate) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}

func certPEM(c *smx509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func keyPEM(k crypto.Signer) ([]byte, error) {
	der, err := smx509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("devauthority: encoding key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// readPEM reads the single PEM block of type typ in path.
func readPEM(path, typ string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("devauthority: %w", err)
	}
	block, rest := pem.Decode(b)
	if block == nil || block.Type != typ {
		return nil, fmt.Errorf("devauthority: %s: no PEM %s block", path, typ)
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, fmt.Errorf("devauthority: %s: more than one PEM block", path)
	}
	return block.Bytes, nil
}

func readCert(path string) (*smx509.Certificate, error) {
	der, err := readPEM(path, "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("devauthority: %s: %w", path, err)
	}
	return c, nil
}

func readKey(path string) (crypto.Signer, error) {
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("devauthority: %w", err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			return nil, fmt.Errorf("devauthority: %s has mode %#o; a private key must be 0600", path, perm)
		}
	}
	der, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("devauthority: %s: %w", path, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("devauthority: %s: key type %T cannot sign", path, k)
	}
	return s, nil
}

// CA returns the authority's CA certificate, for the development trust list.
func (d *Documents) CA() *smx509.Certificate { return d.ca }

// Suite is the crypto suite of the authority's keys: suite.SM for SM2 keys,
// suite.ES256 for P-256 ones.
func (d *Documents) Suite() suite.Suite {
	if sm2.IsSM2PublicKey(d.ca.PublicKey) {
		return suite.SM
	}
	return suite.ES256
}

// TrustList returns a trust list holding only the authority's CA.
func (d *Documents) TrustList() *chip.TrustList { return chip.NewTrustList(d.ca) }

// Signer returns the authority's document signer.
func (d *Documents) Signer() chip.Signer { return d.signer }

// Mint writes chip data for id with the face image face, signed at now by
// the authority's DS. See [chip.Signer.Sign] for what it refuses.
func (d *Documents) Mint(id document.Identity, face []byte, now time.Time) (chip.Data, error) {
	data, err := d.signer.Sign(id, face, now)
	if err != nil {
		return chip.Data{}, fmt.Errorf("devauthority: minting document: %w", err)
	}
	return data, nil
}
