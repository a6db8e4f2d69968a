package conformance

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// errFn is the error the tests' update functions return; Update must return
// it unchanged.
var errFn = errors.New("conformance: update function failed")

// cst is a non-UTC zone: inputs carry it, outputs must be in UTC.
var cst = time.FixedZone("CST", 8*60*60)

// at returns a time with microsecond precision, in cst, minutes after a fixed
// base instant.
func at(minutes int) time.Time {
	base := time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)
	return base.Add(time.Duration(minutes) * time.Minute).In(cst)
}

// canonical returns v (a storage value struct) with every time.Time in UTC
// and every empty byte slice nil: the contract does not tell nil from empty.
func canonical[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		switch x := f.Interface().(type) {
		case time.Time:
			f.Set(reflect.ValueOf(x.UTC()))
		case []byte:
			if len(x) == 0 {
				f.Set(reflect.Zero(f.Type()))
			}
		}
	}
	return v
}

// checkUTC reports every time field of got that is not in UTC.
func checkUTC[T any](t testing.TB, what string, got T) {
	t.Helper()
	rv := reflect.ValueOf(got)
	for i := range rv.NumField() {
		if x, ok := rv.Field(i).Interface().(time.Time); ok && x.Location() != time.UTC {
			t.Errorf("%s: %s is in %v, want UTC", what, rv.Type().Field(i).Name, x.Location())
		}
	}
}

// assertEqual fails unless got equals want up to canonical form, and got's
// times are in UTC.
func assertEqual[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	checkUTC(t, what, got)
	g, w := canonical(got), canonical(want)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, g, w)
	}
}

// assertErr fails unless errors.Is(err, want) (or err is nil when want is).
func assertErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("%s: unexpected error: %v", what, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: error = %v, want %v", what, err, want)
	}
}

// must fails the test now if err is not nil.
func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
