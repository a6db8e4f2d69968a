package webwallet_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/counter"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// A counter read the chip and checked the face; the person opens the
// hand-over link the counter's terminal showed on their own phone, and the
// Apply page goes on from the phone step (no document file is asked for:
// the counter read it), at a phone's width, to a credential held in this
// browser with the 网号 the counter's proofing gave the person.
func TestApplyPageFromCounter(t *testing.T) {
	e := pagetest.New(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := jose.JSONWebKey{Key: &key.PublicKey}.MarshalJSON()
	reg := &counter.Registry{Store: e.P.Store}
	if _, err := reg.Add(context.Background(), counter.Registration{ID: "hall-1", Name: "政务服务大厅", Kind: counter.KindServiceHall, LegalBasis: "law", Key: pub}); err != nil {
		t.Fatal(err)
	}
	a := pagetest.NewApplicant(t)
	hash := sha256.Sum256(a.Face)
	now := time.Now()
	sub, err := counter.Sign(key, counter.Claims{
		Issuer: "hall-1", Audience: e.URL, IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Minute).Unix(),
		ID: "page-test-submission-1", DocumentType: a.Identity.Type, Chip: e.Chip(a),
		Face:   counter.Face{Result: counter.FaceMatch, Score: 0.97, ImageHash: base64.RawURLEncoding.EncodeToString(hash[:])},
		Finish: counter.FinishWallet,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got api.CounterApplication
	e.Call("POST", "/v1/counter/applications", "", map[string]any{"submission": sub}, &got, http.StatusCreated)
	path, ok := strings.CutPrefix(got.HandoverLink, e.URL)
	if !ok {
		t.Fatalf("hand-over link %q is not on the platform %s", got.HandoverLink, e.URL)
	}

	b := e.Open(t)
	b.Do("a phone's width", chromedp.EmulateViewport(360, 800))
	b.Go(path)
	applyVisible(b, "the phone step", "step-phone")
	if h := pagetest.Eval[string](b, `return location.href;`, nil); strings.Contains(h, got.Token) {
		t.Fatalf("the address bar keeps the link's token: %s", h)
	}
	if pagetest.Eval[bool](b, `return !!document.getElementById("step-chip-file");`, nil) {
		t.Fatal("the page asks for the document the counter read")
	}
	applyAxe(b, "the phone step after a counter")
	code := applyPhone(b, a.Phone)
	b.Do("typing the code", chromedp.SendKeys(chromedp.ID("step-code"), code), chromedp.Click(chromedp.ID("step-code-submit")))
	applyPassword(b, a.Password)
	applyVisible(b, "the device step", "device-go")
	b.Do("using the credential here", chromedp.Click(chromedp.ID("device-go")))
	applyVisible(b, "the result", "done")
	shown := applyShownWanghao(b)

	recs, err := e.P.Store.ListRecords(context.Background(), 0, 10)
	if err != nil || len(recs) != 1 || recs[0].RPID != "hall-1" {
		t.Fatalf("records %+v %v, want the counter application's", recs, err)
	}
	p, err := e.P.Store.GetPerson(context.Background(), recs[0].PersonID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Wanghao != shown {
		t.Fatalf("the page shows 网号 %s, the counter's proofing gave %s", shown, p.Wanghao)
	}
	acct := pagetest.Eval[map[string]any](b, `return await wallet.holderApi("GET", "/v1/holder/account");`, nil)
	if acct["status"] != "active" {
		t.Fatalf("the platform's account of the holder: %v", acct)
	}
}
