package devauthority

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testIdentity(t testing.TB) document.Identity {
	t.Helper()
	birth, err := document.ParseDate("1990-01-02")
	if err != nil {
		t.Fatal(err)
	}
	from, err := document.ParseDate("2020-01-01")
	if err != nil {
		t.Fatal(err)
	}
	return document.Identity{
		Type:             document.ResidentIDCard,
		Number:           "11010519491231002X",
		Name:             "测试",
		Sex:              document.Female,
		Birth:            birth,
		IssuingAuthority: "测试公安局",
		ValidFrom:        from,
	}
}

func TestLoadOrCreateMintVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "authority")
	d, err := LoadOrCreateDocuments(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		perm os.FileMode
	}{{CAKeyFile, 0o600}, {DSKeyFile, 0o600}, {CACertFile, 0o644}, {DSCertFile, 0o644}} {
		fi, err := os.Stat(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != f.perm {
			t.Errorf("%s has mode %#o, want %#o", f.name, fi.Mode().Perm(), f.perm)
		}
	}
	if got := d.CA().NotAfter.Sub(now); got < 20*365*24*time.Hour {
		t.Errorf("CA valid for %v, want 20 years", got)
	}
	if got := d.Signer().Certificate.NotAfter.Sub(now); got < 10*365*24*time.Hour || got > 11*365*24*time.Hour {
		t.Errorf("DS valid for %v, want 10 years", got)
	}

	id := testIdentity(t)
	face := FaceImage(id.Name)
	data, err := d.Mint(id, face, now)
	if err != nil {
		t.Fatal(err)
	}
	v, err := chip.Verify(data, d.TrustList(), now)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if v.Identity != id || !bytes.Equal(v.FaceImage, face) {
		t.Error("verified data differs from what was minted")
	}

	// A later load, years on, gives the same authority and its documents
	// still verify against the reloaded CA.
	later := now.AddDate(5, 0, 0)
	d2, err := LoadOrCreateDocuments(dir, later)
	if err != nil {
		t.Fatal(err)
	}
	if !d2.CA().Equal(d.CA()) || !d2.Signer().Certificate.Equal(d.Signer().Certificate) {
		t.Fatal("reload gave a different authority")
	}
	if _, err := chip.Verify(data, chip.NewTrustList(d2.CA()), later); err != nil {
		t.Fatalf("Verify after reload: %v", err)
	}
	minted, err := d2.Mint(id, face, later)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chip.Verify(minted, d.TrustList(), later); err != nil {
		t.Fatalf("Verify of a document minted after reload: %v", err)
	}
}

func TestLoadOrCreateConcurrent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "authority")
	const n = 8
	results := make([]*Documents, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], errs[i] = LoadOrCreateDocuments(dir, now) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !results[i].CA().Equal(results[0].CA()) || !results[i].Signer().Certificate.Equal(results[0].Signer().Certificate) {
			t.Fatalf("caller %d got a different authority", i)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Name() {
		case CACertFile, CAKeyFile, DSCertFile, DSKeyFile, ".lock":
		default:
			t.Errorf("unexpected file %s left in the directory", e.Name())
		}
	}
}

func TestLoadFailures(t *testing.T) {
	newDir := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "authority")
		if _, err := LoadOrCreateDocuments(dir, now); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("incomplete", func(t *testing.T) {
		dir := newDir(t)
		if err := os.Remove(filepath.Join(dir, DSCertFile)); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateDocuments(dir, now); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("error = %v, want ErrIncomplete", err)
		}
	})
	t.Run("key readable by others", func(t *testing.T) {
		dir := newDir(t)
		if err := os.Chmod(filepath.Join(dir, CAKeyFile), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateDocuments(dir, now); err == nil {
			t.Fatal("loaded a world-readable key")
		}
	})
	t.Run("keys swapped", func(t *testing.T) {
		dir := newDir(t)
		ca := filepath.Join(dir, CAKeyFile)
		ds := filepath.Join(dir, DSKeyFile)
		tmp := filepath.Join(dir, "swap")
		for _, mv := range [][2]string{{ca, tmp}, {ds, ca}, {tmp, ds}} {
			if err := os.Rename(mv[0], mv[1]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := LoadOrCreateDocuments(dir, now); err == nil {
			t.Fatal("loaded mismatched keys")
		}
	})
	t.Run("DS from another authority", func(t *testing.T) {
		dir := newDir(t)
		other := newDir(t)
		for _, name := range []string{DSCertFile, DSKeyFile} {
			b, err := os.ReadFile(filepath.Join(other, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := LoadOrCreateDocuments(dir, now); err == nil {
			t.Fatal("loaded a DS not issued by the CA")
		}
	})
	t.Run("expired", func(t *testing.T) {
		dir := newDir(t)
		if _, err := LoadOrCreateDocuments(dir, now.AddDate(11, 0, 0)); err == nil {
			t.Fatal("loaded an expired DS")
		}
	})
	t.Run("garbage certificate", func(t *testing.T) {
		dir := newDir(t)
		if err := os.WriteFile(filepath.Join(dir, CACertFile), []byte("not PEM"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateDocuments(dir, now); err == nil {
			t.Fatal("loaded a garbage certificate")
		}
	})
}

func TestFaceImage(t *testing.T) {
	a := FaceImage("张三")
	if !bytes.Equal(a, FaceImage("张三")) {
		t.Error("FaceImage is not deterministic")
	}
	if bytes.Equal(a, FaceImage("李四")) {
		t.Error("different seeds gave the same image")
	}
	img, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != faceWidth || b.Dy() != faceHeight {
		t.Errorf("size %v, want %dx%d", b, faceWidth, faceHeight)
	}
	if len(a) > 16<<10 {
		t.Errorf("image is %d bytes; want a small one", len(a))
	}
}

func BenchmarkMint(b *testing.B) {
	d, err := LoadOrCreateDocuments(b.TempDir(), now)
	if err != nil {
		b.Fatal(err)
	}
	id := testIdentity(b)
	face := FaceImage("bench")
	for b.Loop() {
		if _, err := d.Mint(id, face, now); err != nil {
			b.Fatal(err)
		}
	}
}
