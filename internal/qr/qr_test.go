package qr

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
)

// inputs are decoded after every rendering; together they take each
// encoding mode and sizes from the smallest symbol to MaxData bytes.
var inputs = []struct {
	name, data string
}{
	{"numeric", "0123456789012345"},
	{"alphanumeric", "HTTPS://NETID.EXAMPLE/W/ABC-123"},
	{"session code", "k3J9_xQ2-pZ7vB1mN8cR4tY6"},
	{"netid link", "netid://verify?platform=https%3A%2F%2Fnetid.example&code=k3J9_xQ2-pZ7vB1mN8cR4tY6"},
	{"utf-8", "网号 网证 netid"},
	{"shift-jis ideographs", "日本国"},
	{"one byte", "a"},
	{"max", strings.Repeat("abcdefghij", MaxData/10)},
}

// decode reads one QR code from img with gozxing's full detector (no
// pure-barcode shortcut), so a missing quiet zone or a wrong module would
// make it fail.
func decode(t *testing.T, img image.Image) *gozxing.Result {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("bitmap: %v", err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
	})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res
}

// modulesImage draws a module grid (true is dark) at px pixels per module.
func modulesImage(m [][]bool, px int) image.Image {
	h := len(m)
	w := 0
	for _, row := range m {
		w = max(w, len(row))
	}
	img := image.NewGray(image.Rect(0, 0, w*px, h*px))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, row := range m {
		for x, dark := range row {
			if !dark {
				continue
			}
			for py := y * px; py < (y+1)*px; py++ {
				for qx := x * px; qx < (x+1)*px; qx++ {
					img.SetGray(qx, py, color.Gray{})
				}
			}
		}
	}
	return img
}

// assertQuietZone checks that the QuietZone outermost modules on every side
// are light and that the symbol starts right after them (the top-left
// finder pattern's corner is dark).
func assertQuietZone(t *testing.T, m [][]bool) {
	t.Helper()
	n := len(m)
	for y, row := range m {
		if len(row) != n {
			t.Fatalf("row %d has %d modules, want %d", y, len(row), n)
		}
		for x, dark := range row {
			const q = 4 // the quiet zone ISO/IEC 18004 asks for
			inZone := x < q || y < q || x >= n-q || y >= n-q
			if inZone && dark {
				t.Fatalf("module (%d,%d) in the quiet zone is dark", x, y)
			}
		}
	}
	if !m[4][4] || !m[4][n-5] || !m[n-5][4] {
		t.Fatalf("finder pattern corners are not at the quiet zone's edge")
	}
	if (n-8-17)%4 != 0 {
		t.Fatalf("symbol side %d is not a QR version's", n-8)
	}
}

func TestPNGDecodes(t *testing.T) {
	for _, tc := range inputs {
		t.Run(tc.name, func(t *testing.T) {
			const scale = 4
			b, err := PNG(tc.data, scale)
			if err != nil {
				t.Fatalf("PNG: %v", err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("png.Decode: %v", err)
			}
			res := decode(t, img)
			if got := res.GetText(); got != tc.data {
				t.Fatalf("decoded %q, want %q", got, tc.data)
			}
			if lvl := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL]; lvl != "M" {
				t.Errorf("error correction level %v, want M", lvl)
			}

			// Back to modules: every scale×scale square is one colour.
			side := img.Bounds().Dx()
			if side != img.Bounds().Dy() || side%scale != 0 {
				t.Fatalf("image is %v, want a square of whole modules", img.Bounds())
			}
			n := side / scale
			m := make([][]bool, n)
			for y := range m {
				m[y] = make([]bool, n)
				for x := range m[y] {
					dark := isDark(img.At(x*scale, y*scale))
					for py := y * scale; py < (y+1)*scale; py++ {
						for px := x * scale; px < (x+1)*scale; px++ {
							if isDark(img.At(px, py)) != dark {
								t.Fatalf("module (%d,%d) is not one colour", x, y)
							}
						}
					}
					m[y][x] = dark
				}
			}
			assertQuietZone(t, m)
		})
	}
}

func isDark(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y < 0x80
}

