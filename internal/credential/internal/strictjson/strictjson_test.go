package strictjson

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{`{"a":1,"b":[1,2,{"c":null}]}`, nil},
		{` "x" `, nil},
		{`{"a":1,"a":2}`, ErrDuplicateKey},
		{`{"a":{"b":1,"b":1}}`, ErrDuplicateKey},
		{`[{"a":1},{"a":1}]`, nil},
		{`{"a":1} {}`, ErrSyntax},
		{`{"a":1}x`, ErrSyntax},
		{`{"a":1,}`, ErrSyntax},
		{``, ErrSyntax},
		{"\"\xff\"", ErrSyntax},
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
	if _, err := DecodeObject([]byte(`[1]`)); !errors.Is(err, ErrNotObject) {
		t.Fatalf("got %v, want ErrNotObject", err)
	}
	m, err := DecodeObject([]byte(`{"n":12345678901234567890}`))
	if err != nil {
		t.Fatal(err)
	}
	if m["n"] != json.Number("12345678901234567890") {
		t.Fatalf("number not preserved: %v", m["n"])
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":1,"a":1}`, `[1,"x",null,true]`, `1 2`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(b); err != nil {
			t.Fatalf("re-encoded value rejected: %v", err)
		}
	})
}
