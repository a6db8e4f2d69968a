package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
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

func TestUnmarshal(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		sentinel error
		field    string
	}{
		{"ok", `{"name":"a"}`, nil, ""},
		{"empty", ``, ErrEmpty, ""},
		{"white space", " \n\t ", ErrEmpty, ""},
		{"malformed", `{`, ErrMalformed, ""},
		{"syntax", `{"name":}`, ErrMalformed, ""},
		{"single quotes", `{'name':'a'}`, ErrMalformed, ""},
		{"invalid utf-8", "{\"name\":\"\xff\"}", ErrMalformed, ""},
		{"lone high surrogate", `{"name":"\ud800"}`, ErrMalformed, ""},
		{"lone high surrogate at the end", `{"name":"a\uD83D"}`, ErrMalformed, ""},
		{"high surrogate then a letter", `{"name":"\ud83dx"}`, ErrMalformed, ""},
		{"high surrogate then another escape", `{"name":"\ud83d\n"}`, ErrMalformed, ""},
		{"high surrogate then a high surrogate", `{"name":"\ud83d\ud83d"}`, ErrMalformed, ""},
		{"lone low surrogate", `{"name":"\udc00"}`, ErrMalformed, ""},
		{"lone surrogate in a key", `{"extra":{"\ud800":"x"}}`, ErrMalformed, ""},
		{"surrogate pair", `{"name":"\ud83d\ude00 \u00e9 \\ud800"}`, nil, ""},
		{"escaped backslash before u", `{"name":"\\udc00"}`, nil, ""},
		{"null for an object", ` null `, ErrWrongType, ""},
		{"null member", `{"address":null,"tags":null}`, nil, ""},
		{"unknown", `{"x":1}`, ErrUnknownField, "x"},
		{"nested unknown", `{"address":{"city":"x","street":"y"}}`, ErrUnknownField, "street"},
		{"duplicate", `{"tags":[],"tags":[]}`, ErrDuplicateKey, "tags"},
		{"duplicate differing in case", `{"name":"a","NAME":"b"}`, ErrDuplicateKey, "NAME"},
		{"duplicate escaped", `{"name":"a","n\u0061me":"b"}`, ErrDuplicateKey, "name"},
		{"duplicate in map", `{"extra":{"k":"1","k":"2"}}`, ErrDuplicateKey, "k"},
		{"duplicate, Kelvin sign folds to k", "{\"extra\":{\"k\":\"1\",\"\u212a\":\"2\"}}", ErrDuplicateKey, "\u212a"},
		{"duplicate deep in any", `{"any":[1,{"a":[{"b":1,"b":2}]}]}`, ErrDuplicateKey, "b"},
		{"duplicate before syntax error", `{"name":"a","name":"b"`, ErrDuplicateKey, "name"},
		{"trailing object", `{} {}`, ErrTrailingData, ""},
		{"trailing garbage", `{"name":"a"} x`, ErrTrailingData, ""},
		{"trailing bracket", `{"name":"a"}]`, ErrTrailingData, ""},
		{"wrong type", `{"name":1}`, ErrWrongType, "name"},
		{"nested wrong type", `{"address":{"zip":"100000"}}`, ErrWrongType, "address.zip"},
		{"number out of range", `{"age":1e999}`, ErrWrongType, "age"},
		{"too deep", `{"any":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`, ErrTooDeep, ""},
		{"deepest accepted", `{"any":` + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + `}`, nil, ""},
		{"same key in sibling objects", `{"address":{"city":"x"},"any":[{"city":1},{"city":2}],"extra":{"city":"z"}}`, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v person
			err := Unmarshal([]byte(tt.in), &v)
			if !errors.Is(err, tt.sentinel) || (tt.sentinel == nil) != (err == nil) {
				t.Fatalf("Unmarshal(%q) = %v, want %v", tt.in, err, tt.sentinel)
			}
			if tt.field != "" {
				e, ok := errors.AsType[*Error](err)
				if !ok || e.Field != tt.field {
					t.Fatalf("error %#v, want field %q", err, tt.field)
				}
			}
		})
	}
}

