package webwallet_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verifierdevice"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// hotelDesk is a hotel's enrolled verifier terminal, driven from Go.
type hotelDesk struct {
	t   *testing.T
	url string
	id  string
	key *ecdsa.PrivateKey
}

func newHotelDesk(t *testing.T, e *pagetest.Env) hotelDesk {
	t.Helper()
	if _, _, err := e.P.Registry.Register(context.Background(), relyingparty.Registration{
		ID: "hotel-full", Name: "实名测试酒店", Category: storage.CategoryInPerson, LegalBasis: "hotel: 《旅馆业治安管理办法》第六条",
		Domains: []string{"hotel-full.example"}, AllowedClaims: []string{"name", "document_number", "photo"}, AuthMethod: storage.AuthClientSecret,
	}); err != nil {
		t.Fatal(err)
	}
	added, err := e.P.Server.Verifiers.Add(context.Background(), "hotel-full", "前台 2")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	proof, _ := verifierdevice.EnrolProof(key, added.Code, e.URL, time.Now())
	d, err := e.P.Server.Verifiers.Enrol(context.Background(), proof)
	if err != nil {
		t.Fatal(err)
	}
	return hotelDesk{t: t, url: e.URL, id: d.ID, key: key}
}

func (d hotelDesk) call(method, path string, body, out any) {
	d.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	proof, err := verifierdevice.Sign(d.key, d.id, method, d.url+path, b, time.Now())
	if err != nil {
		d.t.Fatal(err)
	}
	req, _ := http.NewRequest(method, d.url+path, bytes.NewReader(b))
	req.Header.Set(verifierdevice.Header, proof)
	if b != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		d.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		d.t.Fatal(err)
	}
}

// TestEIDFullDataPage: while the eID card's code is shown, a hotel's
// terminal asks for the full data; the page shows who asks, under which
// law, and exactly the name and number it would receive; the holder
// agrees with the 口令 (refused without it), and the hotel receives them
// once; a second request is declined with its button.
func TestEIDFullDataPage(t *testing.T) {
	e := pagetest.New(t)
	b := e.Open(t)
	b.Go("/wallet")
	w := b.Seed(pagetest.NewApplicant(t))
	desk := newHotelDesk(t, e)

	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go("/wallet/eid")
	b.WaitFor("the form to add the card", pagetest.Shown("add-form"))
	b.Do("adding the card", chromedp.SendKeys(chromedp.ID("add-password"), w.Password),
		chromedp.SendKeys(chromedp.ID("add-usage"), "135790"), chromedp.SendKeys(chromedp.ID("add-usage-again"), "135790"),
		chromedp.Click(chromedp.ID("add-submit")))
	b.WaitFor("the card", pagetest.Shown("card"))
	b.Do("showing the code", chromedp.Click(chromedp.ID("show-code")))
	b.WaitFor("the code", `Number(document.getElementById("qr").dataset.seq || "0") >= 1`)

	used := ""
	check := func() string {
		t.Helper()
		code := ""
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if code = holderPageReadQR(b, "qr").Text; strings.HasPrefix(code, "NETIDEID1.") && code != used {
				break
			}
		}
		used = code
		var res api.EIDResult
		desk.call("POST", "/v1/eid/verify", map[string]any{"payload": code, "full_data": true}, &res)
		if res.FullDataRequest == nil {
			t.Fatalf("no full-data request: %+v", res)
		}
		return res.FullDataRequest.ID
	}
	id := check()
	b.WaitFor("the request on the holder's page", pagetest.Shown("full"))
	got := b.MustText("#full")
	for _, want := range []string{"实名测试酒店", "旅馆业治安管理办法", "前台 2", w.Identity.Name, w.Identity.Number} {
		if !strings.Contains(got, want) {
			t.Errorf("the request shows %q, without %q", got, want)
		}
	}
	holderPageAxe(t, b, "eid full-data request zh 360")

	// Without the 口令: not sent.
	b.Do("agreeing without the 口令", chromedp.Click(chromedp.ID("full-approve")))
	b.WaitFor("the refusal", pagetest.Shown("full-error"))
	if got := b.MustText("#full-error"); !strings.Contains(got, "8 位网证口令") {
		t.Errorf("without the 口令: %q", got)
	}
	var fd api.EIDFullData
	desk.call("GET", "/v1/eid/full-data/"+id, nil, &fd)
	if fd.State != api.EIDFullDataPending {
		t.Fatalf("before the holder agrees: %+v", fd)
	}
	b.Do("agreeing", chromedp.SendKeys(chromedp.ID("full-password"), w.Password), chromedp.Click(chromedp.ID("full-approve")))
	b.WaitFor("the agreement", pagetest.Shown("full-done"))
	if got := b.MustText("#full-done"); !strings.Contains(got, "已同意") {
		t.Errorf("after agreeing: %q", got)
	}
	if strings.Contains(b.MustText("main"), w.Identity.Number) && pagetest.Eval[bool](b, `return document.getElementById("full-number").textContent !== "";`, nil) {
		t.Error("the full number stays shown after the answer")
	}
	fd = api.EIDFullData{}
	desk.call("GET", "/v1/eid/full-data/"+id, nil, &fd)
	if fd.State != api.EIDFullDataProvided || fd.Name != w.Identity.Name || fd.DocumentNumber != w.Identity.Number {
		t.Fatalf("the hotel receives %+v", fd)
	}

	// Declined.
	b.Do("showing the code again", chromedp.Click(chromedp.ID("show-code")))
	id = check()
	b.WaitFor("the second request", pagetest.Shown("full-form"))
	b.Do("declining", chromedp.Click(chromedp.ID("full-decline")))
	b.WaitFor("the refusal sent", pagetest.Shown("full-done"))
	if got := b.MustText("#full-done"); !strings.Contains(got, "已拒绝") {
		t.Errorf("after declining: %q", got)
	}
	fd = api.EIDFullData{}
	desk.call("GET", "/v1/eid/full-data/"+id, nil, &fd)
	if fd.State != api.EIDFullDataDeclined || fd.Name != "" {
		t.Fatalf("after the decline the hotel gets %+v", fd)
	}
}
