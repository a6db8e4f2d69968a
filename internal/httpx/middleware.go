package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// Chain wraps h in the middleware mw; the first is the outermost, so
// Chain(h, a, b) serves a request with a(b(h)).
func Chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// HeaderRequestID is the header carrying the request ID in both directions.
const HeaderRequestID = "X-Request-ID"

type requestIDKey struct{}

// RequestIDFrom returns the request ID that RequestID stored in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// RequestID is the RequestID middleware drawing new IDs from crypto/rand.
func RequestID(next http.Handler) http.Handler { return RequestIDWith(rand.Reader)(next) }

// RequestIDWith returns middleware that gives every request an ID: the
// incoming X-Request-ID if it is sane (1 to 64 characters of A-Z a-z 0-9 - _
// .), else 32 hex digits read from random. The ID is stored in the request
// context (see RequestIDFrom) and echoed in the X-Request-ID response
// header. If random fails, crypto/rand is used.
func RequestIDWith(random io.Reader) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get(HeaderRequestID)
			if !validRequestID(id) {
				id = newRequestID(random)
			}
			w.Header().Set(HeaderRequestID, id)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
		})
	}
}

func newRequestID(random io.Reader) string {
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		rand.Read(b[:]) // never fails
	}
	return hex.EncodeToString(b[:])
}

func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// routeHolder carries the matched ServeMux pattern from the routed handler
// back out to AccessLog and Metrics (see the package documentation).
type routeHolder struct{ pattern string }

type routeKey struct{}

// withRoute returns the request's route holder, adding one if there is none.
func withRoute(r *http.Request) (*routeHolder, *http.Request) {
	if h, ok := r.Context().Value(routeKey{}).(*routeHolder); ok {
		return h, r
	}
	h := new(routeHolder)
	return h, r.WithContext(context.WithValue(r.Context(), routeKey{}, h))
}

// unmatched is the route label of requests that matched no pattern.
const unmatched = "unmatched"

// pattern returns the route label after the handler ran: the holder's
// pattern, else the Pattern the ServeMux set on the request passed on, else
// "unmatched".
func (h *routeHolder) label(passed *http.Request) string {
	switch {
	case h.pattern != "":
		return h.pattern
	case passed.Pattern != "":
		return passed.Pattern
	}
	return unmatched
}

// Route wraps a handler registered on a ServeMux so that the pattern the mux
// matched (r.Pattern) is reported to the AccessLog and Metrics middleware
// outside the mux.
func Route(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if holder, ok := r.Context().Value(routeKey{}).(*routeHolder); ok {
			holder.pattern = r.Pattern
		}
		h.ServeHTTP(w, r)
	})
}

// Handle registers h on mux for pattern, wrapped with Route.
func Handle(mux *http.ServeMux, pattern string, h http.Handler) {
	mux.Handle(pattern, Route(h))
}

// HandleFunc registers f on mux for pattern, wrapped with Route.
func HandleFunc(mux *http.ServeMux, pattern string, f func(http.ResponseWriter, *http.Request)) {
	mux.Handle(pattern, Route(http.HandlerFunc(f)))
}

// method returns r.Method if it is a standard method and "OTHER" otherwise,
// so that a client cannot grow label or log values at will.
func method(r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return r.Method
	}
	return "OTHER"
}

// recorder captures the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 && code >= 200 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers flush through the recorder.
func (rec *recorder) Flush() {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	http.NewResponseController(rec.ResponseWriter).Flush() //nolint:errcheck // best effort, as http.Flusher
}

// Unwrap gives http.ResponseController access to the underlying writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// code is the status sent, 200 if the handler wrote nothing.
func (rec *recorder) code() int {
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}

func (rec *recorder) wrote() bool { return rec.status != 0 }

// AccessLog returns middleware that logs one Info line per request with the
// method, the route pattern (never the raw path), status, bytes written,
// duration and request ID. It never logs query strings, headers or bodies.
// A request whose handler panics past Recover is not logged.
func AccessLog(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			holder, r := withRoute(r)
			rec := &recorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			log.LogAttrs(r.Context(), slog.LevelInfo, "http request",
				slog.String("method", method(r)),
				slog.String("route", holder.label(r)),
				slog.Int("status", rec.code()),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", RequestIDFrom(r.Context())),
			)
		})
	}
}

// Recover returns middleware that turns a panic into the 500 internal
// problem. The panic value and stack are logged at Error level with the
// request ID and never sent to the client. If the response had already
// started, the connection is aborted instead (by panicking with
// http.ErrAbortHandler) so the client cannot take a truncated response for
// a complete one. http.ErrAbortHandler itself is passed through.
func Recover(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &recorder{ResponseWriter: w}
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler { //nolint:errorlint // the sentinel panic value is compared as net/http does
					panic(v)
				}
				log.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())),
					slog.String("method", method(r)),
					slog.String("request_id", RequestIDFrom(r.Context())),
				)
				if rec.wrote() {
					panic(http.ErrAbortHandler)
				}
				writeProblem(rec, languageOf(r), Internal()) // already logged, with the stack
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// APIContentSecurityPolicy is the Content-Security-Policy SecurityHeaders
// sets: an API response loads nothing and may not be framed.
const APIContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// SecurityHeaders sets conservative security headers for API responses:
// X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer,
// X-Frame-Options: DENY and APIContentSecurityPolicy. They are set before
// the handler runs, so a handler serving something else (an HTML page) can
// replace them.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", APIContentSecurityPolicy)
		next.ServeHTTP(w, r)
	})
}
