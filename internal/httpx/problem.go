package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/netid-project/netid/internal/i18n"
)

// Media types written by this package.
const (
	// ContentTypeJSON is the Content-Type of successful JSON responses.
	ContentTypeJSON = "application/json"
	// ContentTypeProblem is the Content-Type of RFC 9457 problem details.
	ContentTypeProblem = "application/problem+json"
)

// ProblemTypeBase is the prefix of every netid problem type URI.
const ProblemTypeBase = "https://netid.dev/problems/"

// Extension member names this package gives a meaning to.
const (
	// ExtRetryAfter holds a whole number of seconds; WriteError copies it to
	// the Retry-After header.
	ExtRetryAfter = "retry_after"
	// ExtAllow holds the allowed methods ([]string); WriteError copies it to
	// the Allow header.
	ExtAllow = "allow"
	// ExtField names the offending JSON field or key of a request body.
	ExtField = "field"
	// ExtExpected names the JSON type a field should have had.
	ExtExpected = "expected"
	// ExtMaxBytes is the body size limit of a 413 problem.
	ExtMaxBytes = "max_bytes"
)

// Problem is an RFC 9457 problem details object. It is also an error, so
// handlers return it; [WriteError] writes it.
//
// Extensions are flattened into the top-level JSON object when written,
// sorted by name; an extension named like one of the standard members
// (type, title, status, detail, instance) is not written.
type Problem struct {
	// Type is a URI identifying the problem type, see [TypeURI].
	Type string `json:"type"`
	// Title is a short, human-readable summary of the problem type; it does
	// not change between occurrences. It is not set by a handler:
	// [WriteError] writes the catalogue's message for the type
	// (i18n.ProblemTitle) in the request's language.
	Title string `json:"title"`
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Detail explains this occurrence. It must never hold personal data.
	Detail string `json:"detail,omitempty"`
	// Instance is a URI reference identifying this occurrence.
	Instance string `json:"instance,omitempty"`
	// Extensions are additional members, for example "remaining_attempts".
	Extensions map[string]any `json:"-"`

	// cause is a sentinel or underlying error for errors.Is; never written.
	cause error
}

// TypeURI returns the problem type URI for slug,
// "https://netid.dev/problems/<slug>".
func TypeURI(slug string) string { return ProblemTypeBase + slug }

// New returns a fresh problem of type t; detail is the developer's English
// sentence about this occurrence (never personal data).
func New(t Type, detail string) *Problem {
	return &Problem{Type: TypeURI(t.Slug), Status: t.Status, Detail: detail}
}

// Error implements error. The text holds the status, the type slug and the
// detail, so the detail must never contain personal data.
func (p *Problem) Error() string {
	slug := strings.TrimPrefix(p.Type, ProblemTypeBase)
	if p.Detail == "" {
		return fmt.Sprintf("problem %d %s", p.Status, slug)
	}
	return fmt.Sprintf("problem %d %s: %s", p.Status, slug, p.Detail)
}

// Unwrap returns the error the problem was built from, if any, so that
// errors.Is(err, ErrUnknownField) works on a problem returned by
// DecodeJSON. The cause is never written to the client.
func (p *Problem) Unwrap() error { return p.cause }

// Slug returns the last part of the type URI ("not-found"), or the whole
// type if it is not a netid problem type.
func (p *Problem) Slug() string { return strings.TrimPrefix(p.Type, ProblemTypeBase) }

// With returns a copy of p with the extension key set to v. p is unchanged.
func (p *Problem) With(key string, v any) *Problem {
	c := p.clone()
	if c.Extensions == nil {
		c.Extensions = make(map[string]any, 1)
	}
	c.Extensions[key] = v
	return c
}

// withCause returns a copy of p whose Unwrap returns err.
func (p *Problem) withCause(err error) *Problem {
	c := p.clone()
	c.cause = err
	return c
}

func (p *Problem) clone() *Problem {
	c := *p
	c.Extensions = maps.Clone(p.Extensions)
	return &c
}

// standardMember reports whether name is one of the members RFC 9457 defines.
func standardMember(name string) bool {
	switch name {
	case "type", "title", "status", "detail", "instance":
		return true
	}
	return false
}

