package pagetest

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/browsertest"
)

// QRVideo writes the QR code of a PNG data: URI (as the platform gives it
// with a verification session) into a video for FakeCamera: a camera's
// 640×480 picture of the code with room around it, as an uncompressed
// YUV4MPEG2 file (the format Chromium's fake camera plays). It returns
// the file's path.
func QRVideo(t testing.TB, dataURI string) string {
	t.Helper()
	b64, ok := strings.CutPrefix(dataURI, "data:image/png;base64,")
	if !ok {
		t.Fatalf("not a PNG data: URI: %.40q", dataURI)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	src, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	frame := image.NewRGBA(image.Rect(0, 0, 640, 480))
	draw.Draw(frame, frame.Bounds(), image.White, image.Point{}, draw.Src)
	off := image.Pt((640-src.Bounds().Dx())/2, (480-src.Bounds().Dy())/2)
	draw.Draw(frame, src.Bounds().Add(off), src, src.Bounds().Min, draw.Src)
	path := filepath.Join(t.TempDir(), "qr.y4m")
	WriteVideo(t, path, frame)
	return path
}

// WriteVideo writes img as the fake camera's video at path, replacing what
// was there: Chromium opens the file each time a page starts the camera,
// so a test can change what the camera sees between two uses.
func WriteVideo(t testing.TB, path string, img image.Image) {
	t.Helper()
	if err := os.WriteFile(path, browsertest.Y4M(img), 0o600); err != nil {
		t.Fatal(err)
	}
}
