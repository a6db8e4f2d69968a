package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

type address struct {
	City string `json:"city"`
	Zip  int    `json:"zip"`
}

type person struct {
	Name    string            `json:"name"`
	Age     int               `json:"age"`
	Tags    []string          `json:"tags"`
	Address *address          `json:"address"`
	Extra   map[string]string `json:"extra"`
	Any     any               `json:"any"`
}

func TestDecodeJSONRejects(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		noBody      bool
		max         int64
		status      int
		slug        string
		sentinel    error
		field       string
		expected    string
	}{
		{name: "no content type", contentType: "", body: `{}`, status: 415, slug: "unsupported-media-type", sentinel: ErrContentType},
		{name: "text/plain", contentType: "text/plain", body: `{}`, status: 415, slug: "unsupported-media-type", sentinel: ErrContentType},
		{name: "json suffix type", contentType: "application/merge-patch+json", body: `{}`, status: 415, slug: "unsupported-media-type", sentinel: ErrContentType},
		{name: "latin1 charset", contentType: "application/json; charset=iso-8859-1", body: `{}`, status: 415, slug: "unsupported-media-type", sentinel: ErrContentType},
		{name: "other parameter", contentType: "application/json; foo=bar", body: `{}`, status: 415, slug: "unsupported-media-type", sentinel: ErrContentType},
		{name: "bad media type", contentType: "application/json;;", body: `{}`, status: 415, slug: "unsupported-media-type", sentinel: ErrContentType},
		{name: "too large", body: `{"name":"` + strings.Repeat("a", 100) + `"}`, max: 50, status: 413, slug: "body-too-large", sentinel: ErrTooLarge},
		{name: "too large, unknown length", body: `{"name":"` + strings.Repeat("a", 100) + `"}`, max: 50, noBody: true, status: 413, slug: "body-too-large", sentinel: ErrTooLarge},
		{name: "empty", body: ``, status: 400, slug: "empty-body", sentinel: ErrEmpty},
		{name: "whitespace", body: " \n\t ", status: 400, slug: "empty-body", sentinel: ErrEmpty},
		{name: "syntax", body: `{"name":}`, status: 400, slug: "malformed-json", sentinel: ErrMalformed},
		{name: "truncated", body: `{"name":"a"`, status: 400, slug: "malformed-json", sentinel: ErrMalformed},
		{name: "invalid utf-8", body: "{\"name\":\"\xff\"}", status: 400, slug: "malformed-json", sentinel: ErrMalformed},
		{name: "single quotes", body: `{'name':'a'}`, status: 400, slug: "malformed-json", sentinel: ErrMalformed},
		{name: "unknown field", body: `{"name":"a","nickname":"b"}`, status: 400, slug: "unknown-field", sentinel: ErrUnknownField, field: "nickname"},
		{name: "nested unknown field", body: `{"address":{"city":"x","street":"y"}}`, status: 400, slug: "unknown-field", sentinel: ErrUnknownField, field: "street"},
		{name: "duplicate key", body: `{"name":"a","name":"b"}`, status: 400, slug: "duplicate-key", sentinel: ErrDuplicateKey, field: "name"},
		{name: "duplicate key differing in case", body: `{"name":"a","NAME":"b"}`, status: 400, slug: "duplicate-key", sentinel: ErrDuplicateKey, field: "NAME"},
		{name: "duplicate key escaped", body: `{"name":"a","n\u0061me":"b"}`, status: 400, slug: "duplicate-key", sentinel: ErrDuplicateKey, field: "name"},
		{name: "nested duplicate key", body: `{"address":{"city":"x","zip":1,"city":"y"}}`, status: 400, slug: "duplicate-key", sentinel: ErrDuplicateKey, field: "city"},
		{name: "duplicate in map", body: `{"extra":{"k":"1","k":"2"}}`, status: 400, slug: "duplicate-key", sentinel: ErrDuplicateKey, field: "k"},
		{name: "duplicate deep in any", body: `{"any":[1,{"a":[{"b":1,"b":2}]}]}`, status: 400, slug: "duplicate-key", sentinel: ErrDuplicateKey, field: "b"},
		{name: "duplicate before syntax error", body: `{"name":"a","name":"b"`, status: 400, slug: "duplicate-key", sentinel: ErrDuplicateKey, field: "name"},
		{name: "trailing object", body: `{"name":"a"}{}`, status: 400, slug: "trailing-data", sentinel: ErrTrailingData},
		{name: "trailing garbage", body: `{"name":"a"} x`, status: 400, slug: "trailing-data", sentinel: ErrTrailingData},
		{name: "trailing bracket", body: `{"name":"a"}]`, status: 400, slug: "trailing-data", sentinel: ErrTrailingData},
		{name: "wrong type", body: `{"age":"old"}`, status: 400, slug: "wrong-type", sentinel: ErrWrongType, field: "age", expected: "integer"},
		{name: "nested wrong type", body: `{"address":{"zip":"100000"}}`, status: 400, slug: "wrong-type", sentinel: ErrWrongType, field: "address.zip", expected: "integer"},
		{name: "wrong element type", body: `{"tags":[1]}`, status: 400, slug: "wrong-type", sentinel: ErrWrongType, field: "tags", expected: "string"},
		{name: "fraction for int", body: `{"age":1.5}`, status: 400, slug: "wrong-type", sentinel: ErrWrongType, field: "age", expected: "integer"},
		{name: "top-level array", body: `[]`, status: 400, slug: "wrong-type", sentinel: ErrWrongType, expected: "object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := tt.max
			if max == 0 {
				max = 1 << 10
			}
			var body io.Reader = strings.NewReader(tt.body)
			if tt.noBody {
				body = io.MultiReader(body) // hides the length
			}
			r := httptest.NewRequest("POST", "/v1/things", body)
			if tt.noBody {
				r.ContentLength = -1
			}
			if tt.contentType != "" || tt.status != 415 {
				ct := tt.contentType
				if ct == "" {
					ct = "application/json; charset=UTF-8"
				}
				r.Header.Set("Content-Type", ct)
			}
			rec := httptest.NewRecorder()
			var v person
			err := DecodeJSON(rec, r, max, &v)
			if err == nil {
				t.Fatal("DecodeJSON accepted the request")
			}
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("error %v is not a *Problem", err)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v does not wrap %v", err, tt.sentinel)
			}
			if got := p.Extensions[ExtField]; tt.field != "" && got != tt.field {
				t.Errorf("field = %v, want %q", got, tt.field)
			}
			if got := p.Extensions[ExtExpected]; tt.expected != "" && got != tt.expected {
				t.Errorf("expected = %v, want %q", got, tt.expected)
			}
			WriteError(rec, r, nil, err)
			readProblem(t, rec, tt.status, tt.slug)
		})
	}
}