// MarshalJSON writes the standard members followed by the extensions, sorted
// by name.
func (p Problem) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	member := func(name string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name) // a string always encodes
		b.Write(k)
		b.WriteByte(':')
		val, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("problem member %q: %w", name, err)
		}
		b.Write(val)
		return nil
	}
	typ := p.Type
	if typ == "" {
		typ = "about:blank" // RFC 9457 section 4.2.1
	}
	_ = member("type", typ)
	_ = member("title", p.Title)
	_ = member("status", p.Status)
	if p.Detail != "" {
		_ = member("detail", p.Detail)
	}
	if p.Instance != "" {
		_ = member("instance", p.Instance)
	}
	for _, k := range slices.Sorted(maps.Keys(p.Extensions)) {
		if standardMember(k) {
			continue
		}
		if err := member(k, p.Extensions[k]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads a problem document; members other than the standard
// ones go to Extensions. It is meant for clients and tests.
func (p *Problem) UnmarshalJSON(data []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return fmt.Errorf("problem: %w", err)
	}
	var out Problem
	for k, raw := range members {
		var dst any
		switch k {
		case "type":
			dst = &out.Type
		case "title":
			dst = &out.Title
		case "status":
			dst = &out.Status
		case "detail":
			dst = &out.Detail
		case "instance":
			dst = &out.Instance
		default:
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("problem member %q: %w", k, err)
			}
			if out.Extensions == nil {
				out.Extensions = make(map[string]any)
			}
			out.Extensions[k] = v
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return fmt.Errorf("problem member %q: %w", k, err)
		}
	}
	*p = out
	return nil
}

// Problem slugs of the plumbing's own failures.
const (
	SlugInternal             = "internal"
	SlugMalformedJSON        = "malformed-json"
	SlugEmptyBody            = "empty-body"
	SlugUnknownField         = "unknown-field"
	SlugDuplicateKey         = "duplicate-key"
	SlugTrailingData         = "trailing-data"
	SlugWrongType            = "wrong-type"
	SlugInvalidValue         = "invalid-value"
	SlugBodyTooLarge         = "body-too-large"
	SlugUnsupportedMediaType = "unsupported-media-type"
	SlugMethodNotAllowed     = "method-not-allowed"
	SlugNotFound             = "not-found"
	SlugRateLimited          = "rate-limited"
	SlugUnavailable          = "service-unavailable"
)

// The plumbing's problem types.
var (
	typeInternal             = NewType(http.StatusInternalServerError, SlugInternal)
	typeMalformedJSON        = NewType(http.StatusBadRequest, SlugMalformedJSON)
	typeEmptyBody            = NewType(http.StatusBadRequest, SlugEmptyBody)
	typeUnknownField         = NewType(http.StatusBadRequest, SlugUnknownField)
	typeDuplicateKey         = NewType(http.StatusBadRequest, SlugDuplicateKey)
	typeTrailingData         = NewType(http.StatusBadRequest, SlugTrailingData)
	typeWrongType            = NewType(http.StatusBadRequest, SlugWrongType)
	typeInvalidValue         = NewType(http.StatusBadRequest, SlugInvalidValue)
	typeBodyTooLarge         = NewType(http.StatusRequestEntityTooLarge, SlugBodyTooLarge)
	typeUnsupportedMediaType = NewType(http.StatusUnsupportedMediaType, SlugUnsupportedMediaType)
	typeMethodNotAllowed     = NewType(http.StatusMethodNotAllowed, SlugMethodNotAllowed)
	typeNotFound             = NewType(http.StatusNotFound, SlugNotFound)
	typeRateLimited          = NewType(http.StatusTooManyRequests, SlugRateLimited)
	typeUnavailable          = NewType(http.StatusServiceUnavailable, SlugUnavailable)
)

// Internal returns the 500 problem sent in place of any error that is not a
// *Problem. Its detail is deliberately generic.
func Internal() *Problem {
	return New(typeInternal, "The server could not complete the request.")
}

// MalformedJSON returns the 400 problem for a body that is not valid JSON
// (syntax error or invalid UTF-8).
func MalformedJSON() *Problem {
	return New(typeMalformedJSON, "The request body is not valid JSON.").withCause(ErrMalformed)
}

// EmptyBody returns the 400 problem for a missing request body.
func EmptyBody() *Problem {
	return New(typeEmptyBody, "The request body is empty; a JSON value was expected.").withCause(ErrEmpty)
}

