package sqlstore

import (
	"errors"
	"reflect"
	"testing"
)

func TestOpenSQLiteInvalidPath(t *testing.T) {
	for _, path := range []string{"", "a.db?mode=ro", "file:a.db", "a#b"} {
		if _, err := OpenSQLite(t.Context(), path); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("OpenSQLite(%q) error = %v, want ErrInvalidPath", path, err)
		}
	}
}

func TestSQLitePlaceholders(t *testing.T) {
	tests := []struct {
		query     string
		args      []any
		wantQuery string
		wantArgs  []any
	}{
		{"VALUES ($1, $2, $3)", []any{"a", "b", "c"}, "VALUES (?, ?, ?)", []any{"a", "b", "c"}},
		{"SET x = $2, y = $3 WHERE id = $1", []any{"id", "x", "y"}, "SET x = ?, y = ? WHERE id = ?", []any{"x", "y", "id"}},
		{"a = $1 OR b <= $3 AND c <= $3", []any{1, 2, 3}, "a = ? OR b <= ? AND c <= ?", []any{1, 3, 3}},
		{"a = $1 AND b = $3", []any{1, 2, 3}, "a = ? AND b = ?", []any{1, 3}},
		{"$10 $1 $2 $3 $4 $5 $6 $7 $8 $9", []any{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "? ? ? ? ? ? ? ? ? ?", []any{10, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"SELECT 1", nil, "SELECT 1", nil},
		{"a = $2", []any{1}, "a = $2", []any{1}},           // too few arguments: left to the driver
		{"a = $0 b = $", []any{}, "a = $0 b = $", []any{}}, // not placeholders
	}
	for _, tc := range tests {
		q, args := sqlitePlaceholders(tc.query, tc.args)
		if q != tc.wantQuery || !reflect.DeepEqual(args, tc.wantArgs) {
			t.Errorf("sqlitePlaceholders(%q, %v) = %q, %v; want %q, %v", tc.query, tc.args, q, args, tc.wantQuery, tc.wantArgs)
		}
	}
}
