package eidverify

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/qr"
)

// TestDecodeQRRenderedCodes: every rendering of a code of an online
// payload's size decodes. (The finder-pattern detector alone missed about
// one clean rendering in thirty; the pure-barcode fallback reads them.)
func TestDecodeQRRenderedCodes(t *testing.T) {
	for i := range 150 {
		var b strings.Builder
		b.WriteString("NETIDEID1.")
		for range 17 {
			b.WriteString(rand.Text())
		}
		p := b.String()[:400]
		png, err := qr.PNG(p, 4+i%6)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeQR(bytes.NewReader(png))
		if err != nil || got != p {
			t.Fatalf("rendering %d (%d bytes, scale %d): %v", i, len(p), 4+i%6, err)
		}
	}
}
