package webwallet_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// relyingParty is a registered relying party as its servers see it.
type relyingParty struct {
	id, name, secret string
}

// registerRP registers a relying party with a client secret, as an
// operator does (netid admin rp add).
func registerRP(t *testing.T, e *pagetest.Env, id, legalBasis string, claims ...string) relyingParty {
	t.Helper()
	name := "测试平台 " + id
	_, secret, err := e.P.Registry.Register(context.Background(), relyingparty.Registration{
		ID: id, Name: name, Sector: id, Category: storage.CategoryInternetService, LegalBasis: legalBasis,
		Domains: []string{id + ".example"}, AllowedClaims: claims, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	return relyingParty{id: id, name: name, secret: secret}
}

// newSession is the relying party's POST /v1/verifications.
func (rp relyingParty) newSession(e *pagetest.Env, level, purpose string, claims ...string) api.VerificationCreated {
	e.T.Helper()
	var c api.VerificationCreated
	e.Call("POST", "/v1/verifications", "basic "+rp.id+":"+rp.secret,
		api.VerificationRequest{Level: level, Purpose: purpose, Claims: claims}, &c, http.StatusCreated)
	return c
}

// qrDataURI fetches a session's QR code from its qr_url, as the relying
// party's page would, as a PNG data: URI.
func qrDataURI(t *testing.T, c api.VerificationCreated) string {
	t.Helper()
	resp, err := http.Get(c.QRURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR code at qr_url: %d %s, %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b)
}

// poll is the relying party's GET /v1/verifications/{id}.
func (rp relyingParty) poll(e *pagetest.Env, id string) api.VerificationStatus {
	e.T.Helper()
	var s api.VerificationStatus
	e.Call("GET", "/v1/verifications/"+id, "basic "+rp.id+":"+rp.secret, nil, &s, http.StatusOK)
	return s
}

// A holder opens the relying party's https link in the browser that holds
// their wallet: the link page hands the code to the Approve page in the
// fragment (never in a URL a server sees), which shows who asks, the
// level, the claims and, the relying party having a legal basis, the
// separate choice to share plaintext data, unchecked. A wrong 口令 says
// how many tries are left; the right one, with the plaintext choice
// checked, approves at the password level, and the relying party gets the
// plaintext field.
func TestApproveBySameDeviceLink(t *testing.T) {
	e := pagetest.New(t)
	b := e.Open(t)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go("/wallet")
	w := b.Seed(pagetest.NewApplicant(t))
	bank := registerRP(t, e, "bank", "《中华人民共和国反洗钱法》第二十九条", relyingparty.ClaimAgeOver18, relyingparty.ClaimName)
	c := bank.newSession(e, "password", "开立账户", relyingparty.ClaimAgeOver18, relyingparty.ClaimName)

	// The link page goes on to the Approve page by itself.
	b.Do("opening the https link", chromedp.Navigate(c.HTTPSLink), chromedp.WaitVisible(chromedp.ID("ask")))
	loc := pagetest.Eval[string](b, `return location.href;`, nil)
	if loc != e.URL+"/wallet/approve" {
		t.Errorf("the Approve page is at %q: want it without the code", loc)
	}
	for _, r := range e.Requests() {
		if strings.HasPrefix(r.URL, "/wallet/approve") && r.URL != "/wallet/approve" {
			t.Errorf("the browser asked for %q: the code reached the server in the Approve page's URL", r.URL)
		}
	}
	ask := b.MustText("#ask")
	for _, want := range []string{bank.name, "bank.example", "开立账户", "网证 + 网证口令", "是否年满 18 周岁", "该平台专用的用户标识", "反洗钱法", "姓名"} {
		if !strings.Contains(ask, want) {
			t.Errorf("the request shows %q: want %q in it", ask, want)
		}
	}
	if checked := pagetest.Eval[bool](b, `return document.getElementById("plaintext").checked;`, nil); checked {
		t.Error("the separate consent to plaintext data is checked before the holder checks it")
	}
	b.Axe("the request (zh, 360 px)")

	b.Do("a wrong 口令", chromedp.SendKeys(chromedp.ID("password"), "11111111"), chromedp.Click(chromedp.ID("approve")))
	b.WaitFor("the wrong 口令's error", pagetest.Shown("error"))
	if got := b.MustText("#error"); !strings.Contains(got, "还可以再试") {
		t.Errorf("a wrong 口令 shows %q: want the tries left", got)
	}
	if s := bank.poll(e, c.ID); s.State != api.SessionClaimed {
		t.Fatalf("after a wrong 口令 the session is %s: want it still open", s.State)
	}
	b.Axe("a wrong 口令")

	b.Do("the right 口令, sharing the plaintext field", chromedp.Click(chromedp.ID("plaintext")),
		chromedp.SendKeys(chromedp.ID("password"), w.Password), chromedp.Click(chromedp.ID("approve")))
	b.WaitFor("the result", pagetest.Shown("done"))
	if got := b.MustText("#done"); !strings.Contains(got, "已同意") || !strings.Contains(got, bank.name) || !strings.Contains(got, "bank.example") {
		t.Errorf("the result shows %q", got)
	}
	b.Axe("approved")
	s := bank.poll(e, c.ID)
	if s.State != api.SessionApproved || s.LevelReached != api.LevelPassword || !slices.Contains(s.Provided, relyingparty.ClaimName) ||
		!slices.Contains(s.Provided, relyingparty.ClaimAgeOver18) || s.Result == "" {
		t.Errorf("the relying party reads %+v: want approved at the password level with the name and age marker", s)
	}
}

// A holder scans the relying party's QR code with the camera (Chromium's
// fake camera playing the session's code) and approves without the
// plaintext choice: the relying party gets the result and the age marker,
// not the name. A second request, opened by pasting its link, is
// declined: the relying party gets nothing. A face-level one is approved
// with the 口令 and the camera.
func TestApproveByQRAndDecline(t *testing.T) {
	e := pagetest.New(t)
	bank := registerRP(t, e, "bank", "《中华人民共和国反洗钱法》第二十九条", relyingparty.ClaimAgeOver18, relyingparty.ClaimName)
	scanned := bank.newSession(e, "possession", "登录", relyingparty.ClaimAgeOver18, relyingparty.ClaimName)
	b := e.Open(t, pagetest.FakeCamera(pagetest.QRVideo(t, qrDataURI(t, scanned)))...)
	b.Go("/wallet")
	w := b.Seed(pagetest.NewApplicant(t))

	b.Go("/wallet/approve")
	b.WaitFor("the ways to open a request", pagetest.Shown("start"))
	b.Axe("the Approve page")
	b.Do("scanning", chromedp.Click(chromedp.ID("scan-start")))
	b.WaitFor("the scanned request", pagetest.Shown("ask"))
	if visible := pagetest.Eval[bool](b, `return !document.getElementById("password-box").hidden;`, nil); visible {
		t.Error("the possession level asks for the 口令")
	}
	b.Do("approving without the plaintext choice", chromedp.Click(chromedp.ID("approve")))
	b.WaitFor("the result", pagetest.Shown("done"))
	s := bank.poll(e, scanned.ID)
	if s.State != api.SessionApproved || s.LevelReached != api.LevelPossession || slices.Contains(s.Provided, relyingparty.ClaimName) ||
		!slices.Contains(s.Provided, relyingparty.ClaimAgeOver18) {
		t.Errorf("the relying party reads %+v: want approved, the age marker and no name", s)
	}

	pasted := bank.newSession(e, "possession", "绑定账户")
	b.Do("pasting the next link", chromedp.Click(chromedp.ID("done-another")), chromedp.WaitVisible(chromedp.ID("link")),
		chromedp.SendKeys(chromedp.ID("link"), pasted.Link), chromedp.Click(chromedp.ID("paste-open")))
	b.WaitFor("the pasted request", pagetest.Shown("ask"))
	b.Do("declining", chromedp.Click(chromedp.ID("decline")))
	b.WaitFor("the result", pagetest.Shown("done"))
	if got := b.MustText("#done-what"); !strings.Contains(got, "已拒绝") {
		t.Errorf("declining shows %q", got)
	}
	if s := bank.poll(e, pasted.ID); s.State != api.SessionDeclined || len(s.Provided) != 0 || s.Result != "" {
		t.Errorf("the relying party reads %+v: want declined, nothing provided", s)
	}

	// The face level: the page takes a picture and asks the platform's
	// liveness relay with a holder proof (in --dev the relay asks the dev
	// provider).
	face := bank.newSession(e, "face", "大额转账")
	b.Do("pasting a face-level link", chromedp.Click(chromedp.ID("done-another")), chromedp.WaitVisible(chromedp.ID("link")),
		chromedp.SendKeys(chromedp.ID("link"), face.HTTPSLink), chromedp.Click(chromedp.ID("paste-open")))
	b.WaitFor("the face-level request", pagetest.Shown("face-box"))
	b.Do("approving with the 口令 and the face", chromedp.SendKeys(chromedp.ID("password"), w.Password), chromedp.Click(chromedp.ID("approve")))
	b.WaitFor("the result", pagetest.Shown("done"))
	if s := bank.poll(e, face.ID); s.State != api.SessionApproved || s.LevelReached != api.LevelFace {
		t.Errorf("the relying party reads %+v: want approved at the face level", s)
	}
	relayed := 0
	for _, s := range e.Requests() {
		if s.URL == "/v1/liveness" && s.Header.Get(holder.Header) != "" {
			relayed++
		}
	}
	if relayed != 1 {
		t.Errorf("the page asked the liveness relay with a holder proof %d times, want once", relayed)
	}

	b.Do("a link of another platform", chromedp.Click(chromedp.ID("done-another")), chromedp.WaitVisible(chromedp.ID("link")),
		chromedp.SendKeys(chromedp.ID("link"), strings.Replace(pasted.Link, "127.0.0.1", "localhost", 1)), chromedp.Click(chromedp.ID("paste-open")))
	b.WaitFor("the refusal", pagetest.Shown("error"))
	if got := b.MustText("#error"); !strings.Contains(got, "另一个公共服务平台") {
		t.Errorf("another platform's link shows %q", got)
	}

	english := bank.newSession(e, "password", "Open an account", relyingparty.ClaimName)
	b.Do("English", chromedp.Click(chromedp.ID("lang-en")), chromedp.WaitReady(chromedp.CSS(`html[lang="en"] footer`)),
		chromedp.WaitVisible(chromedp.ID("link")), chromedp.SendKeys(chromedp.ID("link"), english.Link), chromedp.Click(chromedp.ID("paste-open")))
	b.WaitFor("the request in English", pagetest.Shown("ask"))
	if got := b.MustText("#ask"); !strings.Contains(got, "Who asks") || !strings.Contains(got, "Separate consent") {
		t.Errorf("the English request shows %q", got)
	}
	b.Axe("the request (en)")
	b.Do("declining", chromedp.Click(chromedp.ID("decline")))
	b.WaitFor("the result", pagetest.Shown("done"))
	b.Axe("declined (en)")
}

// Without a wallet in this browser the link page stays: the netid://
// link for another wallet, and the way to apply.
func TestLinkPageWithoutWallet(t *testing.T) {
	e := pagetest.New(t)
	bank := registerRP(t, e, "bank", "")
	c := bank.newSession(e, "possession", "登录")
	b := e.Open(t)
	b.Do("opening the https link", chromedp.Navigate(c.HTTPSLink), chromedp.WaitVisible(chromedp.ID("link-apply")))
	if got := b.MustText("#wallet-link"); got != c.Link {
		t.Errorf("the link page shows %q, want %q", got, c.Link)
	}
	if loc := pagetest.Eval[string](b, `await wallet.profile(); await new Promise((r) => setTimeout(r, 100)); return location.pathname;`, nil); loc != "/wallet/verify" {
		t.Errorf("without a wallet the browser went to %s", loc)
	}
}
