package server

import (
	"html/template"
	"net/http"

	"github.com/netid-project/netid/internal/deeplink"
	"github.com/netid-project/netid/internal/httpx"
)

// walletPage is the landing page of the https form of a wallet link
// (<platform>/wallet/verify?code=…), opened on a device where the wallet
// app did not take the link: it shows the netid:// link and how to answer
// it with the reference wallet.
var walletPage = template.Must(template.New("wallet").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>netid 网络身份认证</title>
<style>a,code{overflow-wrap:anywhere;word-break:break-all}</style></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem">
<h1>用网证核验 · Verify with your network credential</h1>
<p>打开 netid 钱包以查看并批准此核验请求。Open this link in your netid wallet to see and answer the request:</p>
<p><a id="wallet-link" href="{{.LinkURL}}">{{.Link}}</a></p>
<p>With the reference wallet: <code id="wallet-command">netid wallet approve '{{.Link}}'</code></p>
</body></html>`))

func (s *Server) walletLanding(w http.ResponseWriter, r *http.Request) error {
	link, err := deeplink.Parse(s.PublicURL + r.URL.RequestURI())
	if err != nil {
		return httpx.New(http.StatusBadRequest, "invalid-link", "Invalid link", "this is not a valid netid wallet link")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	// html/template lets only http, https and mailto URLs into an href
	// (anything else becomes #ZgotmplZ); this netid:// link was parsed and
	// rebuilt by deeplink, so it is safe to mark as a URL.
	return walletPage.Execute(w, map[string]any{"Link": link.String(), "LinkURL": template.URL(link.String())})
}
