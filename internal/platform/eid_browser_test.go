package platform_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/qr"
)

// TestEIDVerifierPageInBrowser drives the verifier web page in a real
// browser: paste a payload, then upload a PNG of a QR code, and read the
// verdict, the masked name and the photo; a replayed code and a wrong
// secret show a one-line refusal without data.
func TestEIDVerifierPageInBrowser(t *testing.T) {
	bctx := browsertest.New(t)
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	hotel := e.registerInPerson("hotel-web", "hotel: 《旅馆业治安管理办法》第六条", eidClaims...)
	name := []rune(p.identity.Name)
	masked := string(name[0]) + strings.Repeat("*", len(name)-2) + string(name[len(name)-1])

	type page struct {
		verdict, name, photo, errText string
		photoLoaded                   bool
	}
	text := func(ctx context.Context, id string) string {
		t.Helper()
		present, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.getElementById("`+id+`")`))
		if err != nil {
			t.Fatalf("looking for #%s: %v", id, err)
		}
		if !present {
			return ""
		}
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("reading #%s: %v", id, err)
		}
		return s
	}
	// submit fills the form, lets fill add the code, submits and reads
	// the result page.
	submit := func(fill chromedp.Action[chromedp.Void]) page {
		t.Helper()
		ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
		defer cancel()
		err := chromedp.Do(ctx,
			chromedp.Navigate(e.url+"/verify/eid"),
			chromedp.WaitVisible(chromedp.ID("submit")),
			chromedp.SendKeys(chromedp.ID("client_id"), hotel.id),
			chromedp.SendKeys(chromedp.ID("client_secret"), hotel.secret),
			fill,
			chromedp.Click(chromedp.ID("submit")),
			chromedp.WaitVisible(chromedp.ID("verdict")),
		)
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		pg := page{verdict: text(ctx, "verdict"), name: text(ctx, "name_masked"), errText: text(ctx, "error")}
		has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.getElementById("photo")`))
		if err != nil {
			t.Fatal(err)
		}
		if has {
			src, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("photo"), "src"))
			if err != nil {
				t.Fatal(err)
			}
			pg.photo = src.Value
			if pg.photoLoaded, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const i = document.getElementById("photo"); return i.complete && i.naturalWidth > 0; })()`)); err != nil {
				t.Fatal(err)
			}
		}
		return pg
	}
	accepted := func(how string, pg page) {
		t.Helper()
		if !strings.Contains(pg.verdict, "Verified") || pg.name != masked || !strings.HasPrefix(pg.photo, "data:image/png;base64,") || !pg.photoLoaded {
			t.Fatalf("%s: verdict %q, name %q (want %q), photo %.40q loaded %v", how, pg.verdict, pg.name, masked, pg.photo, pg.photoLoaded)
		}
	}

	// Paste.
	pasted := e.eidPayload(h)
	accepted("pasted", submit(chromedp.SetValue(chromedp.ID("payload"), pasted)))

	// The same code again: one line, no data.
	pg := submit(chromedp.SetValue(chromedp.ID("payload"), pasted))
	if !strings.Contains(pg.errText, "already used") || strings.Contains(pg.errText, "\n") || pg.name != "" || pg.photo != "" {
		t.Fatalf("replay: %+v", pg)
	}

	// Upload a PNG of the QR code.
	png, err := qr.PNG(e.eidPayload(h), 8)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "code.png")
	if err := os.WriteFile(file, png, 0o600); err != nil {
		t.Fatal(err)
	}
	accepted("uploaded", submit(chromedp.SetUploadFiles(chromedp.ID("qr"), []string{file})))

	// A wrong secret.
	hotel.secret = "wrong"
	pg = submit(chromedp.SetValue(chromedp.ID("payload"), e.eidPayload(h)))
	if !strings.Contains(pg.errText, "not accepted") || pg.name != "" || pg.photo != "" {
		t.Fatalf("wrong secret: %+v", pg)
	}
}
