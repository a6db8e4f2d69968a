package strictjson

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// FuzzGeneric holds Decode's one-pass parser to Unmarshal (a token scan,
// then encoding/json): the same inputs accepted with the same values, the
// same refused with the same error kind and, for a duplicate key, the same
// key.
func FuzzGeneric(f *testing.F) {
	for _, s := range genericCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkGeneric(t, data)
	})
}

func TestGenericMatchesUnmarshal(t *testing.T) {
	for _, s := range genericCases {
		checkGeneric(t, []byte(s))
	}
	// Objects large enough for the folded-key map.
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + strings.Repeat("x", i) + `":1`)
	}
	big := b.String()
	checkGeneric(t, []byte(big+"}"))
	checkGeneric(t, []byte(big+`,"KXXX":2}`))
	checkGeneric(t, []byte(big+`,"k\u017f":2,"kS":3}`))
	checkGeneric(t, []byte(`{"`+strings.Repeat("a", 3)+`":1,`+big[1:]+`,"AAA":2}`))
}

var genericCases = []string{
	`{"name":"a","age":3,"tags":["x"],"address":{"city":"c","zip":1}}`,
	`{"a":1,"a":2}`, `{"a":{"b":1,"B":2}}`, `{"K":1,"\u212a":2}`, `{"ſ":1,"s":2}`,
	`[{"x":1},{"x":1}]`, `{"n\u0061me":1,"name":2}`, `{} {}`, `{}x`, `1x`, `1 x`, `truex`, `true x`,
	`"\ud800"`, `"\udc00"`, `"\ud800\udc00"`, `"\ud800\u0041"`, `"\ud800\ud800\udc00"`, `["\ud800",]`,
	`{"a":"\ud800","a":1}`, `"\ud83d\ude00 \u00e9 \n\t\"\\\/\b\f\r"`, `"\x"`, `"\u12"`, `"\u12g4"`,
	"\"a\x01\"", "\"a\x7f\"", `"abc`, `"`, `1e999`, `-0.5E+10`, `-`, `01`, `1.`, `1.e5`, `1e`, `1e+`,
	`-01`, `.5`, `+1`, `0x10`, `1E-7`, ` null `, `nul`, `nulls`, `fals`, `tru`, `[`, `]`, `{`, `}`,
	`[1,]`, `[,1]`, `[1 2]`, `{"a":}`, `{"a" 1}`, `{"a":1,}`, `{,"a":1}`, `{1:2}`, `{"a":1 "b":2}`,
	"", " ", "\t\r\n", " \xff", "\xff", "{\"\xff\":1}", `[]`, `{}`, `[[],{},""]`, `""`, `"\u0000"`,
	"\ufeff{}", `{"a":[1,{"b":[{"c":null}]}]}`, `[1,2,3]  `, "  {\"a\":true}\n",
	`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	strings.Repeat(`{"a":`, 64) + "1" + strings.Repeat("}", 64),
	strings.Repeat(`{"a":`, 65) + "1" + strings.Repeat("}", 65),
	strings.Repeat(`[`, 65) + "x",
}

func checkGeneric(t *testing.T, data []byte) {
	t.Helper()
	var want any
	wantErr := referenceUnmarshal(data, &want, UseNumber)
	got, err := Decode(data)
	switch {
	case wantErr == nil && err == nil:
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: Decode gave %#v, Unmarshal %#v", data, got, want)
		}
	case wantErr != nil && err != nil:
		var we, ge *Error
		if !errors.As(wantErr, &we) || !errors.As(err, &ge) {
			t.Fatalf("%q: errors %v and %v, not both *Error", data, err, wantErr)
		}
		if we.Kind != ge.Kind || we.Field != ge.Field {
			t.Fatalf("%q: Decode refused with %v (field %q), Unmarshal with %v (field %q)", data, ge.Kind, ge.Field, we.Kind, we.Field)
		}
	default:
		t.Fatalf("%q: Decode error %v, Unmarshal error %v", data, err, wantErr)
	}
}

// TestDecodeConcurrent decodes from several goroutines at once: the stacks
// the parser gathers members and elements on are shared through a pool,
// and no decoding may see another's.
func TestDecodeConcurrent(t *testing.T) {
	inputs := []string{
		`{"a":[1,{"b":[{"c":null}]}],"d":{"e":"f","g":[true,false]}}`,
		`[[1,2,3],{"x":{"y":{"z":[4,5,6]}}},"s"]`,
		`{"a":1,"b":{"a":2,"A":3}}`, // refused: a duplicate key in the inner object
	}
	want := make([]any, len(inputs))
	for i, s := range inputs {
		want[i], _ = Decode([]byte(s))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 300 {
				i := (g + n) % len(inputs)
				got, err := Decode([]byte(inputs[i]))
				if (err == nil) != (want[i] != nil) || !reflect.DeepEqual(got, want[i]) {
					t.Errorf("%s: got %#v, %v; want %#v", inputs[i], got, err, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}
