package platform_test

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/qr"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// TestEIDVerifierPageInBrowser drives the verifier terminal's page in
// Chromium with a fake camera: the terminal enrols once with a one-time
// code (its key made in the browser, not extractable), scans the holder's
// QR code from the camera, shows the verdict, the masked name and the
// photo large; a replayed code is refused with its reason and no data; a
// hand-held scanner's text is checked too; at phone width and in both
// languages axe-core finds nothing above moderate; once the operator
// revokes the terminal, the page asks for a new code.
func TestEIDVerifierPageInBrowser(t *testing.T) {
	e := lifecycleEnv(t)
	p := adult(t)
	h := e.apply(p)
	e.registerInPerson("hotel-b", "hotel: 《旅馆业治安管理办法》第六条", eidClaims...)
	added := e.addDevice("hotel-b", "前台 1")
	name := []rune(p.identity.Name)
	masked := string(name[0]) + strings.Repeat("*", len(name)-2) + string(name[len(name)-1])

	// The camera first sees a blank wall; each scan below shows it a code.
	video := filepath.Join(t.TempDir(), "camera.y4m")
	blank := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for i := range blank.Pix {
		blank.Pix[i] = 0xff
	}
	pagetest.WriteVideo(t, video, blank)
	showCode := func(payload string) {
		t.Helper()
		b, err := qr.PNG(payload, 5)
		if err != nil {
			t.Fatal(err)
		}
		code, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		frame := image.NewRGBA(image.Rect(0, 0, 640, 480))
		draw.Draw(frame, frame.Bounds(), image.White, image.Point{}, draw.Src)
		off := image.Pt((640-code.Bounds().Dx())/2, (480-code.Bounds().Dy())/2)
		draw.Draw(frame, code.Bounds().Add(off), code, code.Bounds().Min, draw.Src)
		pagetest.WriteVideo(t, video, frame)
	}
	ctx := browsertest.New(t, append([]chromedp.ExecAllocatorOption{chromedp.Flag("accept-lang", "zh-CN")}, pagetest.FakeCamera(video)...)...)
	b := &pagetest.Browser{T: t, Ctx: ctx, Env: &pagetest.Env{URL: e.url}, Shots: filepath.Join(t.TempDir(), "shots")}

	// Enrolment: a malformed code, then the right one.
	b.Go("/verify/eid")
	b.WaitFor("the enrolment form", pagetest.Shown("enrol-form"))
	b.Axe("verifier enrol zh")
	b.Do("a short code", chromedp.SendKeys(chromedp.ID("enrol-code"), "ABCD"), chromedp.Click(chromedp.ID("enrol-submit")))
	b.WaitFor("the refusal", pagetest.Shown("enrol-error"))
	if got := b.MustText("#enrol-error"); !strings.Contains(got, "16 位登记码") {
		t.Errorf("short code: %q", got)
	}
	pagetest.Eval[bool](b, `document.getElementById("enrol-code").value = ""; return true;`, nil)
	b.Do("the code", chromedp.SendKeys(chromedp.ID("enrol-code"), strings.ToLower(added.Code)), chromedp.Click(chromedp.ID("enrol-submit")))
	b.WaitFor("the terminal", pagetest.Shown("terminal"))
	if got := b.MustText("#who"); !strings.Contains(got, "核验点 hotel-b") || !strings.Contains(got, "前台 1") {
		t.Errorf("who: %q", got)
	}
	if got := b.MustText("#kind"); !strings.Contains(got, "旅馆住宿登记") {
		t.Errorf("kind: %q", got)
	}
	if extractable := pagetest.Eval[string](b, `const k = await wc.loadKey("verifier"); return String(k.privateKey.extractable) + " " + k.privateKey.algorithm.namedCurve;`, nil); extractable != "false P-256" {
		t.Fatalf("the terminal's key: extractable %s", extractable)
	}
	if strings.Contains(b.MustText("main"), "密钥") && pagetest.Eval[bool](b, `return !!document.querySelector("input[type=password]");`, nil) {
		t.Fatal("the page asks for a secret")
	}

	// Scan with the camera.
	showCode(e.eidPayload(h))
	b.Do("scanning", chromedp.Click(chromedp.ID("scan-start")))
	b.WaitFor("the result", pagetest.Shown("result"))
	if got := b.MustText("#verdict"); got != "核验通过" {
		t.Fatalf("verdict %q (%s)", got, b.MustText("#result"))
	}
	if got := b.MustText("#f-name_masked"); got != masked {
		t.Errorf("name %q, want %q", got, masked)
	}
	b.WaitFor("the photo", `(() => { const i = document.getElementById("photo"); return !i.hidden && i.complete && i.naturalWidth > 0 && i.src.startsWith("blob:"); })()`)
	b.Axe("verifier result zh")

	// The same code again: not valid, why, and nothing of the person.
	b.Do("the next person", chromedp.Click(chromedp.ID("next")))
	b.Do("scanning the same code", chromedp.Click(chromedp.ID("scan-start")))
	b.WaitFor("the refusal", pagetest.Shown("result")+` && document.getElementById("result").classList.contains("bad")`)
	if got := b.MustText("#result"); !strings.Contains(got, "核验未通过") || !strings.Contains(got, "已使用过") || strings.Contains(got, masked) {
		t.Errorf("replay: %q", got)
	}
	if pagetest.Eval[bool](b, `return !document.getElementById("photo").hidden;`, nil) {
		t.Error("a refusal shows a photo")
	}
	b.Axe("verifier refusal zh")

	// At phone width: no sideways scroll, nothing above moderate.
	b.Do("phone width", chromedp.EmulateViewport(360, 740))
	b.Do("the next person", chromedp.Click(chromedp.ID("next")))
	showCode(e.eidPayload(h))
	b.Do("scanning at phone width", chromedp.Click(chromedp.ID("scan-start")))
	b.WaitFor("the result at phone width", pagetest.Shown("result")+` && document.getElementById("result").classList.contains("ok")`)
	if wide := pagetest.Eval[bool](b, `return document.documentElement.scrollWidth > document.documentElement.clientWidth;`, nil); wide {
		t.Error("the page scrolls sideways at 360 px")
	}
	b.Axe("verifier result zh 360")
	b.Do("desktop width", chromedp.EmulateViewport(1280, 900))

	// English, and a hand-held scanner typing the code with Enter.
	b.Do("English", chromedp.Click(chromedp.ID("lang-en")), chromedp.WaitReady(chromedp.CSS(`html[lang="en"] footer`)))
	b.WaitFor("the terminal, still enrolled", pagetest.Shown("terminal"))
	b.Do("a scanner types the code", chromedp.SendKeys(chromedp.ID("payload"), e.eidPayload(h)+"\r"))
	b.WaitFor("the result in English", pagetest.Shown("result"))
	if got := b.MustText("#verdict"); got != "Valid" {
		t.Fatalf("English verdict %q (%s)", got, b.MustText("#result"))
	}
	b.Axe("verifier result en")

	// A full-data check (实名登记): the holder approves on their device; the
	// page shows the full name and number once.
	b.Do("the next person", chromedp.Click(chromedp.ID("next")))
	b.WaitFor("the full-data choice", pagetest.Shown("full-choice"))
	b.Do("asking for the full data", chromedp.Click(chromedp.ID("full")))
	showCode(e.eidPayload(h))
	b.Do("scanning for registration", chromedp.Click(chromedp.ID("scan-start")))
	b.WaitFor("waiting for the holder", pagetest.Shown("full-box"))
	if got := b.MustText("#full-state"); !strings.Contains(got, "Waiting for the holder") {
		t.Errorf("full-data state %q", got)
	}
	if got := b.MustText("#verdict"); got != "Valid" {
		t.Errorf("the check under a full-data request: %q", got)
	}
	prompts := e.fullPrompts(h)
	if len(prompts) != 1 {
		t.Fatalf("the holder sees %d requests", len(prompts))
	}
	must(t, e.holderCall(h, "POST", "/v1/wallet/eid/full-data/"+prompts[0].ID, map[string]any{"decision": "approve", "password": p.password}), http.StatusNoContent)
	b.WaitFor("the full data", pagetest.Shown("full-fields"))
	if got := b.MustText("#full-name"); got != p.identity.Name {
		t.Errorf("full name %q", got)
	}
	if got := b.MustText("#full-number"); got != p.identity.Number {
		t.Errorf("full number %q", got)
	}
	b.Axe("verifier full data en")
	// Cleared for the next person: nothing of it stays in the page.
	b.Do("the next person", chromedp.Click(chromedp.ID("next")))
	if strings.Contains(b.MustText("main"), p.identity.Number) {
		t.Error("the full number stays in the page")
	}

	// The operator revokes the terminal: the page asks for a new code.
	must(t, e.call("POST", "/v1/admin/verifier-devices/"+added.Device.ID+"/revoke", adminToken, map[string]any{"reason": "终端丢失"}), http.StatusOK)
	b.Go("/verify/eid")
	b.WaitFor("the revoked notice", pagetest.Shown("revoked")+" && "+pagetest.Shown("enrol-form"))
	if pagetest.Eval[bool](b, `return !document.getElementById("scan").hidden;`, nil) {
		t.Error("a revoked terminal still offers to scan")
	}
}
