package webwallet

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/qr"
)

// jsTestServer serves the wallet's static files and a page without a
// Content-Security-Policy that loads jsQR and imports the module name as
// window.mod, titled "ready" once loaded.
func jsTestServer(t *testing.T, module string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	New("http://127.0.0.1", slog.New(slog.NewTextHandler(io.Discard, nil))).Mount(mux)
	mux.HandleFunc("GET /jstest/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>loading</title>
<script src="%[1]svendor/jsqr/jsQR.js"></script>
<script type="module">import * as mod from "%[1]s%[2]s"; window.mod = mod; document.title = "ready";</script>
<video id="v" autoplay muted playsinline></video>`, PathStatic, module)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// TestQRDecodedInPage: a relying party's netid:// link, drawn as the
// platform draws it (internal/qr), is read back in the page, from an image
// and from a camera (Chromium's fake camera playing the code), with nothing
// sent anywhere.
func TestQRDecodedInPage(t *testing.T) {
	link := "netid://verify?code=Zm9vYmFyYmF6cXV4MDEyMzQ1Njc4OQ&platform=https%3A%2F%2Fnetid.example"
	pngBytes, err := qr.PNG(link, 6)
	if err != nil {
		t.Fatal(err)
	}
	src, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	// A camera sees the code with room around it.
	frame := image.NewRGBA(image.Rect(0, 0, 640, 480))
	draw.Draw(frame, frame.Bounds(), image.White, image.Point{}, draw.Src)
	off := image.Pt((640-src.Bounds().Dx())/2, (480-src.Bounds().Dy())/2)
	draw.Draw(frame, src.Bounds().Add(off), src, src.Bounds().Min, draw.Src)
	video := filepath.Join(t.TempDir(), "qr.y4m")
	if err := os.WriteFile(video, browsertest.Y4M(frame), 0o600); err != nil {
		t.Fatal(err)
	}

	bctx := browsertest.New(t,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video),
	)
	ts := jsTestServer(t, "qr.js")
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/jstest/"), chromedp.Poll[chromedp.Void](`document.title === "ready"`)); err != nil {
		t.Fatalf("loading qr.js: %v", err)
	}
	dataURI, err := qr.DataURI(link, 4)
	if err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise((resolve, reject) => {
		const img = new Image();
		img.onload = () => resolve(window.mod.decodeImage(img) ?? "(nothing)");
		img.onerror = reject;
		img.src = `+mustJSON(t, dataURI)+`;
	})`, chromedp.EvalAwaitPromise))
	if err != nil || got != link {
		t.Fatalf("from an image: %q, %v", got, err)
	}
	blank, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.mod.decodeImageData(new ImageData(64, 64)) === null`))
	if err != nil || !blank {
		t.Fatalf("a blank image decodes to something: %v", err)
	}
	got, err = chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const v = document.getElementById("v");
		v.srcObject = await navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480}});
		await v.play();
		return await new Promise((resolve) => {
			const stop = window.mod.scanVideo(v, (text) => { resolve(text); return true; });
			setTimeout(() => { stop(); resolve("(no code in 20 s)"); }, 20000);
		});
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || got != link {
		t.Fatalf("from the camera: %q, %v", got, err)
	}
}
