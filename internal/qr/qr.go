package qr

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// MaxData is the largest input, in bytes, that the package-level renderers
// ([Standard]) accept. At level M in byte mode it needs a version 26 symbol
// (121×121 modules), about the densest a phone reads from a screen;
// netid's links and session codes are far shorter.
const MaxData = 1000

// MaxDenseData is the largest input, in bytes, that [Dense] accepts: the
// byte-mode capacity of the largest QR symbol, version 40 (177×177
// modules), at error correction level L.
const MaxDenseData = 2953

// Renderer is a choice of error correction level and input limit; its
// methods render like the package-level functions of the same names.
type Renderer struct {
	level   ecLevel
	maxData int
}

// ecLevel is an error correction level, as this package names them.
type ecLevel int

const (
	levelM ecLevel = iota
	levelL
)

var (
	// Standard is level M with inputs of up to MaxData bytes: what the
	// package-level functions use, and what every code meant to be read
	// from across a room or off a printed page should use.
	Standard = Renderer{level: levelM, maxData: MaxData}
	// Dense is level L with inputs of up to MaxDenseData bytes, for data
	// that must travel whole in one symbol, such as an offline eID payload
	// (an SD-JWT presentation of 1.5 to 3 KB). Its symbols reach version 40
	// (177×177 modules, 185 with the quiet zone): they are meant for a
	// phone or PNG held close to the scanner, and Terminal output needs a
	// terminal at least 185 columns wide. Level L recovers about 7% of the
	// symbol instead of 15%, so smudges and glare matter more.
	Dense = Renderer{level: levelL, maxData: MaxDenseData}
)

// QuietZone is the light border around the symbol, in modules, that every
// renderer draws (ISO/IEC 18004 asks for four).
const QuietZone = 4

// MaxScale is the largest PNG scale accepted, in pixels per module; it
// bounds the image at 129×32 = 4,128 pixels square for [Standard] and
// 185×32 = 5,920 for [Dense] (one byte per pixel while it is drawn).
const MaxScale = 32

var (
	// ErrEmpty is returned for empty input.
	ErrEmpty = errors.New("qr: empty data")
	// ErrTooLong is returned when the input is longer than the renderer's
	// limit (MaxData bytes for Standard, MaxDenseData for Dense).
	ErrTooLong = errors.New("qr: data too long")
	// ErrScale is returned when the PNG scale is outside 1..MaxScale.
	ErrScale = errors.New("qr: scale out of range")
	// ErrEncode is returned when the QR library fails to build a symbol
	// for input that passed the checks above; it is not expected to happen.
	ErrEncode = errors.New("qr: encoding failed")
)

// PNG renders data as a QR code PNG: error correction level M, a quiet zone
// of QuietZone modules, scale pixels per module, black on white.
func PNG(data string, scale int) ([]byte, error) { return Standard.PNG(data, scale) }

