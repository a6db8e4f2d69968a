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

func TestDecodeJSONInvalidValueHidesInput(t *testing.T) {
	var v struct {
		Born badDate `json:"born"`
	}
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"born":"1990-03-07"}`))
	r.Header.Set("Content-Type", "application/json")
	err := DecodeJSON(httptest.NewRecorder(), r, 0, &v)
	if !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("err = %v, want ErrInvalidValue", err)
	}
	p, ok := errors.AsType[*Problem](err)
	if !ok || p.Status != 400 || strings.Contains(p.Detail, "1990") {
		t.Errorf("problem = %+v", p)
	}
}

// badDate rejects every value with a message that repeats the input.
type badDate struct{}

func (*badDate) UnmarshalText(b []byte) error { return errors.New("bad date " + string(b)) }

func TestDecodeJSONNotPointer(t *testing.T) {
	var v person
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "application/json")
	err := DecodeJSON(httptest.NewRecorder(), r, 0, v)
	if _, ok := errors.AsType[*json.InvalidUnmarshalError](err); !ok {
		t.Fatalf("err = %v, want InvalidUnmarshalError", err)
	}
	if p, ok := errors.AsType[*Problem](err); !ok || p.Status != 500 {
		t.Errorf("problem = %+v, want status 500", p)
	}
}

func TestDecodeJSONTooDeep(t *testing.T) {
	body := `{"any":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	err := DecodeJSON(rec, r, 0, &person{})
	if !errors.Is(err, ErrTooDeep) {
		t.Fatalf("err = %v, want ErrTooDeep", err)
	}
	WriteError(rec, r, nil, err)
	readProblem(t, rec, 400, "malformed-json")
}

// FuzzDecodeJSON checks that DecodeJSON answers every body with nil or a
// *Problem that unwraps to one of the sentinels (the rules themselves are
// fuzzed in strictjson).
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","age":3,"tags":["x"],"address":{"city":"c","zip":1}}`,
		`{"a":1,"a":2}`,
		`{"a":{"b":1,"B":2}}`,
		`{"n\u0061me":1,"name":2}`,
		`{} {}`,
		`"\ud800"`,
		`1e999`,
		` null `,
		"{\"\xff\":1}",
	} {
		f.Add([]byte(s))
	}
	sentinels := []error{ErrEmpty, ErrMalformed, ErrTooDeep, ErrUnknownField, ErrDuplicateKey, ErrTrailingData, ErrWrongType, ErrInvalidValue, ErrTooLarge}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(data))
		r.Header.Set("Content-Type", "application/json")
		var p person
		err := DecodeJSON(httptest.NewRecorder(), r, 1<<10, &p)
		if err == nil {
			return
		}
		if _, ok := errors.AsType[*Problem](err); !ok {
			t.Fatalf("error %v is not a *Problem", err)
		}
		known := false
		for _, s := range sentinels {
			known = known || errors.Is(err, s)
		}
		if !known {
			t.Fatalf("error %v wraps no sentinel", err)
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
