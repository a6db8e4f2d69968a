package demo

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	return dsn
}

func TestRun(t *testing.T) {
	for name, db := range map[string]func(t *testing.T) string{
		"sqlite":   func(*testing.T) string { return "" },
		"postgres": postgresDSN,
	} {
		t.Run(name, func(t *testing.T) {
			var out, log bytes.Buffer
			if err := Run(context.Background(), Options{DB: db(t), Out: &out, Log: &log}); err != nil {
				t.Fatalf("%v:\n%s\n%s", err, out.String(), log.String())
			}
			for _, want := range []string{"网号 ", "5. verified offline: VALID", "disclosed [age_over_18=true]", "replayed: refused"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			if regexp.MustCompile(`[0-9]{17}[0-9X]`).MatchString(out.String() + log.String()) {
				t.Error("output shows a full document number")
			}
		})
	}
}
