// Package strictjson decodes JSON from outside input more strictly than
// encoding/json: duplicate object keys, invalid UTF-8, trailing data and
// excessive nesting are errors instead of being silently accepted.
//
// encoding/json keeps the last of two duplicate keys; two parsers that
// disagree on which duplicate wins are a classic signature-bypass vector, so
// every JSON document inside an SD-JWT or status list token goes through
// Decode.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects Decode accepts.
const MaxDepth = 64

// Sentinel errors; every error from Decode wraps exactly one of them.
var (
	// ErrSyntax: not valid JSON, or not valid UTF-8.
	ErrSyntax = errors.New("strictjson: invalid JSON")
	// ErrDuplicateKey: an object holds the same key twice.
	ErrDuplicateKey = errors.New("strictjson: duplicate object key")
	// ErrTrailingData: something other than white space follows the value.
	ErrTrailingData = errors.New("strictjson: trailing data after JSON value")
	// ErrTooDeep: nesting exceeds MaxDepth.
	ErrTooDeep = errors.New("strictjson: nesting too deep")
	// ErrNotObject: DecodeObject was given a value that is not an object.
	ErrNotObject = errors.New("strictjson: not a JSON object")
)

// Decode decodes one JSON value. Objects become map[string]any, arrays
// []any, numbers json.Number (so no precision is lost), strings string,
// booleans bool and null nil.
func Decode(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrSyntax)
	}
	// json.Valid settles the grammar once, so the token walk below only has
	// to look for what encoding/json tolerates.
	if !json.Valid(data) {
		return nil, ErrSyntax
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrTrailingData
	}
	return v, nil
}

// DecodeObject is Decode for a value that must be a JSON object.
func DecodeObject(data []byte) (map[string]any, error) {
	v, err := Decode(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, ErrNotObject
	}
	return m, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxErr(err)
	}
	return decodeFrom(dec, tok, depth)
}

func decodeFrom(dec *json.Decoder, tok json.Token, depth int) (any, error) {
	switch t := tok.(type) {
	case json.Delim:
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		switch t {
		case '{':
			m := make(map[string]any)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, syntaxErr(err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("%w: object key is not a string", ErrSyntax)
				}
				if _, dup := m[k]; dup {
					return nil, ErrDuplicateKey
				}
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				m[k] = v
			}
			if err := closing(dec, '}'); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if err := closing(dec, ']'); err != nil {
				return nil, err
			}
			return a, nil
		}
		return nil, fmt.Errorf("%w: unexpected delimiter", ErrSyntax)
	case string, json.Number, bool, nil:
		return t, nil
	}
	return nil, fmt.Errorf("%w: unexpected token", ErrSyntax)
}

func closing(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return syntaxErr(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%w: unbalanced delimiters", ErrSyntax)
	}
	return nil
}

func syntaxErr(err error) error {
	if err == io.EOF {
		return fmt.Errorf("%w: unexpected end of input", ErrSyntax)
	}
	return fmt.Errorf("%w: %w", ErrSyntax, err)
}
