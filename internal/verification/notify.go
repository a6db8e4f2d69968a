package verification

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
)

// HTTPNotifier posts a session's outcome to the relying party's callback
// URL: {"id", "state", "result"} where result is the signed result JWT of
// an approved session (the relying party verifies it like a polled one).
// Delivery is asynchronous, with three attempts; polling stays the
// authoritative way to learn the outcome.
type HTTPNotifier struct {
	Service *Service
	Client  *http.Client
	Log     *slog.Logger
	// Backoff is the wait between attempts (default 2 s, doubling).
	Backoff time.Duration

	wg sync.WaitGroup
}

// CallbackBody is what the callback receives.
type CallbackBody struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	Result string `json:"result,omitempty"`
}

// Notify sends the session's outcome in the background.
func (n *HTTPNotifier) Notify(rp storage.RelyingParty, s storage.Session) {
	result, err := n.Service.ResultJWT(s)
	if err != nil {
		n.Log.Error("callback: opening the result", "session", s.ID, "err", err)
		return
	}
	body, err := json.Marshal(CallbackBody{ID: s.ID, State: string(s.State), Result: result})
	if err != nil {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		wait := n.Backoff
		if wait == 0 {
			wait = 2 * time.Second
		}
		for attempt := 1; attempt <= 3; attempt++ {
			if n.post(s.CallbackURL, body) {
				return
			}
			if attempt < 3 {
				time.Sleep(wait)
				wait *= 2
			}
		}
		n.Log.Warn("callback: not delivered after 3 attempts", "session", s.ID, "rp", rp.ID)
	}()
}

func (n *HTTPNotifier) post(url string, body []byte) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
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

// Wait waits for callbacks in flight (shutdown and tests).
func (n *HTTPNotifier) Wait() { n.wg.Wait() }
