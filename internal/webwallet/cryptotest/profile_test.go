package cryptotest

import (
	"bytes"
	"crypto/ecdh"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/jws"
)

// pkcs8P256 is how every PKCS#8 encoding of a P-256 private key with its
// public key starts (RFC 5208, RFC 5915): the 32 bytes after it are the
// private scalar.
var pkcs8P256 = []byte{
	0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x6d, 0x30, 0x6b, 0x02, 0x01, 0x01, 0x04, 0x20,
}

// TestStolenProfileRevealsDeviceKey shows what docs/threat-model.md says
// of a copied browser profile: "extractable: false" only keeps scripts
// from exporting the key; Chromium writes the key itself into the
// profile's IndexedDB files, unencrypted, so whoever copies the profile
// folder has the private key.
func TestStolenProfileRevealsDeviceKey(t *testing.T) {
	e := newEnv(t)
	p := openPage(t, e)
	pub := run[map[string]string](p, `return await wc.publicJwk(await wc.createKey("device"));`, nil)
	p.stop()

	found := false
	err := filepath.WalkDir(filepath.Join(p.profile, "Default", "IndexedDB"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i := bytes.Index(b, pkcs8P256); i >= 0 && !found; {
			start := i + len(pkcs8P256)
			if start+32 <= len(b) {
				k, err := ecdh.P256().NewPrivateKey(b[start : start+32])
				if err == nil {
					x := k.PublicKey().Bytes()[1:33]
					found = b64(x) == pub["x"]
				}
			}
			next := bytes.Index(b[i+1:], pkcs8P256)
			if next < 0 {
				break
			}
			i += 1 + next
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		var names []string
		_ = filepath.WalkDir(p.profile, func(path string, d fs.DirEntry, _ error) error {
			if strings.Contains(path, "IndexedDB") {
				names = append(names, strings.TrimPrefix(path, p.profile))
			}
			return nil
		})
		t.Fatalf("the device key's private scalar is not in the profile's IndexedDB files %v", names)
	}
}

func b64(b []byte) string { return jws.B64.EncodeToString(b) }
