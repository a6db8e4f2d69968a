package devauthority

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/color"
	"image/png"
)

// Portrait size: 3:4, like a document photo.
const (
	faceWidth  = 96
	faceHeight = 128
)

// Palettes the portrait's colours are picked from.
var (
	backgrounds = []color.RGBA{{0xF2, 0xF2, 0xF2, 0xFF}, {0xDD, 0xE8, 0xF5, 0xFF}, {0xFF, 0xFF, 0xFF, 0xFF}, {0xE3, 0xEE, 0xF8, 0xFF}}
	skins       = []color.RGBA{{0xF1, 0xD2, 0xB6, 0xFF}, {0xE0, 0xB8, 0x93, 0xFF}, {0xC6, 0x95, 0x6C, 0xFF}, {0x8D, 0x5E, 0x3C, 0xFF}, {0xF6, 0xDD, 0xC8, 0xFF}}
	hairs       = []color.RGBA{{0x1B, 0x17, 0x14, 0xFF}, {0x3B, 0x2A, 0x1E, 0xFF}, {0x6B, 0x4E, 0x31, 0xFF}, {0x9A, 0x9A, 0x9A, 0xFF}}
	clothes     = []color.RGBA{{0x24, 0x3B, 0x63, 0xFF}, {0x33, 0x33, 0x33, 0xFF}, {0x7A, 0x1F, 0x2B, 0xFF}, {0x2F, 0x5D, 0x3A, 0xFF}, {0xEE, 0xEE, 0xEE, 0xFF}}
	features    = color.RGBA{0x20, 0x18, 0x14, 0xFF}
	lips        = color.RGBA{0xA8, 0x4A, 0x48, 0xFF}
)

// FaceImage returns a small synthetic PNG portrait (96×128) drawn from seed
// (for example the holder's name): the same seed always gives the same bytes,
// different seeds give different faces. It is for test documents only, so
// they carry a plausible DG2 without a real photograph.
func FaceImage(seed string) []byte {
	h := sha256.Sum256([]byte("netid devauthority face\x00" + seed))
	pick := func(i int, n int) int { return int(h[i]) % n }
	bg := backgrounds[pick(0, len(backgrounds))]
	skin := skins[pick(1, len(skins))]
	hair := hairs[pick(2, len(hairs))]
	cloth := clothes[pick(3, len(clothes))]
	palette := color.Palette{bg, skin, hair, cloth, features, lips}
	const (
		iBG = iota
		iSkin
		iHair
		iCloth
		iFeature
		iLips
	)

	// Face geometry, varied by the seed.
	cx := float64(faceWidth)/2 + float64(int(h[4]%7)-3)
	cy := 56 + float64(int(h[5]%7)-3)
	rx := 22 + float64(h[6]%6) // half width of the face
	ry := 29 + float64(h[7]%6) // half height of the face
	hairTop := cy - ry - 4 - float64(h[8]%6)
	hairLine := cy - ry*0.45 + float64(h[9]%5)
	eyeY := cy - ry*0.12
	eyeDX := rx * (0.38 + float64(h[10]%8)/100)
	eyeR := 2.0 + float64(h[11]%2)
	mouthY := cy + ry*0.52
	mouthW := rx * (0.32 + float64(h[12]%10)/100)
	longHair := h[13]%3 == 0

	img := image.NewPaletted(image.Rect(0, 0, faceWidth, faceHeight), palette)
	for y := range faceHeight {
		for x := range faceWidth {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			c := uint8(iBG)
			// Shoulders: a wide ellipse at the bottom.
			if inEllipse(fx, fy, cx, faceHeight+10, 46, 42) {
				c = iCloth
			}
			// Neck.
			if fy > cy+ry*0.6 && fy < faceHeight-20 && abs(fx-cx) < rx*0.45 {
				c = iSkin
			}
			// Hair behind the head.
			if inEllipse(fx, fy, cx, cy-4, rx+5, ry+6) && (fy < cy || longHair) && fy > hairTop {
				c = iHair
			}
			// Face.
			if inEllipse(fx, fy, cx, cy, rx, ry) {
				c = iSkin
				if fy < hairLine {
					c = iHair
				}
			}
			// Eyes and brows.
			for _, ex := range []float64{cx - eyeDX, cx + eyeDX} {
				if inEllipse(fx, fy, ex, eyeY, eyeR+1, eyeR) {
					c = iFeature
				}
				if fy >= eyeY-eyeR-5 && fy < eyeY-eyeR-3 && abs(fx-ex) < eyeR+3 {
					c = iFeature
				}
			}
			// Nose.
			if abs(fx-cx) < 1 && fy > eyeY+3 && fy < mouthY-6 {
				c = iFeature
			}
			// Mouth.
			if abs(fy-mouthY) < 1.5 && abs(fx-cx) < mouthW {
				c = iLips
			}
			img.SetColorIndex(x, y, c)
		}
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		// Encoding an in-memory paletted image to a buffer cannot fail.
		panic("devauthority: encoding face image: " + err.Error())
	}
	return b.Bytes()
}

// inEllipse reports whether (x, y) lies inside the ellipse centred at
// (cx, cy) with half-axes rx and ry.
func inEllipse(x, y, cx, cy, rx, ry float64) bool {
	dx, dy := (x-cx)/rx, (y-cy)/ry
	return dx*dx+dy*dy <= 1
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
