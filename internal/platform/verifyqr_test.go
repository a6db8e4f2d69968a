package platform_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
)

// qrPath is the path and query of a session's QR code URL.
func (e *env) qrPath(t *testing.T, qrURL string) string {
	t.Helper()
	p, ok := strings.CutPrefix(qrURL, e.url)
	if !ok || !strings.HasPrefix(p, "/v1/verifications/") {
		t.Fatalf("QR code URL %q is not on the platform %s", qrURL, e.url)
	}
	return p
}

// decodeQR reads the one QR code of a PNG image.
func decodeQR(t *testing.T, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	return res.GetText()
}

var maxAge = regexp.MustCompile(`(?:^|,\s*)max-age=(\d+)`)

// The session create answer carries the links and where the QR code is
// rendered, not the image; the QR code URL renders, on demand and without
// client authentication, a PNG of the netid:// link, cached until the
// session expires.
func TestVerificationQRCodeOnDemand(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		shop := e.register("shop", "", "", "age_over_18")
		r := must(t, e.rpCall(shop, "POST", "/v1/verifications", map[string]any{"purpose": "购买需年满18岁的商品"}), http.StatusCreated)
		var raw map[string]any
		r.json(t, &raw)
		if _, ok := raw["qr"]; ok {
			t.Fatalf("the create answer still carries an image: %s", r.body)
		}
		var c created
		r.json(t, &c)
		path := e.qrPath(t, c.QRURL)

		img := must(t, e.raw("GET", path, nil, nil), http.StatusOK)
		if ct := img.header.Get("Content-Type"); ct != "image/png" {
			t.Fatalf("Content-Type %q", ct)
		}
		if got := decodeQR(t, img.body); got != c.Link {
			t.Fatalf("the QR code reads %q, want the link %q", got, c.Link)
		}
		cc := img.header.Get("Cache-Control")
		m := maxAge.FindStringSubmatch(cc)
		if !strings.Contains(cc, "private") || !strings.Contains(cc, "immutable") || m == nil {
			t.Fatalf("Cache-Control %q", cc)
		}
		if age, _ := strconv.Atoi(m[1]); age <= 0 || time.Duration(age)*time.Second > c.ExpiresAt.Sub(e.clock.Now())+time.Second {
			t.Fatalf("max-age %s, the session expires at %s", m[1], c.ExpiresAt)
		}
		if corp := img.header.Get("Cross-Origin-Resource-Policy"); corp != "cross-origin" {
			t.Fatalf("Cross-Origin-Resource-Policy %q: the relying party's page could not show it", corp)
		}
		etag := img.header.Get("ETag")
		if etag == "" || strings.Contains(etag, c.Code) {
			t.Fatalf("ETag %q (empty, or it carries the code)", etag)
		}
		again := must(t, e.raw("GET", path, nil, map[string]string{"If-None-Match": etag}), http.StatusNotModified)
		if len(again.body) != 0 {
			t.Fatalf("304 with a body: %q", again.body)
		}

		id, _, _ := strings.Cut(strings.TrimPrefix(path, "/v1/verifications/"), "/")
		for name, p := range map[string]string{
			"wrong code":      strings.Replace(path, "code=", "code=x", 1),
			"no code":         "/v1/verifications/" + id + "/qr",
			"unknown session": "/v1/verifications/00000000-0000-0000-0000-000000000000/qr?code=" + c.Code,
		} {
			if typ := e.raw("GET", p, nil, nil).problemType(t); typ != "session-not-found" {
				t.Errorf("%s: problem %q, want session-not-found", name, typ)
			}
		}

		e.clock.Advance(c.ExpiresAt.Sub(e.clock.Now()) + time.Hour)
		res := e.raw("GET", path, nil, nil)
		if typ := res.problemType(t); typ != "session-expired" || res.status != http.StatusGone {
			t.Fatalf("expired session's QR code: %d %s", res.status, typ)
		}
	})
}

// An answered session's QR code is no longer served: there is nothing left
// to scan.
func TestVerificationQRCodeOfEndedSession(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	shop := e.register("shop", "", "", "age_over_18")
	c := e.newSession(shop, map[string]any{"purpose": "登录"})
	must(t, e.open(h, c.Code), http.StatusOK)
	must(t, e.answer(h, c.Code, map[string]any{"decision": "approve"}), http.StatusOK)
	res := e.raw("GET", e.qrPath(t, c.QRURL), nil, nil)
	if typ := res.problemType(t); typ != "session-closed" {
		t.Fatalf("answered session's QR code: %d %s", res.status, typ)
	}
	var p map[string]any
	json.Unmarshal(res.body, &p)
	if d, _ := p["detail"].(string); strings.Contains(d, c.Code) {
		t.Fatalf("the problem carries the code: %s", res.body)
	}
}
