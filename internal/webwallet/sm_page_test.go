package webwallet_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/verification"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
	"github.com/netid-project/netid/rp"
)

// smHeader is the decoded header of a compact JWS, or nil.
func smHeader(tok string) map[string]any {
	h, _, ok := strings.Cut(tok, ".")
	if !ok {
		return nil
	}
	b, err := jws.B64.DecodeString(h)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// On a platform of the SM suite, at a phone's width, a person applies
// through the Apply page and approves a relying party's request through
// the Approve page, as on ES256: the browser's device and batch keys are
// SM2 keys made in script (the platform takes no other), every device
// proof and holder proof the page sent is an SM2 JWS, the credential is
// bound to the SM2 device key with SM3 digests, the relying party gets an
// SM2-signed result, and the History page checks the record log's
// SM2-signed head.
func TestSMApplyAndApprove(t *testing.T) {
	e := pagetest.New(t, pagetest.Suite("sm"))
	b := e.Open(t)
	a := pagetest.NewApplicant(t)
	chip := applyChipFile(t, e, a)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))

	b.Go("/wallet/apply")
	applyVisible(b, "the document types", "choose")
	b.Do("choosing the resident ID card", chromedp.Click(chromedp.ID("type-resident_id_card")))
	applyUpload(b, chip)
	applyFace(b)
	code := applyPhone(b, a.Phone)
	b.Do("typing the code", chromedp.SendKeys(chromedp.ID("step-code"), code), chromedp.Click(chromedp.ID("step-code-submit")))
	applyPassword(b, a.Password)
	applyVisible(b, "the device step", "device-go")
	b.Do("using the credential here", chromedp.Click(chromedp.ID("device-go")))
	applyVisible(b, "the result", "done")
	applyAxe(b, "the result (sm, 360 px)")
	applyCheckIssued(b, a.Password, applyShownWanghao(b))
	applyNoPrivateKey(t, e.Requests())

	dev := applyDeviceKey(b)
	if st, ok := suite.OfKey(dev.Key); !ok || st != suite.SM {
		t.Fatalf("the page's device key is a %v key on an sm platform", st)
	}
	sdAlg := pagetest.Eval[string](b, `return wc.sdAlg((await wallet.unlock(args.pw)).credential);`, map[string]any{"pw": a.Password})
	if sdAlg != "sm3" {
		t.Fatalf("the wallet's credential has _sd_alg %q", sdAlg)
	}
	var proofs int
	for _, s := range e.Requests() {
		if !strings.HasSuffix(s.URL, "/credential") || s.Method != http.MethodPost {
			continue
		}
		var body struct {
			Proof string   `json:"proof"`
			Batch []string `json:"batch"`
		}
		if err := json.Unmarshal(s.Body, &body); err != nil {
			t.Fatal(err)
		}
		for _, p := range append([]string{body.Proof}, body.Batch...) {
			h := smHeader(p)
			jwk, _ := h["jwk"].(map[string]any)
			if h["alg"] != "SM2" || jwk["crv"] != "SM2" {
				t.Fatalf("a device proof the page sent has the header %v: want alg SM2 and an SM2 jwk", h)
			}
			proofs++
		}
	}
	if proofs < 2 {
		t.Fatalf("the page sent %d device proofs: want the device key's and the batch keys'", proofs)
	}

	// A relying party's request at the password level, opened by its
	// https link in this browser.
	bank := registerRP(t, e, "bank", "", relyingparty.ClaimAgeOver18)
	c := bank.newSession(e, "password", "开立账户", relyingparty.ClaimAgeOver18)
	b.Do("opening the https link", chromedp.Navigate(c.HTTPSLink), chromedp.WaitVisible(chromedp.ID("ask")))
	b.Axe("the request (sm, 360 px)")
	b.Do("approving with the 口令", chromedp.SendKeys(chromedp.ID("password"), a.Password), chromedp.Click(chromedp.ID("approve")))
	b.WaitFor("the result", pagetest.Shown("done"))
	if got := b.MustText("#done"); !strings.Contains(got, "已同意") {
		t.Errorf("the result shows %q", got)
	}
	b.Axe("approved (sm, 360 px)")
	s := bank.poll(e, c.ID)
	if s.State != api.SessionApproved || s.LevelReached != api.LevelPassword || !slices.Contains(s.Provided, relyingparty.ClaimAgeOver18) || s.Result == "" {
		t.Fatalf("the relying party reads %+v: want approved at the password level with the age marker", s)
	}
	var keys jws.JWKS
	e.Call("GET", "/.well-known/jwks.json", "", nil, &keys, http.StatusOK)
	if h, _, err := jws.Verify(s.Result, jws.Expect{Typ: verification.ResultType, Keys: jws.ByKeyID(jose.JSONWebKeySet(keys))}); err != nil || h.Alg != "SM2" {
		t.Errorf("the session result: alg %q, %v; want SM2 by the platform's key", h.Alg, err)
	}
	holderProofs := 0
	for _, r := range e.Requests() {
		if p := r.Header.Get(holder.Header); p != "" {
			if h := smHeader(p); h["alg"] != "SM2" {
				t.Fatalf("%s %s: a holder proof with the header %v", r.Method, r.URL, h)
			}
			holderProofs++
		}
	}
	if holderProofs < 3 {
		t.Fatalf("the page sent %d holder proofs", holderProofs)
	}

	// The History page checks the approval's record against the record
	// log's head, signed SM2 by the platform.
	b.Go("/wallet/history")
	b.WaitFor("the checked records", pagetest.Shown("log-ok"))
	if got := b.MustText("#records"); !strings.Contains(got, bank.name) || !strings.Contains(got, "已同意") {
		t.Errorf("the history shows %q", got)
	}
	head := pagetest.Eval[string](b, `return (await wc.loadPlain("log-head")).signature;`, nil)
	if h := smHeader(head); h["alg"] != "SM2" {
		t.Errorf("the kept tree head has the header %v: want SM2", h)
	}
	b.Axe("the history (sm, 360 px)")
}

