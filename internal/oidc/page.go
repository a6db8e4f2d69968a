package oidc

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/deeplink"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/qr"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
)

// pageCSP is the authorization page's Content-Security-Policy: no inline
// script or style, the QR code as a data: image, script, style and the
// status poll from this origin only.
const pageCSP = "default-src 'none'; img-src data:; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<link rel="stylesheet" href="{{.Assets}}page.css">
{{- if .Refresh}}
<noscript><meta http-equiv="refresh" content="{{.Refresh}}"></noscript>
<script src="{{.Assets}}poll.js" data-status="{{.Status}}" data-interval="{{.PollMillis}}" defer></script>
{{- end}}
</head>
<body>
<main>
{{- if .Error}}
<h1>{{.Title}}</h1>
<p class="error">{{.Error}}</p>
<p>Return to the site you came from and start again. 请返回原网站重新开始。</p>
{{- else}}
<h1>使用网号登录 · Sign in with netid</h1>
<section class="rp">
<p class="name">{{.RPName}}</p>
{{- range .Domains}}<p class="domain">{{.}}</p>{{end}}
<p class="purpose">{{.Purpose}}</p>
</section>
<section class="claims">
<p>Asks for · 请求的信息:</p>
<ul>
<li>a verified sign-in and a pseudonymous identifier · 核验结果与假名标识</li>
{{- range .Claims}}<li>{{.}}</li>{{end}}
</ul>
<p>Level · 等级: {{.Level}}</p>
</section>
{{- with .Alt}}
<section class="alt" id="alternative">
<h2>{{.Heading}}</h2>
<p>{{.Lead}}</p>
{{- if .Text}}
<p class="alt-text">{{.Text}}</p>
{{- end}}
{{- if .URL}}
<p><a class="alt-link" href="{{.URL}}" rel="noopener noreferrer">{{.Link}}</a></p>
{{- end}}
</section>
{{- end}}
<section class="qr">
<img src="{{.QR}}" alt="QR code of the netid link">
<p>Scan with your netid wallet, or run <code class="command">netid wallet approve '{{.Link}}'</code>. 请用网号钱包扫码。</p>
<p class="link"><a href="{{.LinkURL}}">{{.Link}}</a></p>
<p class="same-device"><a href="{{.HTTPS}}">Open the wallet on this device · 在本设备打开钱包</a></p>
</section>
<p class="status">Waiting for your approval in the wallet… This page moves on by itself. 等待钱包确认……</p>
<p class="expires">Expires at · 有效期至 {{.Expires}}</p>
<form method="post" action="{{.Cancel}}"><button type="submit">Cancel · 取消</button></form>
{{- end}}
</main>
</body>
</html>
`))

type pageData struct {
	Title      string
	Assets     string
	Refresh    int
	Status     string
	PollMillis int64
	Error      string

	RPName  string
	Domains []string
	Purpose string
	Claims  []string
	Level   string
	QR      template.URL
	Link    string
	LinkURL template.URL
	HTTPS   string
	Expires string
	Cancel  string
	Alt     *altData
}

// altData is the relying party's other way in for people who do not use a
// 网号, its words from the catalogue in Chinese and then English, as the
// rest of the page.
type altData struct {
	Heading, Lead, Text, URL, Link string
}

// both is key in Chinese, then English.
func both(key i18n.Key, args ...any) string {
	return i18n.Lookup(i18n.Chinese, key, args...) + " · " + i18n.Lookup(i18n.English, key, args...)
}

func newAltData(rp storage.RelyingParty) *altData {
	if rp.AltURL == "" && rp.AltText == "" {
		return nil
	}
	return &altData{
		Heading: both(i18n.KeyOIDCAltHeading), Lead: both(i18n.KeyOIDCAltLead, rp.Name),
		Text: rp.AltText, URL: rp.AltURL, Link: both(i18n.KeyOIDCAltLink),
	}
}

func (p *Provider) renderWaiting(w http.ResponseWriter, r *http.Request, sess storage.Session, ar authRequest, code string) {
	rp, err := p.Store.GetRelyingParty(r.Context(), sess.RPID)
	if err != nil {
		p.errorPage(w, r, http.StatusInternalServerError, err)
		return
	}
	if code == "" || !base64url(code) {
		p.errorPage(w, r, http.StatusForbidden, ErrBrowser)
		return
	}
	link := deeplink.Link{Action: deeplink.ActionVerify, Platform: p.Issuer, Code: code}
	img, err := qr.DataURI(link.String(), 4)
	if err != nil {
		p.errorPage(w, r, http.StatusInternalServerError, err)
		return
	}
	claims := append([]string(nil), ar.IDToken...)
	for _, c := range ar.Userinfo {
		if !contains(claims, c) {
			claims = append(claims, c)
		}
	}
	for i, c := range claims {
		if plaintextClaim(c) {
			claims[i] = c + " (plaintext, only with your separate consent · 明文，需单独同意)"
		}
	}
	base := PathAuthorize + "/" + sess.ID
	refresh := int((p.pollInterval() + time.Second - 1) / time.Second)
	p.render(w, http.StatusOK, pageData{
		Title:      "Sign in to " + rp.Name + " with netid",
		Assets:     PathAssets,
		Refresh:    refresh,
		Status:     base + "/status",
		PollMillis: p.pollInterval().Milliseconds(),
		RPName:     rp.Name,
		Domains:    rp.Domains,
		Purpose:    sess.Purpose,
		Claims:     claims,
		Level:      verification.Level(sess.Level).ACR(),
		QR:         template.URL(img), // a data:image URI from package qr
		Link:       link.String(),
		LinkURL:    template.URL(link.String()), // our own netid:// link
		HTTPS:      link.HTTPS(),
		Expires:    sess.ExpiresAt.In(document.Zone).Format("2006-01-02 15:04:05 MST"),
		Cancel:     base + "/cancel",
		Alt:        newAltData(rp),
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// errorPage shows an error the relying party must not receive (unknown
// client, unregistered redirect_uri, another browser). Unknown errors are
// logged and shown generically.
func (p *Provider) errorPage(w http.ResponseWriter, r *http.Request, status int, err error) {
	msg := "The sign-in request cannot be completed. 登录请求无法完成。"
	var e *Error
	switch {
	case errors.As(err, &e):
		msg = e.Description
	case errors.Is(err, ErrUnknownClient), errors.Is(err, ErrRedirectURI), errors.Is(err, ErrInvalidRequest),
		errors.Is(err, ErrBrowser), errors.Is(err, ErrCompleted):
		msg = err.Error()
	default:
		status = http.StatusInternalServerError
		p.log().ErrorContext(r.Context(), "oidc: authorization page", "err", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	p.render(w, status, pageData{Title: "Sign-in error · 登录出错", Assets: PathAssets, Error: msg})
}

func (p *Provider) render(w http.ResponseWriter, status int, d pageData) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, d); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// pollScript polls the status URL named by its script element and reloads
// the page once the holder answered (the page then redirects).
const pollScript = `(function () {
  "use strict";
  var el = document.currentScript;
  var url = el.getAttribute("data-status");
  var every = parseInt(el.getAttribute("data-interval"), 10) || 2000;
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.done || s.error) { window.location.reload(); } else { setTimeout(poll, every); }
      })
      .catch(function () { setTimeout(poll, every * 2); });
  }
  setTimeout(poll, every);
})();
`

const pageCSS = `body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
main{max-width:28rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.75rem}
h1{font-size:1.25rem}.rp .name{font-size:1.1rem;font-weight:600}.rp .domain{color:#555;margin:.2rem 0}
.qr img{width:100%;max-width:18rem;image-rendering:pixelated;display:block;margin:1rem auto}
.link{word-break:break-all;font-size:.8rem}code{word-break:break-all}.error{color:#a30000}
.alt{border-top:1px solid #dde;margin-top:1rem}.alt h2{font-size:1.05rem}
.status{font-weight:600}.expires{color:#555;font-size:.9rem}
`

// asset serves the page's script and stylesheet.
func (p *Provider) asset(w http.ResponseWriter, r *http.Request) {
	var body, typ string
	switch r.PathValue("name") {
	case "poll.js":
		body, typ = pollScript, "text/javascript; charset=utf-8"
	case "page.css":
		body, typ = pageCSS, "text/css; charset=utf-8"
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write([]byte(strings.TrimSpace(body) + "\n"))
}
