package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
	"unicode/utf8"
)

// referenceUnmarshal is Unmarshal as it was before its one-pass check:
// encoding/json's token scan for the structure and the duplicate keys,
// a scan of the escapes for lone surrogates, then encoding/json. It is the
// independent reading that the one-pass parser (validate, Decode) is held
// to by TestGenericMatchesUnmarshal, FuzzGeneric and FuzzUnmarshalAsReference.
func referenceUnmarshal(data []byte, v any, opts ...Option) error {
	if len(bytes.TrimLeft(data, " \t\r\n")) == 0 {
		return &Error{Kind: ErrEmpty}
	}
	if !utf8.Valid(data) {
		return &Error{Kind: ErrMalformed}
	}
	if err := scan(data); err != nil {
		return err
	}
	if err := checkSurrogates(data); err != nil {
		return err
	}
	return decodeChecked(data, v, opts)
}

// scan walks the tokens of the first JSON value in data, rejecting
// duplicate keys in any object and nesting deeper than MaxDepth, and then
// checks that only white space follows. Syntax errors are ErrMalformed.
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
			e := &Error{Kind: ErrMalformed, Err: err}
			if se, ok := errors.AsType[*json.SyntaxError](err); ok {
				e.Offset = se.Offset
			}
			return e
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].object && stack[top].wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:top]
			} else {
				key, ok := tok.(string)
				if !ok { // Token reports this as a syntax error; be safe anyway
					return &Error{Kind: ErrMalformed, Offset: dec.InputOffset()}
				}
				fk := foldKey(key)
				if _, dup := stack[top].keys[fk]; dup {
					return &Error{Kind: ErrDuplicateKey, Field: key, Offset: dec.InputOffset()}
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
			case '{', '[':
				if len(stack) >= MaxDepth {
					return &Error{Kind: ErrTooDeep, Offset: dec.InputOffset()}
				}
				stack = append(stack, frame{object: d == '{', wantKey: d == '{'})
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
		return &Error{Kind: ErrTrailingData, Offset: off}
	}
	return nil
}

// checkSurrogates refuses a \u escape that encodes half of a UTF-16
// surrogate pair without the other half. encoding/json decodes such an
// escape to U+FFFD, so "\ud800" would be stored as a character its sender
// never wrote; it is as invalid as the bytes of ill-formed UTF-8, which
// Unmarshal also refuses. data has passed scan, so it is well-formed JSON.
func checkSurrogates(data []byte) error {
	if !bytes.Contains(data, []byte(`\u`)) && !bytes.Contains(data, []byte(`\U`)) {
		return nil
	}
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			i++
			if i >= len(data) || data[i] != 'u' {
				continue // a one-character escape; scan checked it
			}
			r := hex4(data[i+1:])
			i += 4
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return &Error{Kind: ErrMalformed, Offset: int64(i - 5)}
			case r >= 0xD800 && r <= 0xDBFF:
				if i+6 >= len(data) || data[i+1] != '\\' || data[i+2] != 'u' {
					return &Error{Kind: ErrMalformed, Offset: int64(i - 5)}
				}
				if lo := hex4(data[i+3:]); lo < 0xDC00 || lo > 0xDFFF {
					return &Error{Kind: ErrMalformed, Offset: int64(i - 5)}
				}
				i += 6
			}
		}
	}
	return nil
}

// unmarshalTarget is a struct with the kinds of fields requests have.
type unmarshalTarget struct {
	Name  string           `json:"name"`
	Age   int              `json:"age"`
	Tags  []string         `json:"tags"`
	Inner *struct{ A int } `json:"inner"`
	Any   any              `json:"any"`
}

// checkUnmarshal holds Unmarshal to referenceUnmarshal for data, into an
// any and into a struct: the same accepted with the same value, the same
// refused with the same Kind and Field.
func checkUnmarshal(t *testing.T, data []byte) {
	t.Helper()
	for _, mk := range []func() any{func() any { return new(any) }, func() any { return new(unmarshalTarget) }} {
		for _, opt := range []Option{0, UseNumber, IgnoreUnknownFields} {
			got, want := mk(), mk()
			err, wantErr := Unmarshal(data, got, opt), referenceUnmarshal(data, want, opt)
			switch {
			case err == nil && wantErr == nil:
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%q into %T: %#v, reference %#v", data, got, got, want)
				}
			case err != nil && wantErr != nil:
				var ge, we *Error
				if errors.As(err, &ge) != errors.As(wantErr, &we) {
					t.Fatalf("%q into %T: %v, reference %v", data, got, err, wantErr)
				}
				if ge != nil && (ge.Kind != we.Kind || ge.Field != we.Field) {
					t.Fatalf("%q into %T: %v (field %q), reference %v (field %q)", data, got, ge.Kind, ge.Field, we.Kind, we.Field)
				}
			default:
				t.Fatalf("%q into %T: error %v, reference error %v", data, got, err, wantErr)
			}
		}
	}
}

func TestUnmarshalMatchesReference(t *testing.T) {
	for _, s := range genericCases {
		checkUnmarshal(t, []byte(s))
	}
	for _, s := range []string{
		`{"name":"a","age":3,"tags":["x"],"inner":{"A":1},"any":[1,{"b":2}]}`,
		`{"name":"a","Name":"b"}`, `{"age":"3"}`, `{"nope":1}`, `null`, `{"inner":null}`,
		`{"tags":["\ud800"]}`, `{"name":"a"} x`, `{"age":1e999}`, `[1]`,
	} {
		checkUnmarshal(t, []byte(s))
	}
}

func FuzzUnmarshalAsReference(f *testing.F) {
	for _, s := range genericCases {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"name":"a","age":3,"tags":["x"],"inner":{"A":1},"any":[1,{"b":2}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkUnmarshal(t, data)
	})
}

// BenchmarkUnmarshal decodes a request body of the size a wallet's answer
// has into a struct, with Unmarshal and with the token-scan reference it
// replaced.
func BenchmarkUnmarshal(b *testing.B) {
	body := []byte(`{"code":"k3Jd9sQx7LmP2vNc","proof":"` + string(bytes.Repeat([]byte("eyJhbGciOiJFUzI1NiJ9"), 24)) +
		`","provided":["age_over_18","name","nationality"],"plaintext":false,"level":"possession","nonce":"n-0S6_WzA2Mj"}`)
	type answer struct {
		Code      string   `json:"code"`
		Proof     string   `json:"proof"`
		Provided  []string `json:"provided"`
		Plaintext bool     `json:"plaintext"`
		Level     string   `json:"level"`
		Nonce     string   `json:"nonce"`
	}
	for _, bc := range []struct {
		name string
		fn   func([]byte, any, ...Option) error
	}{{"Unmarshal", Unmarshal}, {"reference", referenceUnmarshal}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var a answer
				if err := bc.fn(body, &a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