// On a platform of the SM suite, at a phone's width, the eID card is
// added (its attributes matched against the credential's disclosures
// under SM3 digests), its offline code is a presentation with an SM2
// key-binding JWT that the relying-party SDK accepts, and its online code,
// an SM2 JWS by the device key, passes at a verifier terminal whose own
// key, made in the verifier page, is an SM2 key too.
func TestSMEIDCard(t *testing.T) {
	e := pagetest.New(t, pagetest.Suite("sm"))
	b := e.Open(t)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go("/wallet/eid")
	w := b.Seed(pagetest.NewApplicant(t))

	b.Go("/wallet/eid")
	b.WaitFor("the form to add the card", pagetest.Shown("add-form"))
	b.Do("adding the card",
		chromedp.SendKeys(chromedp.ID("add-password"), w.Password),
		chromedp.SendKeys(chromedp.ID("add-usage"), "135790"),
		chromedp.SendKeys(chromedp.ID("add-usage-again"), "135790"),
		chromedp.Click(chromedp.ID("add-submit")))
	b.WaitFor("the card", pagetest.Shown("card"))
	if attrs, _ := b.Text("#attrs"); !strings.Contains(attrs, w.Identity.Number) {
		t.Errorf("the card shows %q", attrs)
	}
	b.Do("showing the code", chromedp.Click(chromedp.ID("show-code")))
	b.WaitFor("the code", `Number(document.getElementById("qr").dataset.seq || "0") >= 1`)
	holderPageAxe(t, b, "eid card and code (sm, 360 px)")

	b.Do("the offline code", chromedp.Click(chromedp.ID("offline")))
	b.WaitFor("the offline code drawn", `document.getElementById("code-kind").textContent.includes("离线")`)
	offline := holderPageReadQR(b, "qr")
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
	kb := offline.Text[strings.LastIndex(offline.Text, "~")+1:]
	if h := smHeader(kb); h["alg"] != "SM2" {
		t.Errorf("the offline code's key-binding JWT has the header %v", h)
	}
	b.Do("back to the online code", chromedp.Click(chromedp.ID("offline")))
	b.WaitFor("the online code drawn", `document.getElementById("code-kind").textContent.includes("在线")`)

	if _, _, err := e.P.Registry.Register(context.Background(), relyingparty.Registration{
		ID: "hotel-sm", Name: "国密测试酒店", Category: storage.CategoryInPerson, LegalBasis: "hotel: 《旅馆业治安管理办法》第六条",
		Domains: []string{"hotel-sm.example"}, AllowedClaims: []string{"name", "document_number"}, AuthMethod: storage.AuthClientSecret,
	}); err != nil {
		t.Fatal(err)
	}
	code := holderPageReadQR(b, "qr").Text
	if h := smHeader(strings.TrimPrefix(code, "NETIDEID1.")); h["alg"] != "SM2" {
		t.Errorf("the online code has the header %v", h)
	}
	b.EnrolVerifier("hotel-sm", "前台")
	if got := b.CheckAtVerifier(code); !strings.HasPrefix(got, "核验通过") {
		t.Fatalf("the verifier says %q", got)
	}
	devices, err := e.P.Server.Verifiers.List(context.Background(), "hotel-sm")
	if err != nil || len(devices) != 1 {
		t.Fatalf("verifier devices %v, %v", devices, err)
	}
	if k, err := jws.ParsePublicJWK(devices[0].PublicKey); err != nil {
		t.Errorf("the terminal's key: %v", err)
	} else if st, _ := suite.OfKey(k.Key); st != suite.SM {
		t.Errorf("the terminal's key is a %v key on an sm platform", st)
	}
}
