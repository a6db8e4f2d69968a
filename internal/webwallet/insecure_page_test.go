package webwallet_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// Opened over plain http under a name that is not this computer's (as a
// phone on the local network would), a page is no secure context: the
// browser gives it no WebCrypto and no camera. The wallet's pages say so,
// and what to do, before anything else fails.
func TestInsecureContextSaysSo(t *testing.T) {
	e := pagetest.New(t)
	u, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	b := e.Open(t, append(pagetest.FakeCamera(""), chromedp.Flag("host-resolver-rules", "MAP wallet.test 127.0.0.1"))...)
	b.Do("opening the wallet as wallet.test", chromedp.Navigate("http://wallet.test:"+u.Port()+"/wallet/apply"),
		chromedp.WaitReady(chromedp.CSS("footer")))
	b.WaitFor("the insecure page's message", pagetest.Shown("error"))
	if got := b.MustText("#error"); !strings.Contains(got, "安全连接") || !strings.Contains(got, "https") {
		t.Errorf("the page says %q", got)
	}
}
