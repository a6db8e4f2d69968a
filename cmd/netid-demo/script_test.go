package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes the test binary the netid-demo command when a script
// runs `exec netid-demo …`.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"netid-demo": main})
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
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"grab": grab,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "postgres" {
				return dsn != "", nil
			}
			return false, nil
		},
	})
}

// grab: grab NAME REGEXP — set $NAME to the first group of the first
// match of REGEXP in the last command's stdout.
func grab(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: grab NAME REGEXP")
	}
	m := regexp.MustCompile(args[1]).FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("no match for %q in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}
