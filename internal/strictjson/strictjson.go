package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and arrays accepted.
const MaxDepth = 64

// Sentinel errors. Every *Error has one of them as its Kind, and errors.Is
// matches it.
var (
	// ErrEmpty: the input holds no JSON value (empty or only white space).
	ErrEmpty = errors.New("json: empty input")
	// ErrMalformed: the input is not valid JSON or not valid UTF-8.
	ErrMalformed = errors.New("json: malformed")
	// ErrTooDeep: objects and arrays nest deeper than MaxDepth.
	ErrTooDeep = errors.New("json: nesting too deep")
	// ErrDuplicateKey: an object has the same key twice (compared after
	// unescaping and Unicode simple case folding).
	ErrDuplicateKey = errors.New("json: duplicate key")
	// ErrTrailingData: something other than white space follows the value.
	ErrTrailingData = errors.New("json: trailing data after the value")
	// ErrUnknownField: an object has a member the target struct lacks.
	ErrUnknownField = errors.New("json: unknown field")
	// ErrWrongType: a JSON value has a type the target cannot hold.
	ErrWrongType = errors.New("json: wrong type")
	// ErrInvalidValue: the target type's own UnmarshalJSON or UnmarshalText
	// rejected a value.
	ErrInvalidValue = errors.New("json: invalid value")
	// ErrTooLarge: the input is longer than the limit given to Read.
	ErrTooLarge = errors.New("json: input too large")
)

// Error is the error for rejected input. Its message names the offending
// field or key (truncated) but never repeats a value, and never includes
// Err's message.
type Error struct {
	// Kind is one of the sentinel errors above.
	Kind error
	// Field is the offending key (duplicate, unknown) or the dotted path of
	// a field with the wrong type, where known.
	Field string
	// Expected is the JSON type name wanted, for ErrWrongType.
	Expected string
	// Offset is the byte offset in the input where the problem was found,
	// where known.
	Offset int64
	// Err is the underlying error, if any; it may contain input values, so
	// it is reachable with errors.As and errors.Is but not part of Error().
	Err error
}

// Error implements error.
func (e *Error) Error() string {
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
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// clip truncates a key or field name from the input to 64 runes, so a
// message never repeats a long one.
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

// Option relaxes or adjusts one rule of Unmarshal and Read.
type Option uint8

const (
	// IgnoreUnknownFields accepts object members the target struct has no
	// field for, as RFC 7519 §4 asks of JWT claims an application does not
	// understand. Duplicate keys are still refused, so an ignored member
	// cannot shadow a known one.
	IgnoreUnknownFields Option = 1 << iota
	// UseNumber decodes numbers into interface values as json.Number, so
	// no precision is lost.
	UseNumber
)

// Unmarshal decodes data, which must hold exactly one JSON value, into v (a
// non-nil pointer) under the package's rules. Type mismatches are
// ErrWrongType and values rejected by the target's own unmarshaler
// ErrInvalidValue. All rejections are *Error. If v is not a non-nil pointer
// the error wraps encoding/json's InvalidUnmarshalError. On error v may
// have been partly filled.
func Unmarshal(data []byte, v any, opts ...Option) error {
	// The rules encoding/json does not enforce (duplicate keys, depth,
	// trailing data, lone surrogates, ill-formed UTF-8) are checked first,
	// in one pass that builds nothing.
	if err := validate(data); err != nil {
		return err
	}
	return decodeChecked(data, v, opts)
}

// decodeChecked decodes data, which has passed the checks of the rules
// encoding/json does not enforce, into v with encoding/json.
func decodeChecked(data []byte, v any, opts []Option) error {
	var o Option
	for _, x := range opts {
		o |= x
	}
	if isNull(data) && pointsToStruct(v) {
		// encoding/json leaves a struct untouched for null, which would
		// read a body of null as an empty request.
		return &Error{Kind: ErrWrongType, Expected: "object"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if o&IgnoreUnknownFields == 0 {
		dec.DisallowUnknownFields()
	}
	if o&UseNumber != 0 {
		dec.UseNumber()
	}
	if err := dec.Decode(v); err != nil {
		return classify(err)
	}
	return nil
}

// Decode decodes one JSON value into its generic form: objects become
// map[string]any, arrays []any, numbers json.Number, strings string,
// booleans bool and null nil.
// It accepts and refuses exactly what Unmarshal with UseNumber into an any
// does, in one pass over data.
func Decode(data []byte) (any, error) {
	return decodeGeneric(data)
}

// DecodeObject is Decode for a value that must be a JSON object; any other
// value is ErrWrongType.
func DecodeObject(data []byte) (map[string]any, error) {
	v, err := Decode(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Kind: ErrWrongType, Expected: "object"}
	}
	return m, nil
}

// Read reads r to its end and decodes it as Unmarshal does, refusing more
// than limit bytes with ErrTooLarge before decoding anything. An error from
// r is returned wrapped, not as an *Error.
func Read(r io.Reader, limit int64, v any, opts ...Option) error {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return fmt.Errorf("strictjson: reading: %w", err)
	}
	if int64(len(data)) > limit {
		return &Error{Kind: ErrTooLarge, Offset: limit}
	}
	return Unmarshal(data, v, opts...)
}

// classify maps an encoding/json decode error to an *Error.
func classify(err error) error {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return &Error{Kind: ErrMalformed, Offset: se.Offset, Err: err}
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return &Error{Kind: ErrWrongType, Field: te.Field, Expected: jsonTypeName(te.Type),
			Offset: te.Offset, Err: err}
	}
	if _, ok := errors.AsType[*json.InvalidUnmarshalError](err); ok {
		return fmt.Errorf("strictjson: decode: %w", err)
	}
	// encoding/json reports unknown fields only as text (the same in its v1
	// and v2 implementations).
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if field, uerr := strconv.Unquote(name); uerr == nil {
			return &Error{Kind: ErrUnknownField, Field: field}
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Kind: ErrMalformed, Err: err}
	}
	return &Error{Kind: ErrInvalidValue, Err: err}
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

// hex4 reads four hexadecimal digits, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return -1
		}
	}
	return r
}

// isNull reports whether data (one well-formed value) is null.
func isNull(data []byte) bool {
	return bytes.Equal(bytes.Trim(data, " \t\r\n"), []byte("null"))
}

// pointsToStruct reports whether v is a pointer to a struct.
func pointsToStruct(v any) bool {
	t := reflect.TypeOf(v)
	return t != nil && t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct
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
