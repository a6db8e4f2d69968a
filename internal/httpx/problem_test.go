package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/i18n"
)

// readProblem checks that rec holds a valid problem+json response with the
// given status and slug and returns it.
func readProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, slug string) *Problem {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status = %d, want %d (body %s)", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != ContentTypeProblem {
		t.Errorf("Content-Type = %q, want %q", ct, ContentTypeProblem)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	body := rec.Body.Bytes()
	if !json.Valid(body) {
		t.Fatalf("body is not valid JSON: %s", body)
	}
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("body is not a problem: %v", err)
	}
	if p.Type != TypeURI(slug) {
		t.Errorf("type = %q, want %q", p.Type, TypeURI(slug))
	}
	if p.Status != status {
		t.Errorf("problem status = %d, want %d", p.Status, status)
	}
	lang, ok := i18n.Parse(rec.Header().Get("Content-Language"))
	if !ok {
		t.Errorf("Content-Language = %q", rec.Header().Get("Content-Language"))
	}
	if want := i18n.Lookup(lang, i18n.ProblemTitle(slug)); p.Title != want {
		t.Errorf("title = %q, want the catalogue's %q", p.Title, want)
	}
	return &p
}

// logBuffer returns a JSON slog logger writing to the returned buffer.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var b bytes.Buffer
	return slog.New(slog.NewJSONHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})), &b
}

func TestNewIsFresh(t *testing.T) {
	a := NotFound()
	b := NotFound()
	if a == b {
		t.Fatal("NotFound returned the same pointer twice")
	}
	a.Detail = "changed"
	if b.Detail == "changed" {
		t.Fatal("problems share state")
	}
	if got, want := New(typeNotFound, "x").Type, "https://netid.dev/problems/not-found"; got != want {
		t.Errorf("type = %q, want %q", got, want)
	}
}

func TestWithCopies(t *testing.T) {
	base := New(typeRateLimited, "").With("remaining_attempts", 3)
	derived := base.With("remaining_attempts", 2).With("extra", true)
	if got := base.Extensions["remaining_attempts"]; got != 3 {
		t.Errorf("base changed: remaining_attempts = %v", got)
	}
	if _, ok := base.Extensions["extra"]; ok {
		t.Error("base gained the extension of its copy")
	}
	if got := derived.Extensions["remaining_attempts"]; got != 2 {
		t.Errorf("derived remaining_attempts = %v", got)
	}
}

