package keys

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateMasterKeyCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	src := bytes.Repeat([]byte{7}, MasterKeySize)
	key, err := LoadOrCreateMasterKey(path, bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, src) {
		t.Fatalf("key = %x, want the bytes read from rand", key)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if want := base64.StdEncoding.EncodeToString(src) + "\n"; string(data) != want {
		t.Errorf("file = %q, want %q", data, want)
	}
	// Loading again returns the same key and reads no randomness.
	again, err := LoadOrCreateMasterKey(path, failingReader{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, key) {
		t.Error("second load returned a different key")
	}
	// No temporary file is left behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want 1", len(entries))
	}
}

func TestLoadOrCreateMasterKeyRefuses(t *testing.T) {
	valid := base64.StdEncoding.EncodeToString(make([]byte, 32))
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    error
	}{
		{"short", base64.StdEncoding.EncodeToString(make([]byte, 16)), 0o600, ErrMasterKeyInvalid},
		{"long", base64.StdEncoding.EncodeToString(make([]byte, 33)), 0o600, ErrMasterKeyInvalid},
		{"empty", "", 0o600, ErrMasterKeyInvalid},
		{"not base64", strings.Repeat("!", 44), 0o600, ErrMasterKeyInvalid},
		{"url base64", strings.Repeat("_", 43) + "=", 0o600, ErrMasterKeyInvalid},
		{"huge", strings.Repeat("A", 4096), 0o600, ErrMasterKeyInvalid},
		{"world readable", valid, 0o604, ErrMasterKeyPermissions},
		{"group readable", valid, 0o640, ErrMasterKeyPermissions},
		{"group writable", valid, 0o620, ErrMasterKeyPermissions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == ErrMasterKeyPermissions && runtime.GOOS == "windows" {
				t.Skip("no Unix permissions")
			}
			path := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadOrCreateMasterKey(path, rand.Reader)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want == ErrMasterKeyPermissions && !strings.Contains(err.Error(), "chmod 600 "+path) {
				t.Errorf("error %q does not tell the operator to chmod 600", err)
			}
			if tt.content != "" && strings.Contains(err.Error(), tt.content) {
				t.Errorf("error quotes the file contents: %q", err)
			}
			// The file is never replaced.
			if data, _ := os.ReadFile(path); string(data) != tt.content {
				t.Error("file was modified")
			}
		})
	}
}

func TestLoadOrCreateMasterKeyErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreateMasterKey(filepath.Join(dir, "master.key"), failingReader{}); !errors.Is(err, errRand) {
		t.Errorf("failing rand: err = %v, want %v", err, errRand)
	}
	if _, err := LoadOrCreateMasterKey(filepath.Join(dir, "missing", "master.key"), rand.Reader); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing directory: err = %v, want %v", err, os.ErrNotExist)
	}
	if _, err := LoadOrCreateMasterKey(dir, rand.Reader); !errors.Is(err, ErrMasterKeyInvalid) {
		t.Errorf("directory: err = %v, want %v", err, ErrMasterKeyInvalid)
	}
}

func TestLoadOrCreateMasterKeyConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	const n = 16
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadOrCreateMasterKey(path, rand.Reader) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("caller %d got a different key", i)
		}
	}
	onDisk, err := LoadOrCreateMasterKey(path, failingReader{})
	if err != nil || !bytes.Equal(onDisk, keys[0]) {
		t.Fatalf("key on disk differs from the callers' key (err %v)", err)
	}
}

func TestDerive(t *testing.T) {
	// RFC 5869 test case 3 (no salt, no info), first 32 bytes.
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	want, _ := hex.DecodeString("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d")
	if got := Derive(ikm, ""); !bytes.Equal(got, want) {
		t.Errorf("RFC 5869 case 3: got %x, want %x", got, want)
	}

	master := bytes.Repeat([]byte{1}, 32)
	for _, purpose := range []string{PurposeSealing, PurposeIndex, "x"} {
		std, err := hkdf.Key(sha256.New, master, nil, purpose, 32)
		if err != nil {
			t.Fatal(err)
		}
		if got := Derive(master, purpose); !bytes.Equal(got, std) {
			t.Errorf("Derive(%q) disagrees with crypto/hkdf", purpose)
		}
	}
	a, b := Derive(master, PurposeSealing), Derive(master, PurposeIndex)
	if len(a) != 32 || bytes.Equal(a, b) {
		t.Error("distinct purposes gave equal keys")
	}
	if !bytes.Equal(a, Derive(master, PurposeSealing)) {
		t.Error("Derive is not deterministic")
	}
	other := bytes.Repeat([]byte{2}, 32)
	if bytes.Equal(a, Derive(other, PurposeSealing)) {
		t.Error("distinct masters gave equal keys")
	}
}

func TestDeriveEmptyMasterPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	Derive(nil, PurposeIndex)
}

func FuzzParseMasterKey(f *testing.F) {
	f.Add([]byte(base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n"))
	f.Add([]byte(""))
	f.Add([]byte("AAAA"))
	f.Add([]byte(" \n" + strings.Repeat("/", 43) + "=\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := parseMasterKey(data)
		if err != nil {
			if !errors.Is(err, ErrMasterKeyInvalid) {
				t.Fatalf("err = %v, want ErrMasterKeyInvalid", err)
			}
			return
		}
		again, err := parseMasterKey(encodeMasterKey(key))
		if err != nil || !bytes.Equal(again, key) {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}

var errRand = errors.New("rand failed")

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errRand }

var _ io.Reader = failingReader{}

// LoadMasterKey reads the key LoadOrCreateMasterKey made and creates
// nothing when the file is missing.
func TestLoadMasterKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")
	if _, err := LoadMasterKey(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: err = %v, want %v", err, os.ErrNotExist)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadMasterKey created %s", path)
	}
	made, err := LoadOrCreateMasterKey(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadMasterKey(path)
	if err != nil || !bytes.Equal(got, made) {
		t.Fatalf("LoadMasterKey = %x, %v; want the created key", got, err)
	}
	if runtime.GOOS != "windows" {
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadMasterKey(path); !errors.Is(err, ErrMasterKeyPermissions) {
			t.Fatalf("readable by others: err = %v, want %v", err, ErrMasterKeyPermissions)
		}
	}
}
