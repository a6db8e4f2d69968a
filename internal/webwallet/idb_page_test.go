package webwallet_test

import (
	"strconv"
	"testing"

	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// A person without a wallet who leaves a page at once for the next (a
// quick tap on the next section) still gets the next page. A page that
// created the wallet's database as it read it could be left while
// creating it, and Chromium then kept every later open of a fresh profile
// waiting forever (about one try in twelve here); pages that only read do
// not create it. Twelve fresh profiles, each leaving the home page at
// once.
func TestLeavingAPageWhileItOpensTheWallet(t *testing.T) {
	e := pagetest.New(t)
	for i := range 12 {
		b := e.Open(t)
		b.Go("/wallet")
		b.Go("/wallet/settings")
		b.WaitFor("the settings page after leaving the home page at once (try "+strconv.Itoa(i+1)+")", `document.documentElement.dataset.ready === "1"`)
	}
}