// UnknownField returns the 400 problem for a field the endpoint does not
// accept. The name is truncated to a safe length.
func UnknownField(field string) *Problem {
	field = clip(field)
	return New(typeUnknownField, fmt.Sprintf("The request body has the unknown field %q.", field)).
		With(ExtField, field).withCause(ErrUnknownField)
}

// DuplicateKey returns the 400 problem for a JSON object with the same key
// twice. The key is truncated to a safe length.
func DuplicateKey(key string) *Problem {
	key = clip(key)
	return New(typeDuplicateKey, fmt.Sprintf("The request body has the key %q more than once in one object.", key)).
		With(ExtField, key).withCause(ErrDuplicateKey)
}

// TrailingData returns the 400 problem for data after the JSON value.
func TrailingData() *Problem {
	return New(typeTrailingData, "The request body has data after the JSON value.").withCause(ErrTrailingData)
}

// WrongType returns the 400 problem for a field whose JSON type does not fit;
// expected is a JSON type name such as "string" or "integer".
func WrongType(field, expected string) *Problem {
	field = clip(field)
	detail := fmt.Sprintf("The request body must be a JSON %s.", expected)
	if field != "" {
		detail = fmt.Sprintf("The field %q must be a JSON %s.", field, expected)
	}
	return New(typeWrongType, detail).
		With(ExtField, field).With(ExtExpected, expected).withCause(ErrWrongType)
}

// InvalidValue returns the 400 problem for a value the target type's own
// unmarshaler rejected (a malformed date, say). The unmarshaler's message is
// not included: it may repeat the value.
func InvalidValue() *Problem {
	return New(typeInvalidValue, "A value in the request body is not valid.").withCause(ErrInvalidValue)
}

// BodyTooLarge returns the 413 problem for a body over maxBytes.
func BodyTooLarge(maxBytes int64) *Problem {
	return New(typeBodyTooLarge, fmt.Sprintf("The request body is larger than %d bytes.", maxBytes)).
		With(ExtMaxBytes, maxBytes).withCause(ErrTooLarge)
}

// UnsupportedMediaType returns the 415 problem for a request whose
// Content-Type is not want.
func UnsupportedMediaType(want string) *Problem {
	return New(typeUnsupportedMediaType, fmt.Sprintf("The request body must have Content-Type %s.", want)).withCause(ErrContentType)
}

// MethodNotAllowed returns the 405 problem; WriteError sets the Allow header
// from allowed.
func MethodNotAllowed(allowed ...string) *Problem {
	return New(typeMethodNotAllowed, "The request method is not supported for this resource.").
		With(ExtAllow, slices.Clone(allowed))
}

// NotFound returns the 404 problem.
func NotFound() *Problem {
	return New(typeNotFound, "The requested resource does not exist.")
}

// RateLimited returns the 429 problem; retryAfter is rounded up to whole
// seconds (at least 1) in the retry_after extension and the Retry-After
// header.
func RateLimited(retryAfter time.Duration) *Problem {
	return New(typeRateLimited, "Too many requests; try again later.").
		With(ExtRetryAfter, retrySeconds(retryAfter))
}

func retrySeconds(d time.Duration) int64 {
	s := int64(math.Ceil(d.Seconds()))
	return max(s, 1)
}

// clip shortens client-supplied names (JSON keys) before they are echoed.
func clip(s string) string {
	const maxRunes = 64
	n := 0
	for i := range s {
		if n == maxRunes {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// WriteError writes err as application/problem+json.
//
// A *Problem found with errors.As is written as is. Any other error is
// written as the generic 500 [Internal] problem and logged with its cause
// and the request ID at Error level; the cause never reaches the client.
// Problems with a 5xx status are logged too. A nil log means slog.Default().
//
// WriteError sets Cache-Control: no-store, Retry-After from a "retry_after"
// extension and Allow from an "allow" extension.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if log == nil {
		log = slog.Default()
	}
	ctx := context.Background()
	if r != nil {
		ctx = r.Context()
	}
	var p *Problem
	switch {
	case err == nil:
		p = Internal()
		log.ErrorContext(ctx, "WriteError called with a nil error", "request_id", RequestIDFrom(ctx))
	case isUnavailable(err):
		p = Unavailable(retryAfterOf(err))
		log.WarnContext(ctx, "dependency unavailable", "request_id", RequestIDFrom(ctx), "error", err, "cause", causeOf(err))
	case !errors.As(err, &p):
		p = Internal()
		level := slog.LevelError
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			level = slog.LevelInfo // the client went away; nobody reads the answer
		}
		log.Log(ctx, level, "internal error", "request_id", RequestIDFrom(ctx), "error", err)
	case p.Status < 400 || p.Status > 599:
		log.ErrorContext(ctx, "problem with a non-error status", "request_id", RequestIDFrom(ctx),
			"status", p.Status, "type", p.Type)
		p = Internal()
	case p.Status >= 500:
		attrs := []any{"request_id", RequestIDFrom(ctx), "status", p.Status, "type", p.Type}
		if p.cause != nil {
			attrs = append(attrs, "error", p.cause)
		}
		log.ErrorContext(ctx, "server error problem", attrs...)
	}

	writeProblem(w, languageOf(r), p)
}

