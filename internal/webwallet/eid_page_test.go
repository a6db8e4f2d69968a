package webwallet_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
	"github.com/netid-project/netid/rp"
)

// holderPageAxe runs axe-core on what b shows (b.Axe: a failure above
// moderate, with a screenshot) and fails the test if the page scrolls
// sideways.
func holderPageAxe(t *testing.T, b *pagetest.Browser, state string) {
	t.Helper()
	b.Axe(state)
	if wide := pagetest.Eval[bool](b, `return document.documentElement.scrollWidth > document.documentElement.clientWidth;`, nil); wide {
		t.Errorf("%s: the page scrolls sideways", state)
	}
}

// holderPageClear empties the field id.
func holderPageClear(b *pagetest.Browser, id string) {
	b.T.Helper()
	pagetest.Eval[bool](b, `document.getElementById(args.id).value = ""; return true;`, map[string]any{"id": id})
}

// shown is the JavaScript condition that the element id is shown.

// qrRead is a QR code a page drew on a canvas, read back from its pixels
// with the wallet's own decoder (static/qr.js on jsQR), and the renewal
// it belongs to (the canvas's data-seq, if any).
type qrRead struct {
	Seq  int    `json:"seq"`
	Text string `json:"text"`
}

func holderPageReadQR(b *pagetest.Browser, canvas string) qrRead {
	b.T.Helper()
	return pagetest.Eval[qrRead](b, `
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
		const seq = Number(c.dataset.seq || "0");
		const text = qr.decodeImageData(c.getContext("2d").getImageData(0, 0, c.width, c.height));
		return { seq, text: text || "" };`, map[string]any{"canvas": canvas})
}

