package main

import (
	"bytes"
	"compress/gzip"
	"io"
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
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"profile": profileCmd},
		Condition: func(cond string) (bool, error) {
			if cond == "postgres" {
				return dsn != "", nil
			}
			return false, nil
		},
	})
}

// profileCmd is the script command `profile FILE WORD…`: FILE is a pprof
// profile (a gzipped protocol buffer) whose string table holds every
// WORD, such as the sample types of an allocation profile.
func profileCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: profile FILE WORD…")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	z, err := gzip.NewReader(f)
	ts.Check(err)
	b, err := io.ReadAll(z)
	ts.Check(err)
	for _, w := range args[1:] {
		if !bytes.Contains(b, []byte(w)) {
			ts.Fatalf("%s: no %q in the profile", args[0], w)
		}
	}
}