func TestPNGScale(t *testing.T) {
	ref, err := Standard.encode("netid")
	if err != nil {
		t.Fatal(err)
	}
	for _, scale := range []int{1, 2, 7, MaxScale} {
		b, err := PNG("netid", scale)
		if err != nil {
			t.Fatalf("scale %d: %v", scale, err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("scale %d: %v", scale, err)
		}
		if want := len(ref) * scale; cfg.Width != want || cfg.Height != want {
			t.Errorf("scale %d: %dx%d, want %dx%d", scale, cfg.Width, cfg.Height, want, want)
		}
	}
}

func TestDataURI(t *testing.T) {
	const data = "netid://verify?platform=https%3A%2F%2Fnetid.example&code=abcdefghijklmnop"
	uri, err := DataURI(data, 3)
	if err != nil {
		t.Fatalf("DataURI: %v", err)
	}
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(uri, prefix) {
		t.Fatalf("DataURI = %.40q…, want prefix %q", uri, prefix)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(uri, prefix))
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	want, err := PNG(data, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("DataURI payload differs from PNG")
	}
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// terminalModules converts Terminal output back into modules: each
// character is one column and two module rows.
func terminalModules(t *testing.T, s string) [][]bool {
	t.Helper()
	if !strings.HasSuffix(s, "\n") {
		t.Fatalf("output does not end in a newline")
	}
	var m [][]bool
	for i, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if !strings.HasPrefix(line, sgrDarkOnLight) || !strings.HasSuffix(line, sgrReset) {
			t.Fatalf("line %d is not wrapped in black-on-white and reset", i)
		}
		plain := sgr.ReplaceAllString(line, "")
		top, bottom := []bool{}, []bool{}
		for _, r := range plain {
			var tp, bt bool
			switch r {
			case ' ':
			case '▀':
				tp = true
			case '▄':
				bt = true
			case '█':
				tp, bt = true, true
			default:
				t.Fatalf("line %d: unexpected rune %q", i, r)
			}
			top, bottom = append(top, tp), append(bottom, bt)
		}
		m = append(m, top, bottom)
	}
	return m
}

func TestTerminalDecodes(t *testing.T) {
	for _, tc := range inputs {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Terminal(tc.data)
			if err != nil {
				t.Fatalf("Terminal: %v", err)
			}
			m := terminalModules(t, s)
			ref, err := Standard.encode(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			// The symbol's side is odd, so the last text row carries one
			// module row and a light padding row.
			if len(m) != len(ref)+1 {
				t.Fatalf("%d module rows, want %d", len(m), len(ref)+1)
			}
			for x, dark := range m[len(m)-1] {
				if dark {
					t.Fatalf("padding row is dark at column %d", x)
				}
			}
			m = m[:len(m)-1]
			assertQuietZone(t, m)
			if got := decode(t, modulesImage(m, 4)).GetText(); got != tc.data {
				t.Fatalf("decoded %q, want %q", got, tc.data)
			}
		})
	}
}

func TestTerminalASCIIDecodes(t *testing.T) {
	for _, tc := range inputs {
		t.Run(tc.name, func(t *testing.T) {
			s, err := TerminalASCII(tc.data)
			if err != nil {
				t.Fatalf("TerminalASCII: %v", err)
			}
			if !strings.HasSuffix(s, "\n") {
				t.Fatalf("output does not end in a newline")
			}
			var m [][]bool
			for i, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
				if len(line)%2 != 0 {
					t.Fatalf("line %d has odd length %d", i, len(line))
				}
				row := make([]bool, len(line)/2)
				for x := range row {
					switch line[2*x : 2*x+2] {
					case "##":
						row[x] = true
					case "  ":
					default:
						t.Fatalf("line %d column %d: unexpected %q", i, x, line[2*x:2*x+2])
					}
				}
				m = append(m, row)
			}
			assertQuietZone(t, m)
			if got := decode(t, modulesImage(m, 4)).GetText(); got != tc.data {
				t.Fatalf("decoded %q, want %q", got, tc.data)
			}
		})
	}
}

// TestByteModeNotKanji checks that ideographs that Shift JIS can hold go
// out as UTF-8 bytes, not in Kanji mode (gozxing reports byte segments only
// for byte mode).
func TestByteModeNotKanji(t *testing.T) {
	b, err := PNG("日本国", 4)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res := decode(t, img)
	segs, ok := res.GetResultMetadata()[gozxing.ResultMetadataType_BYTE_SEGMENTS].([][]byte)
	if !ok || len(segs) != 1 || string(segs[0]) != "日本国" {
		t.Fatalf("byte segments %q, want the UTF-8 bytes", segs)
	}
}

func TestErrors(t *testing.T) {
	long := strings.Repeat("x", MaxData+1)
	renderers := map[string]func(string) error{
		"PNG":           func(d string) error { _, err := PNG(d, 4); return err },
		"DataURI":       func(d string) error { _, err := DataURI(d, 4); return err },
		"Terminal":      func(d string) error { _, err := Terminal(d); return err },
		"TerminalASCII": func(d string) error { _, err := TerminalASCII(d); return err },
	}
	for name, render := range renderers {
		for _, tc := range []struct {
			name, data string
			want       error
		}{
			{"empty", "", ErrEmpty},
			{"one byte too long", long, ErrTooLong},
			{"much too long", strings.Repeat("x", 100_000), ErrTooLong},
			{"max multi-byte", strings.Repeat("网", MaxData/3), nil},
			{"multi-byte too long", strings.Repeat("网", MaxData/3+1), ErrTooLong},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				err := render(tc.data)
				if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				if err != nil && strings.Contains(err.Error(), "xxx") {
					t.Fatalf("error quotes the input: %v", err)
				}
			})
		}
	}
	for _, scale := range []int{-1, 0, MaxScale + 1, 1 << 20} {
		if _, err := PNG("netid", scale); !errors.Is(err, ErrScale) {
			t.Errorf("PNG scale %d: err = %v, want ErrScale", scale, err)
		}
		if _, err := DataURI("netid", scale); !errors.Is(err, ErrScale) {
			t.Errorf("DataURI scale %d: err = %v, want ErrScale", scale, err)
		}
	}
}

func BenchmarkPNG(b *testing.B) {
	const data = "netid://verify?platform=https%3A%2F%2Fnetid.example&code=k3J9_xQ2-pZ7vB1mN8cR4tY6"
	for b.Loop() {
		if _, err := PNG(data, 8); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTerminal(b *testing.B) {
	const data = "netid://verify?platform=https%3A%2F%2Fnetid.example&code=k3J9_xQ2-pZ7vB1mN8cR4tY6"
	for b.Loop() {
		if _, err := Terminal(data); err != nil {
			b.Fatal(err)
		}
	}
}
