package main

import (
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes the test binary the netid-load command when a script
// runs `exec netid-load …`.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"netid-load": main})
}

// TestScripts runs testdata/script; [postgres] holds when
// NETID_TEST_POSTGRES_DSN names a test database ($NETID_TEST_POSTGRES_DSN
// in the script).
func TestScripts(t *testing.T) {
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NETID_TEST_POSTGRES_DSN", dsn)
			// Built with -race, a command would otherwise sleep a second
			// before exiting.
			env.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "postgres" {
				return dsn != "", nil
			}
			return false, nil
		},
	})
}