func TestDecodeJSONAccepts(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    person
	}{
		{name: "plain", contentType: "application/json", body: `{"name":"a","age":3}`, want: person{Name: "a", Age: 3}},
		{name: "charset", contentType: "application/json; charset=utf-8", body: ` {"name":"a"} ` + "\n", want: person{Name: "a"}},
		{name: "same key in sibling objects", contentType: "application/json",
			body: `{"address":{"city":"x"},"any":[{"city":1},{"city":2}],"extra":{"city":"z"}}`,
			want: person{Address: &address{City: "x"}, Any: []any{map[string]any{"city": 1.0}, map[string]any{"city": 2.0}}, Extra: map[string]string{"city": "z"}}},
		{name: "big number into any", contentType: "application/json", body: `{"any":1e300}`, want: person{Any: 1e300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.contentType)
			var got person
			if err := DecodeJSON(httptest.NewRecorder(), r, 0, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeStrict(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		sentinel error
	}{
		{"ok", `{"name":"a"}`, nil},
		{"empty", ``, ErrEmpty},
		{"malformed", `{`, ErrMalformed},
		{"unknown", `{"x":1}`, ErrUnknownField},
		{"duplicate", `{"tags":[],"tags":[]}`, ErrDuplicateKey},
		{"duplicate, Kelvin sign folds to k", "{\"extra\":{\"k\":\"1\",\"\u212a\":\"2\"}}", ErrDuplicateKey},
		{"trailing", `{} {}`, ErrTrailingData},
		{"wrong type", `{"name":1}`, ErrWrongType},
		{"number out of range", `{"age":1e999}`, ErrWrongType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v person
			err := DecodeStrict([]byte(tt.in), &v)
			if !errors.Is(err, tt.sentinel) || (tt.sentinel == nil) != (err == nil) {
				t.Fatalf("DecodeStrict(%q) = %v, want %v", tt.in, err, tt.sentinel)
			}
		})
	}
}

// badDate rejects every value with a message that repeats the input.
type badDate struct{}

func (*badDate) UnmarshalText(b []byte) error { return errors.New("bad date " + string(b)) }

func TestDecodeStrictInvalidValueHidesInput(t *testing.T) {
	var v struct {
		Born badDate `json:"born"`
	}
	err := DecodeStrict([]byte(`{"born":"1990-03-07"}`), &v)
	if !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("err = %v, want ErrInvalidValue", err)
	}
	if strings.Contains(err.Error(), "1990") {
		t.Errorf("error message repeats the input: %v", err)
	}
	if p := problemFor(err); p.Status != 400 || strings.Contains(p.Detail, "1990") {
		t.Errorf("problem = %+v", p)
	}
}