// PNG renders data as a QR code PNG at r's error correction level, with a
// quiet zone of QuietZone modules, scale pixels per module, black on white.
func (r Renderer) PNG(data string, scale int) ([]byte, error) {
	if scale < 1 || scale > MaxScale {
		return nil, fmt.Errorf("%w: %d pixels per module (want 1..%d)", ErrScale, scale, MaxScale)
	}
	m, err := r.encode(data)
	if err != nil {
		return nil, err
	}
	side := len(m) * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	// Index 0 is white, so the image starts light; paint the dark modules.
	for y, row := range m {
		for x, dark := range row {
			if !dark {
				continue
			}
			for py := y * scale; py < (y+1)*scale; py++ {
				line := img.Pix[py*img.Stride:]
				for px := x * scale; px < (x+1)*scale; px++ {
					line[px] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("%w: png: %w", ErrEncode, err)
	}
	return buf.Bytes(), nil
}

// DataURI renders data as PNG (see [PNG]) and returns it as a
// "data:image/png;base64,…" URI for an HTML img element.
func DataURI(data string, scale int) (string, error) { return Standard.DataURI(data, scale) }

// DataURI renders data as r.PNG and returns it as a
// "data:image/png;base64,…" URI for an HTML img element.
func (r Renderer) DataURI(data string, scale int) (string, error) {
	b, err := r.PNG(data, scale)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b), nil
}

// ANSI SGR sequences around every Terminal line: black foreground on a
// white background, then back to the terminal's defaults.
const (
	sgrDarkOnLight = "\x1b[30;47m"
	sgrReset       = "\x1b[0m"
)

// Terminal renders data for a terminal: each character row holds two module
// rows drawn with the Unicode half blocks ▀ (top dark), ▄ (bottom dark),
// █ (both) and space (neither), black on white by ANSI colour escapes, with
// a quiet zone of QuietZone modules. Every line ends in "\n". When the
// symbol's height is odd, the bottom half of the last row is light.
func Terminal(data string) (string, error) { return Standard.Terminal(data) }

// Terminal renders data for a terminal as the package-level [Terminal]
// does, at r's error correction level.
func (r Renderer) Terminal(data string) (string, error) {
	m, err := r.encode(data)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow((len(m)/2 + 1) * (len(m)*3 + len(sgrDarkOnLight) + len(sgrReset) + 1))
	for y := 0; y < len(m); y += 2 {
		b.WriteString(sgrDarkOnLight)
		for x := range m[y] {
			top := m[y][x]
			bottom := y+1 < len(m) && m[y+1][x]
			switch {
			case top && bottom:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bottom:
				b.WriteRune('▄')
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString(sgrReset)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// TerminalASCII renders data as plain ASCII for terminals without Unicode
// or colour: one line per module row, "##" for a dark module and two spaces
// for a light one, with a quiet zone of QuietZone modules (so lines end in
// spaces). Every line ends in "\n".
func TerminalASCII(data string) (string, error) { return Standard.TerminalASCII(data) }

// TerminalASCII renders data as plain ASCII as the package-level
// [TerminalASCII] does, at r's error correction level.
func (r Renderer) TerminalASCII(data string) (string, error) {
	m, err := r.encode(data)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(m) * (2*len(m) + 1))
	for _, row := range m {
		for _, dark := range row {
			if dark {
				b.WriteString("##")
			} else {
				b.WriteString("  ")
			}
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// encode checks data and returns the symbol's modules, quiet zone
// included, as rows of booleans (true is dark), indexed [y][x]. The zero
// Renderer is Standard.
func (r Renderer) encode(data string) (m [][]bool, err error) {
	limit := r.maxData
	if limit == 0 {
		limit = MaxData
	}
	switch {
	case data == "":
		return nil, ErrEmpty
	case len(data) > limit:
		return nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrTooLong, len(data), limit)
	}
	level := qrcode.ErrorCorrectionMedium
	if r.level == levelL {
		level = qrcode.ErrorCorrectionLow
	}
	// The library panics on some internal inconsistencies; a panic must not
	// take a server down for one bad rendering. Its message may quote the
	// input, so it is not kept.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w: encoder panicked", ErrEncode)
		}
	}()
	code, err := qrcode.NewWith(data,
		qrcode.WithErrorCorrectionLevel(level),
		mode(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEncode, err)
	}
	var c capture
	if err := code.Save(&c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEncode, err)
	}
	bits := c.mat.Bitmap()
	n := len(bits)
	if n == 0 {
		return nil, fmt.Errorf("%w: empty symbol", ErrEncode)
	}
	side := n + 2*QuietZone
	m = make([][]bool, side)
	cells := make([]bool, side*side)
	for y := range m {
		m[y] = cells[y*side : (y+1)*side]
	}
	for y, row := range bits {
		if len(row) != n {
			return nil, fmt.Errorf("%w: symbol is not square", ErrEncode)
		}
		copy(m[y+QuietZone][QuietZone:], row)
	}
	return m, nil
}

// mode picks the densest QR encoding mode that every phone scanner decodes
// (never Kanji; see the package documentation).
func mode(data string) qrcode.EncodeOption {
	numeric, alnum := true, true
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c < '0' || c > '9' {
			numeric = false
		}
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || strings.IndexByte(" $%*+-./:", c) >= 0) {
			alnum = false
		}
	}
	switch {
	case numeric:
		return qrcode.WithEncodingMode(qrcode.EncModeNumeric)
	case alnum:
		return qrcode.WithEncodingMode(qrcode.EncModeAlphanumeric)
	default:
		return qrcode.WithEncodingMode(qrcode.EncModeByte)
	}
}

// capture is a qrcode.Writer that keeps the finished matrix.
type capture struct {
	mat qrcode.Matrix
}

var _ qrcode.Writer = (*capture)(nil)

func (c *capture) Write(mat qrcode.Matrix) error {
	c.mat = mat
	return nil
}

func (c *capture) Close() error { return nil }
