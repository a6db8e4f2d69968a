package main

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
	"github.com/netid-project/netid/rp"
)

// TestWebWalletWholePath is a newcomer's whole way through the web wallet
// of a --dev platform, only by the pages, in Chromium (Chinese, phone
// width, a fake camera):
//
//  1. apply: a resident ID card made in the page by the dev document
//     authority, the face check through the camera, the SMS code from the
//     dev outbox, the 口令, the device key;
//  2. sign in at the demo relying party, approving in the wallet by the
//     same-device link ("Open in the browser"), then again by scanning its
//     QR code with the camera;
//  3. see both in History;
//  4. add the electronic ID card, show its QR code, and have the in-person
//     verifier page read it;
//  5. a 16-year-old applies in a second browser profile naming this holder
//     as guardian, who confirms on the Guardian page; the minor's
//     application then ends with a credential.
func TestWebWalletWholePath(t *testing.T) {
	e := pagetest.New(t)
	camera := filepath.Join(t.TempDir(), "camera.y4m")
	pagetest.WriteVideo(t, camera, blankFrame())
	b := e.Open(t, pagetest.FakeCamera(camera)...)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	adult := pagetest.NewApplicant(t)

	// 1. Apply.
	b.Go("/wallet")
	b.WaitFor("the home screen's call to apply", pagetest.Shown("none"))
	b.Do("going to Apply", chromedp.Click(chromedp.CSS(`#none a`)))
	b.WaitFor("the document types", pagetest.Shown("choose"))
	began := time.Now()
	wanghao := applyInPage(b, adult, "张三", document.Date{Year: 1985, Month: 6, Day: 15}, "")
	t.Logf("a complete application through the pages took %v (document type to credential saved, test document made in the page)", time.Since(began).Round(time.Millisecond))
	b.Go("/wallet")
	b.WaitFor("the home screen with the credential", `document.getElementById("status").textContent !== ""`)
	docShot(t, b, "web-wallet-home")

	// 2. The demo relying party: a login by the same-device link, then by
	// the QR code.
	reg, secret, err := e.P.Registry.Register(context.Background(), relyingparty.Registration{
		ID: "demo-shop", Name: "示例商城", Category: storage.CategoryInternetService, Domains: []string{"demo-shop.example"},
		AllowedClaims: []string{"age_over_18"}, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := rp.NewClient(e.URL, reg.ID, rp.ClientSecret(secret))
	if err != nil {
		t.Fatal(err)
	}
	demo := httptest.NewServer(newApp(c, []string{"age_over_18"}, "登录示例商城", slog.New(slog.DiscardHandler)).routes())
	t.Cleanup(demo.Close)

	startLogin := func(level string) string {
		b.Do("starting a login at the demo shop", chromedp.Navigate(demo.URL),
			chromedp.SetValue(chromedp.CSS(`select[name=level]`), level), chromedp.Click(chromedp.CSS(`form[action="/verify"] button`)))
		b.WaitFor("the demo shop's pending page", `document.getElementById("state") !== null`)
		return b.Location()
	}
	pending := startLogin("password")
	b.Do("opening the wallet by the same-device link", chromedp.Click(chromedp.CSS(`a[href*="/wallet/verify?"]`)))
	b.WaitFor("the request in the wallet", pagetest.Shown("ask"))
	if ask, _ := b.Text("#ask"); !strings.Contains(ask, "示例商城") || !strings.Contains(ask, "demo-shop.example") {
		t.Errorf("the wallet shows the request as %q", ask)
	}
	docShot(t, b, "web-wallet-approve")
	b.Do("approving with the 口令", chromedp.SendKeys(chromedp.ID("password"), adult.Password), chromedp.Click(chromedp.ID("approve")))
	b.WaitFor("the wallet's answer", pagetest.Shown("done"))
	demoOutcome(t, b, pending, "approved", "password")

	pending = startLogin("possession")
	qrSrc := pagetest.Value[string](b, `document.querySelector("img[alt^='QR code']").src`)
	qrVideo, err := os.ReadFile(pagetest.QRVideo(t, qrSrc))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(camera, qrVideo, 0o600); err != nil {
		t.Fatal(err)
	}
	b.Go("/wallet/approve")
	b.WaitFor("the ways to open a request", pagetest.Shown("start"))
	b.Do("scanning the demo shop's code", chromedp.Click(chromedp.ID("scan-start")))
	b.WaitFor("the scanned request", pagetest.Shown("ask"))
	b.Do("approving", chromedp.Click(chromedp.ID("approve")))
	b.WaitFor("the wallet's answer", pagetest.Shown("done"))
	demoOutcome(t, b, pending, "approved", "possession")

	// 3. History.
	b.Go("/wallet/history")
	b.WaitFor("the two logins in History", `(document.querySelector("main").innerText.match(/示例商城/g) || []).length >= 2`)

	// 4. The electronic ID card, read by the in-person verifier page.
	hotel, _, err := e.P.Registry.Register(context.Background(), relyingparty.Registration{
		ID: "hotel", Name: "测试酒店", Category: storage.CategoryInPerson, LegalBasis: "hotel: 《旅馆业治安管理办法》第六条",
		Domains: []string{"hotel.example"}, AllowedClaims: []string{"name", "document_number"}, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Go("/wallet/eid")
	b.WaitFor("the form to add the card", pagetest.Shown("add-form"))
	b.Do("adding the card", chromedp.SendKeys(chromedp.ID("add-password"), adult.Password),
		chromedp.SendKeys(chromedp.ID("add-usage"), "135790"), chromedp.SendKeys(chromedp.ID("add-usage-again"), "135790"),
		chromedp.Click(chromedp.ID("add-submit")))
	b.WaitFor("the card", pagetest.Shown("card"))
	b.Do("showing the code", chromedp.Click(chromedp.ID("show-code")))
	b.WaitFor("the code", `Number(document.getElementById("qr").dataset.seq || "0") >= 1`)
	docShot(t, b, "web-wallet-eid")
	code := b.ReadQR("qr")
	if !strings.HasPrefix(code, "NETIDEID1.") {
		t.Fatalf("the card's QR code reads %q", code)
	}
	b.EnrolVerifier(hotel.ID, "前台 1")
	if got := b.CheckAtVerifier(code); !strings.HasPrefix(got, "核验通过") {
		t.Fatalf("the verifier page says %q", got)
	}
	if got, _ := b.Text("body"); !strings.Contains(got, "张*") {
		t.Errorf("the verifier page does not show the masked name: %q", got)
	}

	// 5. A 16-year-old in another browser profile names this holder as
	// guardian; the guardian confirms on the Guardian page.
	m := e.Open(t)
	m.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	now := time.Now()
	minor := pagetest.NewApplicantBorn(t, document.Date{Year: now.Year() - 16, Month: 1, Day: 1})
	m.Go("/wallet/apply")
	m.WaitFor("the document types", pagetest.Shown("choose"))
	applyInPage(m, minor, "李小明", document.Date{Year: now.Year() - 16, Month: 1, Day: 1}, wanghao)
	b.Go("/wallet/guardian")
	b.WaitFor("the application to confirm", pagetest.Shown("request-0-approve"))
	b.Do("confirming with the 口令", chromedp.SendKeys(chromedp.ID("request-0-password"), adult.Password),
		chromedp.Click(chromedp.ID("request-0-approve")))
	m.WaitFor("the minor's device step once the guardian confirmed", pagetest.Shown("device-go"))
	m.Do("using the credential here", chromedp.Click(chromedp.ID("device-go")))
	m.WaitFor("the minor's credential", pagetest.Shown("done"))
	if w, _ := m.Text("#done-wanghao"); strings.ReplaceAll(w, " ", "") == wanghao {
		t.Error("the minor got the guardian's 网号")
	}
}

// applyInPage applies through the Apply page from the document types to
// the credential, with a test document made in the page, and returns the
// 网号 the page shows once. guardian, when set, is named at the
// relationship step (a minor), and the function returns "" once the page
// waits for the guardian.
func applyInPage(b *pagetest.Browser, a pagetest.Applicant, name string, birth document.Date, guardian string) string {
	b.T.Helper()
	b.Do("choosing the resident ID card", chromedp.Click(chromedp.ID("type-resident_id_card")))
	b.WaitFor("the test document form", pagetest.Shown("step-mint"))
	b.Do("making a test document", chromedp.SendKeys(chromedp.ID("step-mint-name"), name),
		chromedp.SetValue(chromedp.ID("step-mint-birth"), birth.String()), chromedp.Click(chromedp.ID("step-mint")))
	if guardian != "" {
		b.WaitFor("the relationship step", pagetest.Shown("step-guardian"))
		b.Do("naming the guardian", chromedp.SendKeys(chromedp.ID("step-guardian"), guardian), chromedp.Click(chromedp.ID("step-dev-evidence")))
		b.WaitFor("the evidence", `document.getElementById("step-evidence").value.length > 20`)
		b.Do("submitting the relationship", chromedp.Click(chromedp.ID("step-relationship-submit")))
	}
	b.WaitFor("the face step", pagetest.Shown("step-face-start"))
	b.Do("turning on the camera", chromedp.Click(chromedp.ID("step-face-start")))
	b.WaitFor("the camera's picture", `(() => { const v = document.getElementById("step-face-video"); return !!v && v.videoWidth > 0; })()`)
	b.Do("taking the picture", chromedp.Click(chromedp.ID("step-face-capture")))
	b.WaitFor("the phone step", pagetest.Shown("step-phone"))
	b.Do("sending the code", chromedp.SendKeys(chromedp.ID("step-phone"), a.Phone), chromedp.Click(chromedp.ID("step-phone-send")))
	b.WaitFor("the code field", pagetest.Shown("step-code"))
	b.Do("showing the dev outbox", chromedp.Click(chromedp.ID("step-dev-sms")))
	b.WaitFor("the dev outbox's code", `/\d{6}/.test(document.getElementById("step-dev-code").textContent)`)
	shown, _ := b.Text("#step-dev-code")
	b.Do("typing the code", chromedp.SendKeys(chromedp.ID("step-code"), regexp.MustCompile(`\d{6}`).FindString(shown)),
		chromedp.Click(chromedp.ID("step-code-submit")))
	b.WaitFor("the password step", pagetest.Shown("step-pw"))
	b.Do("setting the 口令", chromedp.SendKeys(chromedp.ID("step-pw"), a.Password), chromedp.SendKeys(chromedp.ID("step-pw2"), a.Password))
	b.WaitFor("the 口令 accepted by its rules", `!document.getElementById("step-pw-submit").disabled`)
	b.Do("submitting the 口令", chromedp.Click(chromedp.ID("step-pw-submit")))
	if guardian != "" {
		b.WaitFor("waiting for the guardian", pagetest.Shown("waiting"))
		return ""
	}
	b.WaitFor("the device step", pagetest.Shown("device-go"))
	b.Do("using the credential here", chromedp.Click(chromedp.ID("device-go")))
	b.WaitFor("the credential", pagetest.Shown("done"))
	w, err := b.Text("#done-wanghao")
	if err != nil {
		b.Fail("reading the 网号", err)
	}
	w = strings.ReplaceAll(w, " ", "")
	if _, err := netnum.Parse(w); err != nil {
		b.T.Fatalf("the page shows %q, not a 网号: %v", w, err)
	}
	return w
}

// demoOutcome opens the demo shop's page of a login and checks its
// outcome and level.
func demoOutcome(t *testing.T, b *pagetest.Browser, page, outcome, level string) {
	t.Helper()
	b.Do("back at the demo shop", chromedp.Navigate(page))
	b.WaitFor("the demo shop's outcome", `document.getElementById("outcome") !== null`)
	got, _ := b.Text("#outcome")
	lv, _ := b.Text("#level")
	if !strings.Contains(got, outcome) || !strings.HasPrefix(lv, level) {
		t.Errorf("the demo shop says %q at level %q: want %s at %s", got, lv, outcome, level)
	}
}

// blankFrame is what the fake camera shows before it is given a code: a
// plain grey picture (the dev face check does not look at it).
func blankFrame() image.Image {
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.Gray{Y: 160}), image.Point{}, draw.Src)
	return img
}

// docsShotsEnv names a folder for the screenshots docs/ shows: unset in
// tests, set to make them again (NETID_DOCS_SCREENSHOTS=docs go test
// ./examples/demo-rp -run TestWebWalletWholePath, from the repository's
// root: the test runs in examples/demo-rp, so give an absolute path).
const docsShotsEnv = "NETID_DOCS_SCREENSHOTS"

// docShot writes a screenshot of the browser's page for docs/, when
// docsShotsEnv names a folder.
func docShot(t *testing.T, b *pagetest.Browser, name string) {
	t.Helper()
	dir := os.Getenv(docsShotsEnv)
	if dir == "" {
		return
	}
	if _, err := browsertest.Screenshot(b.Ctx, dir, name); err != nil {
		t.Fatal(err)
	}
}
