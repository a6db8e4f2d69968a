package rp_test

import (
	"fmt"
	"slices"
	"time"
)

// exampleTB runs the fake platform outside a test: failures panic, and
// cleanups run when the example stops the platform.
type exampleTB struct{ cleanups []func() }

func (*exampleTB) Helper()            {}
func (*exampleTB) Fatal(args ...any)  { panic(fmt.Sprint(args...)) }
func (e *exampleTB) Cleanup(f func()) { e.cleanups = append(e.cleanups, f) }

// wallet is the holder's side in the examples.
type wallet struct {
	h *holder
	t tb
}

// Present presents the wallet's 网证 to a relying party, disclosing the
// named claims.
func (w wallet) Present(audience, nonce string, disclose ...string) string {
	return w.h.present(w.t, audience, nonce, time.Now(), disclose...)
}

// startDemoPlatform starts a fake netid platform on the real clock and
// issues a 网证 to a wallet. stop shuts the platform down.
func startDemoPlatform() (platformURL string, w wallet, stop func()) {
	e := &exampleTB{}
	p := newPlatform(e, &clock{t: time.Now()})
	w = wallet{h: p.issue(e, 1, nil), t: e}
	return p.URL, w, func() {
		for _, f := range slices.Backward(e.cleanups) {
			f()
		}
	}
}
