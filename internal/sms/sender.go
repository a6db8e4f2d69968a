package sms

import (
	"bytes"
	"container/list"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Message is one SMS.
type Message struct {
	// To is the recipient in E.164 form.
	To   string
	Text string
}

// Sender delivers messages. Send returns once the message was handed to the
// delivery channel; an error means it may not have been.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// maxOutboxNumbers bounds how many numbers an Outbox remembers; the number
// written to least recently is forgotten first.
const maxOutboxNumbers = 1024

// Outbox is the development sender: it delivers nothing and keeps the last
// messages per number in memory, so the development server can show them.
// It is bounded (perNumber messages for each of at most 1024 numbers) and
// safe for concurrent use. Never use it in production: it holds codes.
type Outbox struct {
	mu        sync.Mutex
	perNumber int
	byNumber  map[string]*list.Element // value: *outboxEntry
	order     *list.List               // front: most recently written
}

type outboxEntry struct {
	to   string
	msgs []Message
}

var _ Sender = (*Outbox)(nil)

// NewOutbox returns an Outbox keeping the last perNumber messages (at least
// one) for each number.
func NewOutbox(perNumber int) *Outbox {
	return &Outbox{perNumber: max(perNumber, 1), byNumber: map[string]*list.Element{}, order: list.New()}
}

// Send records m.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sms: outbox: %w", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	el, ok := o.byNumber[m.To]
	if !ok {
		el = o.order.PushFront(&outboxEntry{to: m.To})
		o.byNumber[m.To] = el
		if o.order.Len() > maxOutboxNumbers {
			oldest := o.order.Back()
			o.order.Remove(oldest)
			delete(o.byNumber, oldest.Value.(*outboxEntry).to)
		}
	} else {
		o.order.MoveToFront(el)
	}
	e := el.Value.(*outboxEntry)
	e.msgs = append(e.msgs, m)
	if len(e.msgs) > o.perNumber {
		e.msgs = append([]Message(nil), e.msgs[len(e.msgs)-o.perNumber:]...)
	}
	return nil
}

// Latest returns the last message sent to the number to.
func (o *Outbox) Latest(to string) (Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	el, ok := o.byNumber[to]
	if !ok {
		return Message{}, false
	}
	msgs := el.Value.(*outboxEntry).msgs
	return msgs[len(msgs)-1], true
}

// Messages returns the kept messages sent to the number to, oldest first.
func (o *Outbox) Messages(to string) []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	el, ok := o.byNumber[to]
	if !ok {
		return nil
	}
	return append([]Message(nil), el.Value.(*outboxEntry).msgs...)
}

// ErrGateway is returned by WebhookSender when the gateway cannot be reached
// or does not accept the message.
var ErrGateway = errors.New("sms: gateway did not accept the message")

// Webhook headers.
const (
	// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the body>".
	SignatureHeader = "X-Netid-Signature"
	// TimestampHeader carries the sending time in Unix seconds; the same
	// value is the body's "timestamp", so it is covered by the signature.
	TimestampHeader = "X-Netid-Timestamp"
)

// maxGatewayResponse bounds how much of the gateway's response is read.
const maxGatewayResponse = 64 << 10

// defaultWebhookTimeout applies when WebhookSender.Client is nil.
const defaultWebhookTimeout = 15 * time.Second

// WebhookSender hands messages to a real SMS gateway: it POSTs JSON
//
//	{"to": "+8613812345678", "text": "…", "timestamp": 1752544800}
//
// to URL with the headers X-Netid-Signature ("sha256=" and the hex
// HMAC-SHA256 of the exact body under Secret) and X-Netid-Timestamp (the
// same Unix time as the body's timestamp). The gateway should check the
// signature in constant time and reject stale timestamps; because the
// timestamp is inside the signed body, it cannot be altered to replay an
// old request. Any status other than 2xx is an error.
type WebhookSender struct {
	URL    string
	Secret []byte
	// Client is the HTTP client; nil means a client with a 15 s timeout.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

var _ Sender = (*WebhookSender)(nil)

type webhookBody struct {
	To        string `json:"to"`
	Text      string `json:"text"`
	Timestamp int64  `json:"timestamp"`
}

// Sign returns the X-Netid-Signature value for body under secret; gateways
// written in Go can use it to check requests (with hmac.Equal).
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Send posts m to the gateway. Errors wrap ErrGateway and carry the HTTP
// status, never the message, the number or the response body.
func (w *WebhookSender) Send(ctx context.Context, m Message) error {
	if len(w.Secret) == 0 {
		return fmt.Errorf("%w: webhook secret not configured", ErrGateway)
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := now().Unix()
	body, err := json.Marshal(webhookBody{To: m.To, Text: m.Text, Timestamp: ts})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrGateway, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrGateway, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(w.Secret, body))
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: defaultWebhookTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrGateway, err)
	}
	defer resp.Body.Close()
	// Drain a bounded amount so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxGatewayResponse))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%w: HTTP status %d", ErrGateway, resp.StatusCode)
	}
	return nil
}
