package platform

import (
	"crypto"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/emmansun/gmsm/smx509"

	"github.com/netid-project/netid/internal/suite"
)

// loadOrCreateKey loads a key of the crypto suite st (P-256 or SM2) from a
// PEM (PKCS #8) file, creating it on first use; two racing callers end
// with the same key. It returns the key and its kid (RFC 7638 thumbprint
// under the suite's hash). A key of the other suite is refused.
func loadOrCreateKey(path string, st suite.Suite) (crypto.Signer, string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err := st.GenerateSigningKey(rand.Reader)
		if err != nil {
			return nil, "", err
		}
		der, err := smx509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, "", err
		}
		tmp, err := os.CreateTemp(filepath.Dir(path), ".key-*")
		if err != nil {
			return nil, "", err
		}
		defer os.Remove(tmp.Name())
		if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
			tmp.Close()
			return nil, "", err
		}
		if err := tmp.Close(); err != nil {
			return nil, "", err
		}
		// Link fails if another process created the key first; then use theirs.
		if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, "", err
		}
		return loadOrCreateKey(path, st)
	}
	if err != nil {
		return nil, "", err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, "", fmt.Errorf("%s: not a PEM private key", path)
	}
	k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return nil, "", fmt.Errorf("%s: not a signing key", path)
	}
	pub, err := st.CheckPublicKey(key.Public())
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	kid, err := st.KeyID(pub)
	if err != nil {
		return nil, "", err
	}
	return key, kid, nil
}
