package qr

import (
	"bytes"
	"errors"
	"image/png"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// denseInputs exceed MaxData; they are decoded after every Dense rendering.
var denseInputs = []struct {
	name, data string
}{
	// The shape of an offline eID payload: a prefix and base64url with the
	// SD-JWT separators.
	{"offline eID", "NETIDEID1SD." + strings.Repeat("eyJhbGciOiJFUzI1NiIsInR5cCI6ImRjK3NkLWp3dCJ9.", 40) + "~WyJhYmMiLCJhZ2Vfb3Zlcl8xOCIsdHJ1ZV0~"},
	{"just over MaxData", strings.Repeat("x", MaxData+1)},
	{"max", strings.Repeat("abcdefghij", MaxDenseData/10) + "abc"},
	{"short", "netid"},
}

func TestDenseDecodes(t *testing.T) {
	if len(denseInputs[2].data) != MaxDenseData {
		t.Fatalf("the max input is %d bytes", len(denseInputs[2].data))
	}
	for _, tc := range denseInputs {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Dense.PNG(tc.data, 2)
			if err != nil {
				t.Fatalf("PNG: %v", err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			res := decode(t, img)
			if got := res.GetText(); got != tc.data {
				t.Fatalf("decoded %d bytes, want %d", len(got), len(tc.data))
			}
			if lvl := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL]; lvl != "L" {
				t.Errorf("error correction level %v, want L", lvl)
			}
			if n := img.Bounds().Dx() / 2; n > 177+2*QuietZone {
				t.Errorf("symbol of %d modules", n)
			}

			s, err := Dense.Terminal(tc.data)
			if err != nil {
				t.Fatalf("Terminal: %v", err)
			}
			m := terminalModules(t, s)
			m = m[:len(m)-1] // the light padding row
			assertQuietZone(t, m)
			if got := decode(t, modulesImage(m, 2)).GetText(); got != tc.data {
				t.Fatalf("Terminal decoded %d bytes, want %d", len(got), len(tc.data))
			}
			a, err := Dense.TerminalASCII(tc.data)
			if err != nil || strings.Count(a, "\n") != len(m) {
				t.Fatalf("TerminalASCII: %v, %d lines, want %d", err, strings.Count(a, "\n"), len(m))
			}
			uri, err := Dense.DataURI(tc.data, 2)
			if err != nil || !strings.HasPrefix(uri, "data:image/png;base64,") {
				t.Fatalf("DataURI: %v", err)
			}
		})
	}
}

func TestDenseLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Renderer
		data string
		want error
	}{
		{"Standard refuses MaxData+1", Standard, strings.Repeat("x", MaxData+1), ErrTooLong},
		{"Dense takes MaxDenseData", Dense, strings.Repeat("x", MaxDenseData), nil},
		{"Dense refuses MaxDenseData+1", Dense, strings.Repeat("x", MaxDenseData+1), ErrTooLong},
		{"Dense refuses empty", Dense, "", ErrEmpty},
		{"the zero Renderer is Standard", Renderer{}, strings.Repeat("x", MaxData+1), ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.r.PNG(tc.data, 1)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// The package-level functions are Standard's.
	a, err := PNG("netid", 3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Standard.PNG("netid", 3)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("PNG and Standard.PNG differ (%v)", err)
	}
}

func BenchmarkDensePNG(b *testing.B) {
	data := denseInputs[0].data
	for b.Loop() {
		if _, err := Dense.PNG(data, 4); err != nil {
			b.Fatal(err)
		}
	}
}
