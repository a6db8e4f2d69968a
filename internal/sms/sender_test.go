package sms

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOutbox(t *testing.T) {
	o := NewOutbox(2)
	ctx := context.Background()
	if _, ok := o.Latest("+8613812345678"); ok {
		t.Fatal("Latest on empty outbox")
	}
	for i := range 3 {
		if err := o.Send(ctx, Message{To: "+8613812345678", Text: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if m, ok := o.Latest("+8613812345678"); !ok || m.Text != "2" {
		t.Fatalf("Latest = %+v, %v", m, ok)
	}
	if got := o.Messages("+8613812345678"); len(got) != 2 || got[0].Text != "1" {
		t.Fatalf("Messages = %+v, want the last two", got)
	}
	// Bounded in numbers too: the least recently written number goes.
	for i := range maxOutboxNumbers {
		_ = o.Send(ctx, Message{To: fmt.Sprintf("+1%010d", i), Text: "x"})
	}
	if _, ok := o.Latest("+8613812345678"); ok {
		t.Fatal("oldest number not evicted")
	}
	if _, ok := o.Latest("+10000000000"); !ok {
		t.Fatal("recent number evicted")
	}
}

func TestOutboxConcurrent(t *testing.T) {
	o := NewOutbox(5)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			_ = o.Send(context.Background(), Message{To: "+8613812345678", Text: strconv.Itoa(i)})
			o.Latest("+8613812345678")
		})
	}
	wg.Wait()
	if got := len(o.Messages("+8613812345678")); got != 5 {
		t.Fatalf("kept %d messages, want 5", got)
	}
}

func TestWebhookSender(t *testing.T) {
	secret := []byte("webhook-secret")
	now := time.Date(2025, 7, 15, 2, 0, 0, 0, time.UTC)
	msg := Message{To: "+8613812345678", Text: "【netid】验证码 123456"}

	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"ok", http.StatusOK, "", nil},
		{"accepted", http.StatusAccepted, "", nil},
		{"500", http.StatusInternalServerError, "secret-gateway-detail", ErrGateway},
		{"400 with huge body", http.StatusBadRequest, strings.Repeat("x", 1<<20), ErrGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got webhookBody
			var sigOK, tsOK bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				sigOK = hmac.Equal([]byte(r.Header.Get(SignatureHeader)), []byte(Sign(secret, body)))
				tsOK = r.Header.Get(TimestampHeader) == strconv.FormatInt(now.Unix(), 10)
				_ = json.Unmarshal(body, &got)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			s := &WebhookSender{URL: srv.URL, Secret: secret, Client: srv.Client(), Now: func() time.Time { return now }}
			err := s.Send(context.Background(), msg)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Send error = %v, want %v", err, tt.want)
			}
			if !sigOK || !tsOK {
				t.Fatalf("signature ok %v, timestamp ok %v", sigOK, tsOK)
			}
			if got.To != msg.To || got.Text != msg.Text || got.Timestamp != now.Unix() {
				t.Fatalf("gateway got %+v", got)
			}
			if err != nil {
				for _, leak := range []string{"secret-gateway-detail", msg.To, "123456"} {
					if strings.Contains(err.Error(), leak) {
						t.Fatalf("error %q leaks %q", err, leak)
					}
				}
				if !strings.Contains(err.Error(), strconv.Itoa(tt.status)) {
					t.Fatalf("error %q lacks the status", err)
				}
			}
		})
	}
}

func TestWebhookSenderNoSecret(t *testing.T) {
	s := &WebhookSender{URL: "http://127.0.0.1:1"}
	if err := s.Send(context.Background(), Message{To: "+8613812345678"}); !errors.Is(err, ErrGateway) {
		t.Fatalf("err = %v, want ErrGateway", err)
	}
}

func TestSignKnownAnswer(t *testing.T) {
	// HMAC-SHA256 test case 2 of RFC 4231.
	got := Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}
