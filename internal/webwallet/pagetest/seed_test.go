package pagetest

import (
	"strings"
	"testing"
)

// TestSeedAndHome seeds a wallet in a browser and checks that the home
// screen reads it back from the platform with the browser's holder proof.
func TestSeedAndHome(t *testing.T) {
	e := New(t)
	b := e.Open(t)
	b.Go("/wallet")
	b.WaitFor("the home screen without a wallet", `!document.getElementById("none").hidden`)
	w := b.Seed(NewApplicant(t))
	b.Go("/wallet")
	b.WaitFor("the home screen with the wallet", `document.getElementById("status").textContent !== ""`)
	got, err := b.Text("#mine")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, w.Wanghao[:4]) || !strings.Contains(got, w.Wanghao[12:]) || strings.Contains(got, w.Wanghao) {
		t.Errorf("home shows %q: want the masked 网号 of %s", got, w.Wanghao)
	}
	if !strings.Contains(got, "正常") {
		t.Errorf("home shows %q: want the status active in Chinese", got)
	}
}