// TestEIDCardPage: a holder adds the eID card from the chip data of their
// application with the credential password and a usage password, opens
// it (attributes and photo), shows its QR code, which renews; the code
// read from the page's pixels is accepted by the platform's verifier page
// for a hotel, and the check then shows under "who checked it". A wrong
// usage password is refused with a message; axe-core finds nothing above
// moderate at each state, in Chinese and in English, at 360 px.
func TestEIDCardPage(t *testing.T) {
	e := pagetest.New(t)
	b := e.Open(t)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go("/wallet/eid")
	b.WaitFor("the page without a wallet", pagetest.Shown("none"))
	holderPageAxe(t, b, "eid no wallet zh")
	w := b.Seed(pagetest.NewApplicant(t))

	// A short renewal period, read by the page from its address.
	const page = "/wallet/eid?renew=2"
	b.Go(page)
	b.WaitFor("the form to add the card", pagetest.Shown("add-form"))
	holderPageAxe(t, b, "eid add zh")

	// The usage passwords must agree.
	b.Do("adding with differing usage passwords",
		chromedp.SendKeys(chromedp.ID("add-password"), w.Password),
		chromedp.SendKeys(chromedp.ID("add-usage"), "135790"),
		chromedp.SendKeys(chromedp.ID("add-usage-again"), "135791"),
		chromedp.Click(chromedp.ID("add-submit")))
	b.WaitFor("the mismatch message", pagetest.Shown("add-error"))
	if got, _ := b.Text("#add-error"); !strings.Contains(got, "两次输入的使用密码不一致") {
		t.Errorf("add error %q", got)
	}
	holderPageClear(b, "add-usage-again")
	b.Do("adding the card",
		chromedp.SendKeys(chromedp.ID("add-usage-again"), "135790"),
		chromedp.Click(chromedp.ID("add-submit")))
	b.WaitFor("the card", pagetest.Shown("card"))
	attrs, _ := b.Text("#attrs")
	for _, want := range []string{w.Identity.Name, w.Identity.Number, w.Identity.Address, "居民身份证", "男", "2020-01-01 – 2040-01-01"} {
		if !strings.Contains(attrs, want) {
			t.Errorf("the card shows %q, without %q", attrs, want)
		}
	}
	b.WaitFor("the photo", `(() => { const i = document.getElementById("photo"); return i.src.startsWith("blob:") && i.complete && i.naturalWidth > 0; })()`)
	if got := pagetest.Eval[bool](b, `return (await wc.loadSealed("eid")).includes(args.name);`, map[string]any{"name": w.Identity.Name}); got {
		t.Error("the card's record holds the name in plaintext")
	}
	// The usage password guards no disclosure of the credential but the
	// offline code's.
	if got := pagetest.Eval[[]string](b, `
		const card = await wc.open("135790", await wc.loadSealed("eid"));
		return card.offline.split("~").slice(1, -1).map((d) => JSON.parse(new TextDecoder().decode(wc.unb64url(d)))[1]);`, nil); len(got) != 1 || got[0] != "age_over_18" {
		t.Errorf("the card keeps the disclosures %v", got)
	}

	// The QR code, renewed.
	b.Do("showing the code", chromedp.Click(chromedp.ID("show-code")))
	b.WaitFor("the code", `Number(document.getElementById("qr").dataset.seq || "0") >= 1`)
	if got, _ := b.Text("#countdown"); !strings.Contains(got, "秒后更新") {
		t.Errorf("countdown %q", got)
	}
	holderPageAxe(t, b, "eid card and code zh")
	first := holderPageReadQR(b, "qr")
	if !strings.HasPrefix(first.Text, "NETIDEID1.") {
		t.Fatalf("first code %q", first.Text)
	}
	b.WaitFor("the renewal", fmt.Sprintf(`Number(document.getElementById("qr").dataset.seq) > %d`, first.Seq))
	second := holderPageReadQR(b, "qr")
	if second.Seq <= first.Seq || !strings.HasPrefix(second.Text, "NETIDEID1.") || second.Text == first.Text {
		t.Fatalf("after the renewal: code %d %q, before %d %q", second.Seq, second.Text, first.Seq, first.Text)
	}

	// Full screen, and back.
	b.Do("full screen", chromedp.Click(chromedp.ID("fullscreen")))
	b.WaitFor("the code full screen", `(document.fullscreenElement && document.fullscreenElement.id === "code") || document.getElementById("code").classList.contains("enlarged")`)
	b.Do("leaving full screen", chromedp.Click(chromedp.ID("fullscreen")))
	b.WaitFor("the code back in the page", `!document.fullscreenElement && !document.getElementById("code").classList.contains("enlarged")`)

	// The offline code: a presentation an offline verifier accepts with
	// the relying-party SDK alone.
	b.Do("the offline code", chromedp.Click(chromedp.ID("offline")))
	b.WaitFor("the offline code drawn", `document.getElementById("code-kind").textContent.includes("离线")`)
	offline := holderPageReadQR(b, "qr")
	if !strings.HasPrefix(offline.Text, "NETIDEID1SD.") {
		t.Fatalf("offline code %q", offline.Text)
	}
	v, err := rp.New(context.Background(), e.URL)
	if err != nil {
		t.Fatal(err)
	}
	pres, err := eidverify.VerifyOffline(context.Background(), v, offline.Text, time.Now())
	if err != nil {
		t.Fatalf("the offline code: %v", err)
	}
	if pres.Claims["age_over_18"] != true || len(pres.Claims) != 1 {
		t.Errorf("the offline code discloses %v", pres.Claims)
	}
	b.Do("back to the online code", chromedp.Click(chromedp.ID("offline")))
	b.WaitFor("the online code drawn", `document.getElementById("code-kind").textContent.includes("在线")`)

	// A hotel checks the code the page shows on the platform's verifier
	// page.
	if _, _, err := e.P.Registry.Register(context.Background(), relyingparty.Registration{
		ID: "hotel-page", Name: "页面测试酒店", Category: storage.CategoryInPerson, LegalBasis: "hotel: 《旅馆业治安管理办法》第六条",
		Domains: []string{"hotel-page.example"}, AllowedClaims: []string{"name", "photo", "document_number"}, AuthMethod: storage.AuthClientSecret,
	}); err != nil {
		t.Fatal(err)
	}
	code := holderPageReadQR(b, "qr").Text
	b.EnrolVerifier("hotel-page", "前台")
	if got := b.CheckAtVerifier(code); !strings.HasPrefix(got, "核验通过") {
		t.Fatalf("the verifier says %q", got)
	}

	// Who checked it; and the card stays locked until its password.
	b.Go(page)
	b.WaitFor("the check in the list", `document.getElementById("check-list").textContent.includes("页面测试酒店")`)
	if got, _ := b.Text("#check-list"); !strings.Contains(got, "核验通过") {
		t.Errorf("who checked it: %q", got)
	}
	b.WaitFor("the form to open the card", pagetest.Shown("open-form"))
	if got := pagetest.Eval[bool](b, `return !document.getElementById("card").hidden;`, nil); got {
		t.Fatal("the card is shown before its usage password")
	}
	b.Do("a wrong usage password", chromedp.SendKeys(chromedp.ID("open-usage"), "000000"), chromedp.Click(chromedp.ID("open-submit")))
	b.WaitFor("the refusal", pagetest.Shown("open-error"))
	if got, _ := b.Text("#open-error"); !strings.Contains(got, "使用密码不对") {
		t.Errorf("wrong usage password: %q", got)
	}
	holderPageAxe(t, b, "eid wrong password zh")

	// English.
	b.Do("switching to English", chromedp.Click(chromedp.ID("lang-en")), chromedp.WaitReady(chromedp.CSS(`html[lang="en"] footer`)))
	b.WaitFor("the page in English", pagetest.Shown("open-form"))
	b.Do("a wrong usage password in English", chromedp.SendKeys(chromedp.ID("open-usage"), "999999"), chromedp.Click(chromedp.ID("open-submit")))
	b.WaitFor("the refusal in English", pagetest.Shown("open-error"))
	if got, _ := b.Text("#open-error"); !strings.Contains(got, "Wrong usage password") {
		t.Errorf("wrong usage password in English: %q", got)
	}
	holderPageAxe(t, b, "eid wrong password en")
	holderPageClear(b, "open-usage")
	b.Do("opening the card",
		chromedp.SendKeys(chromedp.ID("open-usage"), "135790"),
		chromedp.Click(chromedp.ID("open-submit")))
	b.WaitFor("the card in English", pagetest.Shown("card"))
	if got, _ := b.Text("#attrs"); !strings.Contains(got, w.Identity.Number) || !strings.Contains(got, "Resident ID card") {
		t.Errorf("the card in English: %q", got)
	}
	b.Do("showing the code", chromedp.Click(chromedp.ID("show-code")))
	b.WaitFor("the code", `Number(document.getElementById("qr").dataset.seq || "0") >= 1`)
	holderPageAxe(t, b, "eid card and code en")
	if got, _ := b.Text("#checks"); !strings.Contains(got, "verified") {
		t.Errorf("who checked it in English: %q", got)
	}

	// Care mode (关怀版).
	b.Do("care mode", chromedp.Click(chromedp.ID("care")), chromedp.WaitReady(chromedp.CSS(`html.care footer`)))
	b.WaitFor("the form to open the card in care mode", pagetest.Shown("open-form"))
	b.Do("opening the card in care mode", chromedp.SendKeys(chromedp.ID("open-usage"), "135790"), chromedp.Click(chromedp.ID("open-submit")))
	b.WaitFor("the card in care mode", pagetest.Shown("card"))
	b.Do("showing the code in care mode", chromedp.Click(chromedp.ID("show-code")))
	b.WaitFor("the code in care mode", `Number(document.getElementById("qr").dataset.seq || "0") >= 1`)
	holderPageAxe(t, b, "eid card and code en care")
}
