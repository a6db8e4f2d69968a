package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors of strict decoding. Errors from [DecodeStrict] wrap exactly
// one of the first seven; problems from [DecodeJSON] unwrap to one of them
// all.
var (
	// ErrEmpty: the input holds no JSON value (empty or only whitespace).
	ErrEmpty = errors.New("httpx: empty JSON input")
	// ErrMalformed: the input is not valid JSON or not valid UTF-8.
	ErrMalformed = errors.New("httpx: malformed JSON")
	// ErrUnknownField: an object has a member the target struct lacks.
	ErrUnknownField = errors.New("httpx: unknown JSON field")
	// ErrDuplicateKey: an object has the same key twice (compared after
	// unescaping and ignoring letter case).
	ErrDuplicateKey = errors.New("httpx: duplicate JSON key")
	// ErrTrailingData: something other than whitespace follows the value.
	ErrTrailingData = errors.New("httpx: trailing data after JSON value")
	// ErrWrongType: a JSON value has a type the target cannot hold.
	ErrWrongType = errors.New("httpx: wrong JSON type")
	// ErrInvalidValue: the target type's own UnmarshalJSON or UnmarshalText
	// rejected a value.
	ErrInvalidValue = errors.New("httpx: invalid JSON value")
	// ErrTooLarge: the request body is over the limit (DecodeJSON only).
	ErrTooLarge = errors.New("httpx: request body too large")
	// ErrContentType: the request Content-Type is not application/json
	// (DecodeJSON only).
	ErrContentType = errors.New("httpx: unsupported content type")
)

// DecodeError is the error DecodeStrict returns for rejected input. Its
// message names the offending field or key (truncated) but never repeats a
// value, and never includes Err's message.
type DecodeError struct {
	// Kind is one of the sentinel errors above.
	Kind error
	// Field is the offending key (duplicate, unknown) or the dotted path of a
	// field with the wrong type, where known.
	Field string
	// Expected is the JSON type name wanted, for ErrWrongType.
	Expected string
	// Offset is the byte offset in the input where the problem was found,
	// where known.
	Offset int64
	// Err is the underlying error, if any; it may contain input values, so
	// it is reachable with errors.As/Is but not part of Error().
	Err error
}

// Error implements error.
func (e *DecodeError) Error() string {
	msg := e.Kind.Error()
	switch {
	case e.Field != "" && e.Expected != "":
		msg += fmt.Sprintf(": field %q must be %s", clip(e.Field), e.Expected)
	case e.Expected != "":
		msg += ": value must be " + e.Expected
	case e.Field != "":
		msg += fmt.Sprintf(": %q", clip(e.Field))
	}
	if e.Offset > 0 {
		msg += " at offset " + strconv.FormatInt(e.Offset, 10)
	}
	return msg
}

// Unwrap returns Kind and, if set, Err.
func (e *DecodeError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// DefaultMaxBodyBytes is the body limit DecodeJSON uses when given a
// maxBytes of zero or less.
const DefaultMaxBodyBytes = 1 << 20

// DecodeJSON reads the request body as one JSON value into v under the rules
// of [DecodeStrict], after checking that the Content-Type is
// application/json (a charset parameter is allowed if it is utf-8) and that
// the body is at most maxBytes long (the body is wrapped with
// http.MaxBytesReader, so the server closes the connection after an
// oversized body).
//
// Every error it returns is a *Problem (400, 413 or 415) that unwraps to one
// of the sentinel errors; pass it to WriteError.
func DecodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, v any) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBodyBytes
	}
	if !isJSONContentType(r.Header.Get("Content-Type")) {
		return UnsupportedMediaType(ContentTypeJSON)
	}
	if r.ContentLength > maxBytes {
		return BodyTooLarge(maxBytes)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return EmptyBody()
	}
	body := http.MaxBytesReader(w, r.Body, maxBytes)
	data, err := io.ReadAll(body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return BodyTooLarge(maxBytes)
		}
		return MalformedJSON().withCause(fmt.Errorf("%w: reading body: %w", ErrMalformed, err))
	}
	if err := DecodeStrict(data, v); err != nil {
		return problemFor(err)
	}
	return nil
}

// problemFor maps a DecodeStrict error to its problem.
func problemFor(err error) *Problem {
	de, ok := errors.AsType[*DecodeError](err)
	if !ok {
		// Only a programming error gets here (v not a non-nil pointer).
		return Internal().withCause(err)
	}
	var p *Problem
	switch de.Kind {
	case ErrEmpty:
		p = EmptyBody()
	case ErrUnknownField:
		p = UnknownField(de.Field)
	case ErrDuplicateKey:
		p = DuplicateKey(de.Field)
	case ErrTrailingData:
		p = TrailingData()
	case ErrWrongType:
		p = WrongType(de.Field, de.Expected)
	case ErrInvalidValue:
		p = InvalidValue()
	default:
		p = MalformedJSON()
	}
	return p.withCause(err)
}

