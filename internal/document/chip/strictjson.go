package chip

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/netid-project/netid/internal/strictjson"
)

// errJSON is the detail of a strict JSON decoding failure. Its messages name
// JSON members but never repeat values, which may be personal data.
var errJSON = errors.New("invalid JSON")

// decodeStrictJSON decodes b, a single flat JSON object, into the struct that
// v points to. The shared strict decoder (package strictjson) refuses
// duplicate keys, trailing data and invalid UTF-8; the chip format adds its
// own rules on top: every key must be exactly one of the struct's JSON names
// (encoding/json would also match other letter cases) and every value a
// string, number or boolean (no null, nothing nested).
func decodeStrictJSON(b []byte, v any) error {
	m, err := strictjson.DecodeObject(b)
	if err != nil {
		return fmt.Errorf("%w: %w", errJSON, err)
	}
	names := jsonNames(reflect.TypeOf(v).Elem())
	for key, val := range m {
		if !names[key] {
			return fmt.Errorf("%w: unknown field", errJSON)
		}
		switch val.(type) {
		case string, json.Number, bool:
		case nil:
			return fmt.Errorf("%w: field %q is null", errJSON, key)
		default:
			return fmt.Errorf("%w: field %q is not a scalar", errJSON, key)
		}
	}
	if err := strictjson.Unmarshal(b, v); err != nil {
		if e, ok := errors.AsType[*strictjson.Error](err); ok && e.Kind == strictjson.ErrWrongType {
			return fmt.Errorf("%w: field %q has the wrong type", errJSON, e.Field)
		}
		// Errors from UnmarshalText (dates, …) may quote the value: keep
		// them out of the message.
		return fmt.Errorf("%w: a field has an invalid value", errJSON)
	}
	return nil
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
