package httpx

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestChainOrder(t *testing.T) {
	var order []string
	mw := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				order = append(order, name)
				next.ServeHTTP(w, r)
			})
		}
	}
	h := Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { order = append(order, "h") }),
		mw("a"), mw("b"), mw("c"))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if got := strings.Join(order, ","); got != "a,b,c,h" {
		t.Errorf("order = %s, want a,b,c,h", got)
	}
}

func TestRequestID(t *testing.T) {
	random := bytes.Repeat([]byte{0xab}, 16)
	generated := strings.Repeat("ab", 16)
	tests := []struct {
		name, incoming, want string
	}{
		{"none", "", generated},
		{"sane", "abc-DEF_123.x", "abc-DEF_123.x"},
		{"64 chars", strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"65 chars", strings.Repeat("a", 65), generated},
		{"space", "abc def", generated},
		{"newline", "abc\n", generated},
		{"non-ascii", "网号", generated},
		{"slash", "a/b", generated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen string
			h := RequestIDWith(bytes.NewReader(random))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = RequestIDFrom(r.Context())
			}))
			r := httptest.NewRequest("GET", "/", nil)
			if tt.incoming != "" {
				r.Header.Set(HeaderRequestID, tt.incoming)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if seen != tt.want {
				t.Errorf("RequestIDFrom = %q, want %q", seen, tt.want)
			}
			if got := rec.Header().Get(HeaderRequestID); got != tt.want {
				t.Errorf("response header = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequestIDRandomFailureFallsBack(t *testing.T) {
	var seen string
	h := RequestIDWith(bytes.NewReader(nil))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestIDFrom(r.Context())
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if len(seen) != 32 || !validRequestID(seen) {
		t.Errorf("fallback ID = %q", seen)
	}
	rec := httptest.NewRecorder()
	RequestID(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if id := rec.Header().Get(HeaderRequestID); len(id) != 32 || !validRequestID(id) {
		t.Errorf("RequestID generated %q", id)
	}
}

// newTestServer builds the recommended stack around a mux with one route.
func newTestServer(t *testing.T, useRoute bool, mw ...func(http.Handler) http.Handler) http.Handler {
	t.Helper()
	mux := http.NewServeMux()
	person := func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "panic":
			panic("boom: secret 110101199003077777")
		case "missing":
			WriteError(w, r, nil, NotFound())
		default:
			WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
		}
	}
	if useRoute {
		HandleFunc(mux, "GET /v1/persons/{id}", person)
	} else {
		mux.HandleFunc("GET /v1/persons/{id}", person)
	}
	return Chain(mux, mw...)
}

func TestAccessLog(t *testing.T) {
	for _, useRoute := range []bool{true, false} {
		name := "Route"
		if !useRoute {
			name = "fallback"
		}
		t.Run(name, func(t *testing.T) {
			log, logs := logBuffer()
			// A middleware between AccessLog and the mux that copies the
			// request hides the in-place Pattern from AccessLog; only the
			// holder filled by Route gets it through.
			copier := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next.ServeHTTP(w, r.WithContext(r.Context()))
				})
			}
			mws := []func(http.Handler) http.Handler{RequestIDWith(bytes.NewReader(bytes.Repeat([]byte{1}, 16))), AccessLog(log), Recover(log)}
			if useRoute {
				mws = append(mws, copier)
			}
			h := newTestServer(t, useRoute, mws...)
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/persons/W123456789?token=s3cret", nil))

			var line map[string]any
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("want one JSON line, got %q: %v", logs, err)
			}
			want := map[string]any{
				"level": "INFO", "msg": "http request", "method": "GET", "route": "GET /v1/persons/{id}",
				"status": 200.0, "bytes": float64(len(`{"id":"W123456789"}`) + 1), "request_id": strings.Repeat("01", 16),
			}
			for k, v := range want {
				if line[k] != v {
					t.Errorf("%s = %v, want %v", k, line[k], v)
				}
			}
			if _, ok := line["duration"]; !ok {
				t.Error("no duration")
			}
			for _, leak := range []string{"W123456789", "token", "s3cret"} {
				if strings.Contains(logs.String(), leak) {
					t.Errorf("log holds %q: %s", leak, logs)
				}
			}
		})
	}
}

func TestAccessLogUnmatchedAndOddMethod(t *testing.T) {
	log, logs := logBuffer()
	h := newTestServer(t, true, AccessLog(log))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/secret-path/110101199003077777", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("BREW", "/v1/persons/x", nil))
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", logs)
	}
	for i, want := range []string{`"route":"unmatched","status":404`, `"method":"OTHER","route":"unmatched","status":405`} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d = %s, want it to contain %s", i, lines[i], want)
		}
	}
	if strings.Contains(logs.String(), "secret-path") || strings.Contains(logs.String(), "BREW") {
		t.Errorf("raw path or method logged: %s", logs)
	}
}

func TestRecover(t *testing.T) {
	log, logs := logBuffer()
	h := newTestServer(t, true, RequestIDWith(bytes.NewReader(bytes.Repeat([]byte{2}, 16))), AccessLog(log), Recover(log))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/persons/panic", nil))

	readProblem(t, rec, 500, "internal")
	if strings.Contains(rec.Body.String(), "boom") || strings.Contains(rec.Body.String(), "1101011990") {
		t.Errorf("panic leaked to the client: %s", rec.Body)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a panic line and an access line, got %q", logs)
	}
	var panicLine map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &panicLine); err != nil {
		t.Fatal(err)
	}
	if panicLine["level"] != "ERROR" || panicLine["request_id"] != strings.Repeat("02", 16) ||
		!strings.Contains(panicLine["panic"].(string), "boom") ||
		!strings.Contains(panicLine["stack"].(string), "middleware_test.go") {
		t.Errorf("panic line = %v", panicLine)
	}
	if !strings.Contains(lines[1], `"status":500`) {
		t.Errorf("access line = %s, want status 500", lines[1])
	}
}

func TestRecoverAfterWriteAborts(t *testing.T) {
	log, _ := logBuffer()
	h := Recover(log)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		panic("late")
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler { //nolint:errorlint
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	t.Error("no panic")
}

func TestRecoverPassesAbortHandler(t *testing.T) {
	log, logs := logBuffer()
	h := Recover(log)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler { //nolint:errorlint
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
		if logs.Len() != 0 {
			t.Errorf("ErrAbortHandler logged: %s", logs)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestSecurityHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	SecurityHeaders(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestRecorderFlush(t *testing.T) {
	rec := httptest.NewRecorder()
	h := AccessLog(discardLogger())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush through the recorder: %v", err)
		}
	}))
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !rec.Flushed {
		t.Error("not flushed")
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
