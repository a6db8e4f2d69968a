package chip

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// errJSON is the detail of a strict JSON decoding failure. Its messages name
// JSON members but never repeat values, which may be personal data.
var errJSON = errors.New("invalid JSON")

// decodeStrictJSON decodes b, a single flat JSON object, into the struct that
// v points to. encoding/json alone accepts duplicate keys (last wins), keys in
// any letter case, null for any field and invalid UTF-8, so the token stream is
// checked first: every key must be exactly one of the struct's JSON names, at
// most once; every value a string, number or boolean; and nothing may follow
// the object.
func decodeStrictJSON(b []byte, v any) error {
	if !utf8.Valid(b) {
		return fmt.Errorf("%w: not UTF-8", errJSON)
	}
	names := jsonNames(reflect.TypeOf(v).Elem())
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil {
		return fmt.Errorf("%w: %s", errJSON, syntaxDetail(err))
	} else if tok != json.Delim('{') {
		return fmt.Errorf("%w: not an object", errJSON)
	}
	seen := make(map[string]bool, len(names))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %s", errJSON, syntaxDetail(err))
		}
		key, _ := tok.(string)
		if !names[key] {
			return fmt.Errorf("%w: unknown field", errJSON)
		}
		if seen[key] {
			return fmt.Errorf("%w: duplicate field %q", errJSON, key)
		}
		seen[key] = true
		tok, err = dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %s", errJSON, syntaxDetail(err))
		}
		switch tok.(type) {
		case string, json.Number, bool:
		case nil:
			return fmt.Errorf("%w: field %q is null", errJSON, key)
		default:
			return fmt.Errorf("%w: field %q is not a scalar", errJSON, key)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return fmt.Errorf("%w: %s", errJSON, syntaxDetail(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data after the object", errJSON)
	}
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%w: field %q has the wrong type", errJSON, te.Field)
		}
		// Errors from UnmarshalText (dates, …) may quote the value: keep
		// them out of the message.
		return fmt.Errorf("%w: a field has an invalid value", errJSON)
	}
	return nil
}

// syntaxDetail describes a JSON syntax error by offset only; the decoder's
// own message may quote input characters.
func syntaxDetail(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at offset %d", se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return "syntax error"
}

var jsonNamesCache sync.Map // reflect.Type → map[string]bool

// jsonNames returns the JSON member names of struct type t, including those
// of embedded structs, as encoding/json would use them.
func jsonNames(t reflect.Type) map[string]bool {
	if m, ok := jsonNamesCache.Load(t); ok {
		return m.(map[string]bool)
	}
	m := make(map[string]bool)
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			m[name] = true
		}
	}
	walk(t)
	jsonNamesCache.Store(t, m)
	return m
}
