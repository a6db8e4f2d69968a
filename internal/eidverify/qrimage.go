package eidverify

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // uploaded photos of a QR code
	_ "image/png"  // uploaded screenshots and rendered codes
	"io"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Limits of an uploaded QR image.
const (
	// MaxImageBytes is the largest upload DecodeQR reads.
	MaxImageBytes = 4 << 20
	// MaxImagePixels is the largest image (width × height) it decodes: a
	// 12-megapixel phone photo; larger ones are refused before decoding.
	MaxImagePixels = 12_000_000
)

// ErrImage: the upload is not a PNG or JPEG image holding a readable QR
// code, or it is too large.
var ErrImage = errors.New("eidverify: no readable QR code in the image")

// DecodeQR reads a PNG or JPEG image of at most MaxImageBytes from r and
// returns the text of the QR code in it. The image's dimensions are read
// first and images over MaxImagePixels are refused without decoding them.
// Errors wrap ErrImage (or are r's read errors).
func DecodeQR(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxImageBytes+1))
	if err != nil {
		return "", fmt.Errorf("eidverify: reading the image: %w", err)
	}
	if len(b) > MaxImageBytes {
		return "", fmt.Errorf("%w: the image is larger than %d bytes", ErrImage, MaxImageBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("%w: not a PNG or JPEG image", ErrImage)
	}
	if format != "png" && format != "jpeg" {
		return "", fmt.Errorf("%w: not a PNG or JPEG image", ErrImage)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return "", fmt.Errorf("%w: the image has more than %d pixels", ErrImage, MaxImagePixels)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("%w: the image does not decode", ErrImage)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrImage, err)
	}
	// First as a photo (the detector looks for the finder patterns); then,
	// for a clean screenshot or rendering on which the detector can trip
	// (a few percent of symbols), as a pure barcode: the symbol alone on
	// its quiet zone, read module by module.
	var res *gozxing.Result
	for _, pure := range []bool{false, true} {
		hints := map[gozxing.DecodeHintType]interface{}{
			gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
			gozxing.DecodeHintType_TRY_HARDER:    true,
		}
		if pure {
			hints[gozxing.DecodeHintType_PURE_BARCODE] = true
		}
		if res, err = gzqr.NewQRCodeReader().Decode(bmp, hints); err == nil {
			return res.GetText(), nil
		}
	}
	return "", fmt.Errorf("%w: no QR code found", ErrImage)
}
