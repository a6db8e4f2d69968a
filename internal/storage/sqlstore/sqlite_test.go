package sqlstore

import (
	"errors"
	"testing"
)

func TestOpenSQLiteInvalidPath(t *testing.T) {
	for _, path := range []string{"", "a.db?mode=ro", "file:a.db", "a#b"} {
		if _, err := OpenSQLite(t.Context(), path); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("OpenSQLite(%q) error = %v, want ErrInvalidPath", path, err)
		}
	}
}