func TestProblemJSON(t *testing.T) {
	p := New(typeRateLimited, "slow down").
		With("retry_after", 60).
		With("errors", []string{"a", "b"}).
		With("status", 200) // reserved: must not override
	p.Title = "Too many" // WriteError sets it from the catalogue
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"https://netid.dev/problems/rate-limited","title":"Too many","status":429,"detail":"slow down","errors":["a","b"],"retry_after":60}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	// Round trip through UnmarshalJSON.
	var back Problem
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	wantBack := Problem{Type: p.Type, Title: p.Title, Status: 429, Detail: p.Detail,
		Extensions: map[string]any{"retry_after": 60.0, "errors": []any{"a", "b"}}}
	if !reflect.DeepEqual(back, wantBack) {
		t.Errorf("round trip: got %+v, want %+v", back, wantBack)
	}
	// A value receiver works too, and an empty type is about:blank.
	b, _ = json.Marshal(Problem{Title: "t", Status: 400})
	if want := `{"type":"about:blank","title":"t","status":400}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	if _, err := json.Marshal(New(typeInvalidValue, "").With("bad", math.Inf(1))); err == nil {
		t.Error("unencodable extension: want an error")
	}
}

func TestProblemError(t *testing.T) {
	p := UnknownField("nickname")
	if got, want := p.Error(), `problem 400 unknown-field: The request body has the unknown field "nickname".`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(p, ErrUnknownField) {
		t.Error("UnknownField problem does not unwrap to ErrUnknownField")
	}
	long := strings.Repeat("字", 200)
	if got := UnknownField(long).Extensions[ExtField].(string); len([]rune(got)) != 65 {
		t.Errorf("long field not clipped: %d runes", len([]rune(got)))
	}
}

func TestWriteError(t *testing.T) {
	secret := errors.New("pq: connection to 10.0.0.7 refused; person 110101199003077777")
	tests := []struct {
		name       string
		err        error
		status     int
		slug       string
		logged     bool
		retryAfter string
		allow      string
	}{
		{name: "problem", err: NotFound(), status: 404, slug: "not-found"},
		{name: "wrapped problem", err: fmt.Errorf("loading: %w", NotFound()), status: 404, slug: "not-found"},
		{name: "plain error", err: secret, status: 500, slug: "internal", logged: true},
		{name: "wrapped plain error", err: fmt.Errorf("op: %w", secret), status: 500, slug: "internal", logged: true},
		{name: "nil error", err: nil, status: 500, slug: "internal", logged: true},
		{name: "non-error status", err: &Problem{Type: TypeURI("ok"), Status: 200}, status: 500, slug: "internal", logged: true},
		{name: "5xx problem", err: New(typeUnavailable, "").withCause(secret), status: 503, slug: SlugUnavailable, logged: true},
		{name: "rate limited", err: RateLimited(1500 * time.Millisecond), status: 429, slug: "rate-limited", retryAfter: "2"},
		{name: "retry_after float", err: New(typeRateLimited, "").With(ExtRetryAfter, 2.5), status: 429, slug: SlugRateLimited, retryAfter: "3"},
		{name: "method not allowed", err: MethodNotAllowed("GET", "HEAD"), status: 405, slug: "method-not-allowed", allow: "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, logs := logBuffer()
			r := httptest.NewRequest("GET", "/x", nil)
			r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, "req-123"))
			rec := httptest.NewRecorder()
			WriteError(rec, r, log, tt.err)
			p := readProblem(t, rec, tt.status, tt.slug)
			if strings.Contains(rec.Body.String(), "10.0.0.7") || strings.Contains(rec.Body.String(), "1101011990") {
				t.Errorf("cause leaked to the client: %s", rec.Body)
			}
			if tt.status == 500 && p.Detail != Internal().Detail {
				t.Errorf("detail = %q, want the generic one", p.Detail)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if tt.logged {
				var line map[string]any
				if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
					t.Fatalf("want one JSON log line, got %q", logs)
				}
				if line["level"] != "ERROR" || line["request_id"] != "req-123" {
					t.Errorf("log line = %v, want level ERROR and request_id req-123", line)
				}
				if errors.Is(tt.err, secret) && !strings.Contains(logs.String(), "connection to 10.0.0.7") {
					t.Errorf("cause not logged: %s", logs)
				}
			} else if logs.Len() != 0 {
				t.Errorf("unexpected log: %s", logs)
			}
		})
	}
}

func TestWriteErrorClientGone(t *testing.T) {
	log, logs := logBuffer()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, "GET", "/", nil)
	rec := httptest.NewRecorder()
	WriteError(rec, r, log, fmt.Errorf("query: %w", context.Canceled))
	readProblem(t, rec, 500, "internal")
	if !strings.Contains(logs.String(), `"level":"INFO"`) {
		t.Errorf("want an Info line for a cancelled request, got %s", logs)
	}
}

func TestWriteJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, http.StatusCreated, map[string]string{"id": "a"})
	if rec.Code != 201 || rec.Header().Get("Content-Type") != ContentTypeJSON || rec.Body.String() != "{\"id\":\"a\"}\n" {
		t.Errorf("got %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}

	rec = httptest.NewRecorder()
	WriteJSON(rec, http.StatusOK, map[string]any{"bad": make(chan int)})
	readProblem(t, rec, 500, "internal")
}

// testUnavailable is a dependency's error that asks to be retried.
type testUnavailable struct{ cause error }

func (e testUnavailable) Error() string             { return "db: unavailable" }
func (e testUnavailable) Unwrap() error             { return e.cause }
func (e testUnavailable) RetryAfter() time.Duration { return 1500 * time.Millisecond }

// A dependency that is down for a moment gives 503 with Retry-After, logged
// as a warning with its cause, and its cause is not sent.
func TestWriteErrorUnavailable(t *testing.T) {
	secret := errors.New("dial tcp 10.0.0.7:5432: connect: connection refused")
	log, logs := logBuffer()
	rec := httptest.NewRecorder()
	WriteError(rec, httptest.NewRequest("GET", "/x", nil), log, fmt.Errorf("loading: %w", testUnavailable{secret}))
	readProblem(t, rec, 503, "service-unavailable")
	if got := rec.Header().Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After = %q, want 2", got)
	}
	if strings.Contains(rec.Body.String(), "10.0.0.7") {
		t.Errorf("cause leaked: %s", rec.Body)
	}
	if !strings.Contains(logs.String(), `"level":"WARN"`) || !strings.Contains(logs.String(), "10.0.0.7") {
		t.Errorf("log = %s, want a warning with the cause", logs)
	}
}