// isJSONContentType reports whether ct is application/json with at most a
// utf-8 charset parameter.
func isJSONContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != ContentTypeJSON {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	return true
}

// DecodeStrict decodes data, which must hold exactly one JSON value, into v
// (a non-nil pointer). Beyond encoding/json it rejects:
//   - empty input (ErrEmpty) and invalid UTF-8 (ErrMalformed);
//   - duplicate object keys at any depth, including keys that differ only in
//     letter case (ErrDuplicateKey);
//   - data after the value other than whitespace (ErrTrailingData);
//   - object members the target struct has no field for (ErrUnknownField).
//
// Type mismatches wrap ErrWrongType and values rejected by the target's own
// unmarshaler wrap ErrInvalidValue. All of these are *DecodeError. If v is
// not a non-nil pointer the error is encoding/json's InvalidUnmarshalError.
// On error v may have been partly filled.
func DecodeStrict(data []byte, v any) error {
	if len(bytes.TrimLeft(data, " \t\r\n")) == 0 {
		return &DecodeError{Kind: ErrEmpty}
	}
	if !utf8.Valid(data) {
		return &DecodeError{Kind: ErrMalformed}
	}
	if err := scan(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return classify(err)
	}
	return nil
}

// classify maps an encoding/json decode error to a DecodeError.
func classify(err error) error {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return &DecodeError{Kind: ErrMalformed, Offset: se.Offset, Err: err}
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return &DecodeError{Kind: ErrWrongType, Field: te.Field, Expected: jsonTypeName(te.Type),
			Offset: te.Offset, Err: err}
	}
	if _, ok := errors.AsType[*json.InvalidUnmarshalError](err); ok {
		return fmt.Errorf("httpx: decode: %w", err)
	}
	// encoding/json reports unknown fields only as text (the same in its v1
	// and v2 implementations).
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if field, uerr := strconv.Unquote(name); uerr == nil {
			return &DecodeError{Kind: ErrUnknownField, Field: field}
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &DecodeError{Kind: ErrMalformed, Err: err}
	}
	return &DecodeError{Kind: ErrInvalidValue, Err: err}
}

// jsonTypeName names the JSON type that fits a Go type, for messages.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string" // base64
		}
		return "array"
	case reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "value"
}

// scan walks the tokens of the first JSON value in data, rejecting duplicate
// keys in any object, and then checks that only whitespace follows. Syntax
// errors are reported as ErrMalformed.
func scan(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers are not converted, so 1e999 is not an error here

	// One frame per open object or array; objects keep the keys seen so far.
	type frame struct {
		object bool
		keys   map[string]struct{}
		// wantKey: in an object, the next string token is a key.
		wantKey bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			de := &DecodeError{Kind: ErrMalformed, Err: err}
			if se, ok := errors.AsType[*json.SyntaxError](err); ok {
				de.Offset = se.Offset
			}
			return de
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].object && stack[top].wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:top]
			} else {
				key, ok := tok.(string)
				if !ok { // Token reports this as a syntax error; be safe anyway
					return &DecodeError{Kind: ErrMalformed, Offset: dec.InputOffset()}
				}
				fk := foldKey(key)
				if _, dup := stack[top].keys[fk]; dup {
					return &DecodeError{Kind: ErrDuplicateKey, Field: key, Offset: dec.InputOffset()}
				}
				if stack[top].keys == nil {
					stack[top].keys = make(map[string]struct{})
				}
				stack[top].keys[fk] = struct{}{}
				stack[top].wantKey = false
				continue
			}
		} else if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
				continue
			case '[':
				stack = append(stack, frame{})
				continue
			default: // ']' (a '}' only comes in key position)
				stack = stack[:top]
			}
		}
		// A value ended: a scalar, or the close of an object or array.
		if len(stack) == 0 {
			break
		}
		if top := len(stack) - 1; stack[top].object {
			stack[top].wantKey = true
		}
	}
	off := dec.InputOffset()
	if len(bytes.TrimLeft(data[off:], " \t\r\n")) != 0 {
		return &DecodeError{Kind: ErrTrailingData, Offset: off}
	}
	return nil
}

// foldKey returns a form of s that is equal for keys equal under Unicode
// simple case folding (a superset of the folding encoding/json uses to match
// struct fields).
func foldKey(s string) string {
	// For ASCII letters the smallest rune of the fold orbit is the upper case
	// one, so the fast path upper-cases.
	ascii, upper := true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'a' <= c && c <= 'z' {
			upper = false
		}
	}
	if ascii {
		if upper {
			return s
		}
		return strings.ToUpper(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		// The smallest rune of the fold orbit represents the orbit.
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}
