package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
)

var _ verification.Notifier = (*HTTPNotifier)(nil)

// HTTPNotifier posts a session's outcome to the relying party's callback
// URL (verification.Notifier): an api.VerificationCallback, whose result is
// the signed result JWT of an approved session (the relying party verifies
// it like a polled one).
// Delivery is asynchronous, with three attempts; polling stays the
// authoritative way to learn the outcome. Close stops the attempts still
// waiting and waits for those in flight.
type HTTPNotifier struct {
	Client *http.Client
	Log    *slog.Logger
	// Backoff is the wait between attempts (default 2 s, doubling).
	Backoff time.Duration
	// After waits between attempts; nil means time.After. Tests replace
	// it so that no test waits on the wall clock.
	After func(time.Duration) <-chan time.Time

	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// attempts is how many times a callback is tried.
const attempts = 3

func (n *HTTPNotifier) init() {
	n.once.Do(func() { n.ctx, n.cancel = context.WithCancel(context.Background()) })
}

// Notify sends the session's outcome, with result (the signed result JWT
// of an approved session, or ""), in the background.
func (n *HTTPNotifier) Notify(rp storage.RelyingParty, s storage.Session, result string) {
	n.init()
	body, err := json.Marshal(verificationCallback(s, result))
	if err != nil {
		return
	}
	if n.ctx.Err() != nil {
		return // closed
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		wait := n.Backoff
		if wait == 0 {
			wait = 2 * time.Second
		}
		after := n.After
		if after == nil {
			after = time.After
		}
		for attempt := 1; attempt <= attempts; attempt++ {
			if n.post(n.ctx, s.CallbackURL, body) {
				return
			}
			if attempt == attempts {
				break
			}
			select {
			case <-after(wait):
				wait *= 2
			case <-n.ctx.Done():
				n.log().Warn("callback: not delivered before shutdown", "session", s.ID, "rp", rp.ID, "attempts", attempt)
				return
			}
		}
		n.log().Warn("callback: not delivered", "session", s.ID, "rp", rp.ID, "attempts", attempts)
	}()
}

func (n *HTTPNotifier) log() *slog.Logger {
	if n.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return n.Log
}

func (n *HTTPNotifier) post(ctx context.Context, url string, body []byte) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	client := n.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}

// Wait waits for the callbacks in flight (tests).
func (n *HTTPNotifier) Wait() { n.wg.Wait() }

// Close cancels the callbacks still being tried (a post in flight is
// aborted, a wait between attempts ends) and waits for them to stop.
// Notify after Close sends nothing.
func (n *HTTPNotifier) Close() {
	n.init()
	n.cancel()
	n.wg.Wait()
}