func TestDecodeStrictNotPointer(t *testing.T) {
	var v person
	err := DecodeStrict([]byte(`{}`), v)
	if _, ok := errors.AsType[*json.InvalidUnmarshalError](err); !ok {
		t.Fatalf("err = %v, want InvalidUnmarshalError", err)
	}
	if p := problemFor(err); p.Status != 500 {
		t.Errorf("status = %d, want 500", p.Status)
	}
}

// countMembers counts the object members in a decoded value.
func countMembers(v any) int {
	switch v := v.(type) {
	case map[string]any:
		n := len(v)
		for _, e := range v {
			n += countMembers(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range v {
			n += countMembers(e)
		}
		return n
	}
	return 0
}

// countKeys counts the object keys in the raw JSON, duplicates included.
func countKeys(t *testing.T, data []byte) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var objects []bool // per open container: is it an object
	var expectKey []bool
	n := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return n
		}
		top := len(objects) - 1
		if top >= 0 && objects[top] && expectKey[top] {
			if tok == json.Delim('}') {
				objects, expectKey = objects[:top], expectKey[:top]
			} else {
				n++
				expectKey[top] = false
				continue
			}
		} else if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
			objects = append(objects, d == '{')
			expectKey = append(expectKey, d == '{')
			continue
		} else if ok {
			objects, expectKey = objects[:top], expectKey[:top]
		}
		if len(objects) == 0 {
			return n
		}
		if top := len(objects) - 1; objects[top] {
			expectKey[top] = true
		}
	}
}

func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","age":3,"tags":["x"],"address":{"city":"c","zip":1}}`,
		`{"a":1,"a":2}`,
		`{"a":{"b":1,"B":2}}`,
		`[{"x":1},{"x":1}]`,
		`{"n\u0061me":1,"name":2}`,
		`{} {}`,
		`"\ud800"`,
		`1e999`,
		` null `,
		"{\"\xff\":1}",
	} {
		f.Add([]byte(s))
	}
	sentinels := []error{ErrEmpty, ErrMalformed, ErrUnknownField, ErrDuplicateKey, ErrTrailingData, ErrWrongType, ErrInvalidValue}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p person
		if err := DecodeStrict(data, &p); err != nil {
			known := false
			for _, s := range sentinels {
				known = known || errors.Is(err, s)
			}
			if !known {
				t.Fatalf("struct target: error %v wraps no sentinel", err)
			}
		}

		var v any
		err := DecodeStrict(data, &v)
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrDuplicateKey) &&
				!errors.Is(err, ErrTrailingData) && !errors.Is(err, ErrWrongType) {
				t.Fatalf("any target: unexpected error %v", err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if got, want := countMembers(v), countKeys(t, data); got != want {
			t.Fatalf("accepted %q with duplicate keys: %d members decoded, %d keys in input", data, got, want)
		}
		enc, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("accepted value does not re-encode: %v", err)
		}
		var back any
		if err := DecodeStrict(enc, &back); err != nil {
			t.Fatalf("re-encoded %q rejected: %v", enc, err)
		}
		if !reflect.DeepEqual(v, back) {
			t.Fatalf("round trip changed the value: %#v != %#v", v, back)
		}
	})
}

func BenchmarkDecodeJSON(b *testing.B) {
	body := []byte(`{"name":"Zhang San","age":34,"tags":["a","b","c"],"address":{"city":"Beijing","zip":100000},` +
		`"extra":{"k1":"v1","k2":"v2","k3":"v3"},"any":[1,2,{"x":true,"y":null}]}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v person
		if err := DecodeJSON(discardWriter{}, r, 1<<20, &v); err != nil {
			b.Fatal(err)
		}
	}
}

type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}

func TestFoldKeyOrbits(t *testing.T) {
	// Every rune folds to the same key as every rune in its fold orbit, on
	// the ASCII fast path and the general path alike.
	for r := rune(0); r <= 0x1FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		k := foldKey(string(r))
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if fk := foldKey(string(f)); fk != k {
				t.Fatalf("foldKey(%q) = %q but foldKey(%q) = %q", r, k, f, fk)
			}
		}
	}
	if foldKey("Name_1") != foldKey("nAME_1") || foldKey("name") == foldKey("names") {
		t.Error("ASCII folding is wrong")
	}
}
