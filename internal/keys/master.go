package keys

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/crypto/hkdf"
)

// MasterKeySize is the length of the master key and of every derived key.
const MasterKeySize = 32

// Purposes for Derive. Each use of a derived key has its own purpose string;
// keep new ones here so they stay distinct.
const (
	// PurposeSealing derives the KEK of the Sealer for personal data.
	PurposeSealing = "netid/v1/sealing-kek"
	// PurposeIndex derives the key of the Indexer (blind indexes and MACs of
	// bearer secrets).
	PurposeIndex = "netid/v1/blind-index"
)

// maxMasterKeyFile bounds how much of the master key file is read; a valid
// file is 45 bytes (44 of base64 and a newline).
const maxMasterKeyFile = 1024

// LoadOrCreateMasterKey returns the master key stored in the file at path,
// creating the file with 32 bytes from rand if it does not exist.
//
// The file holds the key in standard base64 followed by a newline and is
// created with mode 0600: the key is first written to a temporary file in the
// same directory, which is then hard-linked to path; linking fails if path
// already exists, so two racing callers (two processes starting at once) end
// with the same key and nobody ever reads a half-written file. The directory
// must exist.
//
// An existing file that is not 32 bytes in base64 is refused with
// ErrMasterKeyInvalid, one that its group or others may access (on systems
// with Unix permissions) with ErrMasterKeyPermissions; the file is never
// replaced.
func LoadOrCreateMasterKey(path string, rand io.Reader) ([]byte, error) {
	key, err := readMasterKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, MasterKeySize)
	if _, err := io.ReadFull(rand, key); err != nil {
		return nil, fmt.Errorf("keys: generate master key: %w", err)
	}
	if err := createMasterKeyFile(path, key); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another caller created the file first: use its key.
			return readMasterKey(path)
		}
		return nil, err
	}
	return key, nil
}

// LoadMasterKey returns the master key stored in the file at path, which
// must exist: a missing file is an error wrapping fs.ErrNotExist, and
// nothing is created. The file is checked as LoadOrCreateMasterKey checks
// it. Tools that work on an existing data directory use it, so a mistyped
// path cannot bring a new key into being.
func LoadMasterKey(path string) ([]byte, error) { return readMasterKey(path) }

func readMasterKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keys: open master key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keys: stat master key file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrMasterKeyInvalid, path)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o; run chmod 600 %s",
			ErrMasterKeyPermissions, path, info.Mode().Perm(), path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxMasterKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("keys: read master key file: %w", err)
	}
	key, err := parseMasterKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return key, nil
}

// parseMasterKey decodes the contents of a master key file. Its errors never
// quote the contents.
func parseMasterKey(data []byte) ([]byte, error) {
	if len(data) > maxMasterKeyFile {
		return nil, fmt.Errorf("%w: file too long", ErrMasterKeyInvalid)
	}
	text := bytes.TrimSpace(data)
	key := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Strict().Decode(key, text)
	if err != nil {
		return nil, fmt.Errorf("%w: not standard base64", ErrMasterKeyInvalid)
	}
	if n != MasterKeySize {
		return nil, fmt.Errorf("%w: key is %d bytes, want %d", ErrMasterKeyInvalid, n, MasterKeySize)
	}
	return key[:n], nil
}

// encodeMasterKey is the file format of a master key.
func encodeMasterKey(key []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(key) + "\n")
}

// createMasterKeyFile writes key to a new file at path, failing with an
// error wrapping fs.ErrExist if path exists.
func createMasterKeyFile(path string, key []byte) (err error) {
	dir := filepath.Dir(path)
	// os.CreateTemp opens with O_CREATE|O_EXCL and mode 0600.
	tmp, err := os.CreateTemp(dir, ".netid-master-key-*")
	if err != nil {
		return fmt.Errorf("keys: create master key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer func() {
		if cerr := tmp.Close(); cerr != nil && err == nil && !errors.Is(cerr, os.ErrClosed) {
			err = fmt.Errorf("keys: write master key file: %w", cerr)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("keys: create master key file: %w", err)
	}
	if _, err := tmp.Write(encodeMasterKey(key)); err != nil {
		return fmt.Errorf("keys: write master key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("keys: write master key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keys: write master key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("keys: create master key file: %w", err)
	}
	// Make the new directory entry durable; failure here is not fatal on
	// file systems that cannot sync directories.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// Derive returns the 32-byte key for purpose derived from master with
// HKDF-SHA256 (RFC 5869, no salt, purpose as info). Distinct purposes give
// independent keys. It panics if master is empty, which is a programming
// error.
func Derive(master []byte, purpose string) []byte {
	if len(master) == 0 {
		panic("keys: Derive with an empty master key")
	}
	out := make([]byte, MasterKeySize)
	if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte(purpose)), out); err != nil {
		// HKDF-SHA256 yields up to 255*32 bytes; 32 cannot fail.
		panic("keys: HKDF: " + err.Error())
	}
	return out
}
