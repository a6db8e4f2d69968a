package pagetest

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/browsertest"
)

// Shown is the JavaScript condition that the element id is in the page,
// not hidden, and laid out (for WaitFor).
func Shown(id string) string {
	return fmt.Sprintf(`(() => { const e = document.getElementById(%q); return !!e && !e.hidden && e.getClientRects().length > 0; })()`, id)
}

// ReadQR reads back the QR code a page drew on the canvas id, from its
// pixels, with the wallet's own decoder (static/qr.js on jsQR); "" when
// there is no code to read.
func (b *Browser) ReadQR(canvas string) string {
	b.T.Helper()
	return Eval[string](b, `
		if (typeof globalThis.jsQR !== "function") {
			await new Promise((resolve, reject) => {
				const s = document.createElement("script");
				s.src = "/wallet/static/vendor/jsqr/jsQR.js";
				s.onload = resolve;
				s.onerror = reject;
				document.head.append(s);
			});
		}
		const qr = await import("/wallet/static/qr.js");
		const c = document.getElementById(args.canvas);
		return qr.decodeImageData(c.getContext("2d").getImageData(0, 0, c.width, c.height)) || "";`, map[string]any{"canvas": canvas})
}

// Location is the address of the page the browser shows.
func (b *Browser) Location() string {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.Fail("reading the address", err)
	}
	return loc
}

// Value is the result of a JavaScript expression on whatever page the
// browser shows (another site's included: unlike Eval it loads none of
// the wallet's modules).
func Value[T any](b *Browser, expr string) T {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.Fail("evaluating "+expr, err)
	}
	return v
}

// MustText is Text failing the test when there is no such element.
func (b *Browser) MustText(sel string) string {
	b.T.Helper()
	s, err := b.Text(sel)
	if err != nil {
		b.Fail("reading "+sel, err)
	}
	return s
}

// Axe runs axe-core on the page as it is (state names it in messages)
// and fails the test on any violation above moderate, with a screenshot.
func (b *Browser) Axe(state string) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	vs, err := browsertest.Axe(ctx)
	if err != nil {
		b.Fail("axe-core at "+state, err)
	}
	b.T.Logf("axe-core at %s: %s", state, browsertest.Summary(vs))
	bad := browsertest.Above(vs, "moderate")
	for _, v := range bad {
		b.T.Errorf("%s: axe-core: %s", state, v)
	}
	if len(bad) > 0 {
		_ = os.MkdirAll(b.Shots, 0o755)
		if shot, err := browsertest.Screenshot(b.Ctx, b.Shots, strings.ReplaceAll(state, " ", "_")); err == nil {
			b.T.Logf("%s: screenshot %s", state, shot)
		}
	}
}
