package browsertest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
)

// Y4M is img as a few grey frames of an uncompressed YUV4MPEG2 video, the
// format Chromium's fake camera plays from a file
// (--use-file-for-fake-video-capture).
func Y4M(img image.Image) []byte {
	b := img.Bounds()
	w, h := b.Dx()&^1, b.Dy()&^1
	var out bytes.Buffer
	fmt.Fprintf(&out, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for range 10 {
		out.WriteString("FRAME\n")
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				out.WriteByte(color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y)
			}
		}
		out.Write(bytes.Repeat([]byte{128}, 2*(w/2)*(h/2))) // no colour
	}
	return out.Bytes()
}