// retryable is an error of a dependency that is down for a moment (the
// database restarting, storage.UnavailableError): the request may succeed
// if repeated after RetryAfter.
type retryable interface {
	error
	RetryAfter() time.Duration
}

func isUnavailable(err error) bool {
	_, ok := errors.AsType[retryable](err)
	return ok
}

// causeOf is what the retryable error in err wraps (a driver's error,
// which its own message leaves out), for the log.
func causeOf(err error) string {
	r, _ := errors.AsType[retryable](err)
	switch u := any(r).(type) {
	case interface{ Unwrap() error }:
		if c := u.Unwrap(); c != nil {
			return c.Error()
		}
	case interface{ Unwrap() []error }:
		var parts []string
		for _, c := range u.Unwrap() {
			parts = append(parts, c.Error())
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

func retryAfterOf(err error) time.Duration {
	r, _ := errors.AsType[retryable](err)
	return r.RetryAfter()
}

// Unavailable is 503 service-unavailable: a dependency of the platform
// (its database) cannot be reached for the moment; the request changed
// nothing and may be repeated after retryAfter (at least a second), which
// goes in the retry_after extension and the Retry-After header.
func Unavailable(retryAfter time.Duration) *Problem {
	s := int64((retryAfter + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return New(typeUnavailable,
		"the platform cannot reach its database for the moment; nothing was changed; try again shortly").
		With(ExtRetryAfter, s)
}

// writeProblem writes p with its headers, its title the catalogue's
// message for its type in language lang; it logs nothing.
func writeProblem(w http.ResponseWriter, lang language.Tag, p *Problem) {
	p = p.localized(lang)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", lang.String())
	if v, ok := p.Extensions[ExtRetryAfter]; ok {
		if s, ok := headerSeconds(v); ok {
			h.Set("Retry-After", strconv.FormatInt(s, 10))
		}
	}
	if v, ok := p.Extensions[ExtAllow].([]string); ok && len(v) > 0 {
		h.Set("Allow", strings.Join(v, ", "))
	}
	writeJSON(w, p.Status, ContentTypeProblem, p)
}

// headerSeconds converts a retry_after extension to whole seconds.
func headerSeconds(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), v >= 0
	case int64:
		return v, v >= 0
	case float64:
		return int64(math.Ceil(v)), v >= 0 && v < math.MaxInt32
	case time.Duration:
		return retrySeconds(v), v >= 0
	}
	return 0, false
}

// WriteJSON writes v as JSON with the given status. If v cannot be encoded
// (a programming error) it logs the error with slog.Default() and writes the
// 500 internal problem instead.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, ContentTypeJSON, v)
}

// WriteJSONAs is WriteJSON under another JSON media type (a JWK set's
// application/jwk-set+json).
func WriteJSONAs(w http.ResponseWriter, status int, contentType string, v any) {
	writeJSON(w, status, contentType, v)
}

// internalBody is the fallback when encoding fails, in the default
// language.
func internalBody() []byte {
	b, err := json.Marshal(Internal().localized(i18n.Chinese))
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		slog.Default().Error("encoding JSON response", "error", err)
		contentType, status, body = ContentTypeProblem, http.StatusInternalServerError, internalBody()
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Language", i18n.Chinese.String())
	} else {
		body = append(body, '\n')
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // a write error means the client is gone
}