func TestUnmarshalOptions(t *testing.T) {
	var v struct {
		Iss string `json:"iss"`
	}
	if err := Unmarshal([]byte(`{"iss":"a","extra":{"x":[1]}}`), &v, IgnoreUnknownFields); err != nil || v.Iss != "a" {
		t.Fatalf("IgnoreUnknownFields: %v, %+v", err, v)
	}
	// An ignored member still cannot shadow a known one.
	if err := Unmarshal([]byte(`{"iss":"a","ISS":"b"}`), &v, IgnoreUnknownFields); !errors.Is(err, ErrDuplicateKey) {
		t.Fatalf("case-folded duplicate with IgnoreUnknownFields = %v, want ErrDuplicateKey", err)
	}
	var n any
	if err := Unmarshal([]byte(`12345678901234567890`), &n, UseNumber); err != nil || n != json.Number("12345678901234567890") {
		t.Fatalf("UseNumber: %v, %v", err, n)
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{`{"a":1,"b":[1,2,{"c":null}]}`, nil},
		{` "x" `, nil},
		{`{"a":1,"a":2}`, ErrDuplicateKey},
		{`{"a":1,"A":2}`, ErrDuplicateKey},
		{`{"a":{"b":1,"b":1}}`, ErrDuplicateKey},
		{`[{"a":1},{"a":1}]`, nil},
		{`{"a":1} {}`, ErrTrailingData},
		{`{"a":1}x`, ErrTrailingData},
		{`{"a":1,}`, ErrMalformed},
		{``, ErrEmpty},
		{"\"\xff\"", ErrMalformed},
		{strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), ErrTooDeep},
		{strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), nil},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.in))
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("Decode(%q) = %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestDecodeObject(t *testing.T) {
	if _, err := DecodeObject([]byte(`[1]`)); !errors.Is(err, ErrWrongType) {
		t.Fatalf("got %v, want ErrWrongType", err)
	}
	m, err := DecodeObject([]byte(`{"n":12345678901234567890}`))
	if err != nil {
		t.Fatal(err)
	}
	if m["n"] != json.Number("12345678901234567890") {
		t.Fatalf("number not preserved: %v", m["n"])
	}
}

func TestRead(t *testing.T) {
	var v person
	if err := Read(strings.NewReader(`{"name":"a"}`), 12, &v); err != nil || v.Name != "a" {
		t.Fatalf("Read at the limit: %v, %+v", err, v)
	}
	if err := Read(strings.NewReader(`{"name":"ab"}`), 12, &v); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Read over the limit = %v, want ErrTooLarge", err)
	}
	boom := errors.New("boom")
	err := Read(iotest.ErrReader(boom), 12, &v)
	if !errors.Is(err, boom) {
		t.Fatalf("Read error = %v, want the reader's", err)
	}
	if _, ok := errors.AsType[*Error](err); ok {
		t.Fatalf("a reader's error is not a rejection of the input: %#v", err)
	}
}

// badDate rejects every value with a message that repeats the input.
type badDate struct{}

func (*badDate) UnmarshalText(b []byte) error { return errors.New("bad date " + string(b)) }

func TestInvalidValueHidesInput(t *testing.T) {
	var v struct {
		Born badDate `json:"born"`
	}
	err := Unmarshal([]byte(`{"born":"1990-03-07"}`), &v)
	if !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("err = %v, want ErrInvalidValue", err)
	}
	if strings.Contains(err.Error(), "1990") {
		t.Errorf("error message repeats the input: %v", err)
	}
}

func TestMessageNeverRepeatsLongKeys(t *testing.T) {
	long := strings.Repeat("密", 100)
	err := Unmarshal([]byte(`{"`+long+`":1}`), &person{})
	if !errors.Is(err, ErrUnknownField) || strings.Contains(err.Error(), long) || !strings.Contains(err.Error(), "…") {
		t.Fatalf("err = %v", err)
	}
}

func TestNotPointer(t *testing.T) {
	var v person
	err := Unmarshal([]byte(`{}`), v)
	if _, ok := errors.AsType[*json.InvalidUnmarshalError](err); !ok {
		t.Fatalf("err = %v, want InvalidUnmarshalError", err)
	}
}

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
func countKeys(data []byte) int {
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

func FuzzUnmarshal(f *testing.F) {
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
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	} {
		f.Add([]byte(s))
	}
	sentinels := []error{ErrEmpty, ErrMalformed, ErrTooDeep, ErrUnknownField, ErrDuplicateKey, ErrTrailingData, ErrWrongType, ErrInvalidValue}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p person
		if err := Unmarshal(data, &p); err != nil {
			known := false
			for _, s := range sentinels {
				known = known || errors.Is(err, s)
			}
			if !known {
				t.Fatalf("struct target: error %v wraps no sentinel", err)
			}
		}

		v, err := Decode(data)
		if err != nil {
			if errors.Is(err, ErrUnknownField) || errors.Is(err, ErrInvalidValue) {
				t.Fatalf("generic target: unexpected error %v", err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if got, want := countMembers(v), countKeys(data); got != want {
			t.Fatalf("accepted %q with duplicate keys: %d members decoded, %d keys in input", data, got, want)
		}
		enc, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("accepted value does not re-encode: %v", err)
		}
		back, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded %q rejected: %v", enc, err)
		}
		if !reflect.DeepEqual(v, back) {
			t.Fatalf("round trip changed the value: %#v != %#v", v, back)
		}
	})
}
