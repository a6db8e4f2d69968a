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
		for _, st := range []struct{ name, issuer, digests, kb string }{
			{"es256", "issuer ES256", "digests sha-256", "key binding ES256"},
			{"sm", "issuer SM2", "digests sm3", "key binding SM2"},
		} {
			t.Run(name+"/"+st.name, func(t *testing.T) {
				run(t, Options{DB: db(t), CryptoSuite: st.name}, st.issuer, st.digests, st.kb)
			})
		}
	}
}

// run runs the demo with o and checks that its output holds want besides
// the steps of every run.
func run(t *testing.T, o Options, want ...string) {
	t.Helper()
	var out, log bytes.Buffer
	o.Out, o.Log = &out, &log
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("%v:\n%s\n%s", err, out.String(), log.String())
	}
	for _, w := range append([]string{"网号 ", "5. verified offline: VALID", "disclosed [age_over_18=true]", "replayed: refused"}, want...) {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	if regexp.MustCompile(`[0-9]{17}[0-9X]`).MatchString(out.String() + log.String()) {
		t.Error("output shows a full document number")
	}
}
