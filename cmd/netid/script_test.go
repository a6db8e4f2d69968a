package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/pgschema"
	"github.com/netid-project/netid/internal/suite"
)

// TestMain makes the test binary the netid command when a script runs
// `exec netid …`.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"netid": main})
}

// TestScripts runs the command-line scripts in testdata/script, one per
// command group. Each script runs in its own directory ($WORK) with a free
// loopback port picked for it ($ADDR, $URL) for a `netid serve` it starts
// in the background, and a wallet directory ($NETID_WALLET).
//
// Every script starts its platforms with `--crypto-suite $SUITE`, es256
// here; TestScriptsSM runs them all again with sm.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(suite.ES256))
}

// TestScriptsSM runs every script against `netid serve --crypto-suite
// sm`: $SUITE is sm and $SIGALG, the algorithm the platform signs with
// and its JWKS names, SM2.
func TestScriptsSM(t *testing.T) {
	testscript.Run(t, scriptParams(suite.SM))
}

// TestScriptsPostgres runs every script again on each suite with the
// platform's database on PostgreSQL: each script gets a schema of its own
// in the database of NETID_TEST_POSTGRES_DSN, named to every command it
// runs by NETID_DB (what `netid serve --db` and the admin commands read),
// and the condition [postgres] holds for the few lines that look at
// where the data is kept.
func TestScriptsPostgres(t *testing.T) {
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping the scripts on PostgreSQL")
	}
	for _, s := range suite.All() {
		t.Run(string(s.Name()), func(t *testing.T) {
			p := scriptParams(s)
			p.Setup = func(env *testscript.Env) error {
				db, drop, err := pgschema.Create(context.Background(), dsn, "netid_script")
				if err != nil {
					return err
				}
				env.Defer(func() { _ = drop() })
				env.Setenv("NETID_DB", db)
				env.Setenv("SUITE", string(s.Name()))
				env.Setenv("SIGALG", string(s.SignatureAlgorithm()))
				return setup(env)
			}
			p.Condition = func(cond string) (bool, error) {
				if cond == "postgres" {
					return true, nil
				}
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			testscript.Run(t, p)
		})
	}
}

// scriptParams runs the scripts of testdata/script with $SUITE and
// $SIGALG naming s, the platform's database on SQLite in the script's
// data directory ([postgres] false).
func scriptParams(s suite.Suite) testscript.Params {
	return testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SUITE", string(s.Name()))
			env.Setenv("SIGALG", string(s.SignatureAlgorithm()))
			return setup(env)
		},
		Condition: func(cond string) (bool, error) {
			if cond == "postgres" {
				return false, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitready":  waitReady,
			"http":       httpCmd,
			"grab":       grab,
			"grabjson":   grabJSON,
			"lines":      lines,
			"idnumber":   idNumber,
			"waitfile":   waitFile,
			"qrdecode":   qrDecode,
			"oidcstart":  oidcStart,
			"oidcfinish": oidcFinish,
		},
	}
}

func setup(env *testscript.Env) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return err
	}
	env.Setenv("ADDR", addr)
	env.Setenv("URL", "http://"+addr)
	env.Setenv("NETID_WALLET", env.WorkDir+"/wallet")
	env.Setenv("GORACE", noExitSleep())
	return nil
}

// noExitSleep is $GORACE for the commands a script runs: built with -race,
// each would otherwise sleep a second before exiting (atexit_sleep_ms).
func noExitSleep() string {
	return strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
}

// waitReady: waitready — wait until the platform at $URL answers
// /readyz with 200 (at most a minute).
func waitReady(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: waitready")
	}
	url := ts.Getenv("URL") + "/readyz"
	deadline := time.Now().Add(time.Minute)
	var last error
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("%s", resp.Status)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("%s not ready after a minute: %v", url, last)
}

// httpCmd: http [-u ID:SECRET] METHOD URL [JSON] — one HTTP request;
// "HTTP <status>" goes to stderr and the body to stdout. -u
// authenticates as a relying party (HTTP Basic).
func httpCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! http")
	}
	var user, secret string
	if len(args) > 1 && args[0] == "-u" {
		var ok bool
		if user, secret, ok = strings.Cut(args[1], ":"); !ok {
			ts.Fatalf("http -u wants ID:SECRET")
		}
		args = args[2:]
	}
	if len(args) != 2 && len(args) != 3 {
		ts.Fatalf("usage: http [-u ID:SECRET] METHOD URL [JSON]")
	}
	var body io.Reader
	if len(args) == 3 {
		body = strings.NewReader(args[2])
	}
	req, err := http.NewRequest(args[0], args[1], body)
	ts.Check(err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.SetBasicAuth(user, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	fmt.Fprintf(ts.Stderr(), "HTTP %d\n", resp.StatusCode)
	ts.Stdout().Write(b)
}

// grab: grab NAME REGEXP [FILE] — set $NAME to the first group of the
// first match of REGEXP in the last command's stdout (or FILE).
func grab(ts *testscript.TestScript, neg bool, args []string) {
	if neg || (len(args) != 2 && len(args) != 3) {
		ts.Fatalf("usage: grab NAME REGEXP [FILE]")
	}
	file := "stdout"
	if len(args) == 3 {
		file = args[2]
	}
	text := ts.ReadFile(file)
	m := regexp.MustCompile(args[1]).FindStringSubmatch(text)
	if len(m) < 2 {
		ts.Fatalf("no match for %q in %s:\n%s", args[1], file, text)
	}
	ts.Setenv(args[0], m[1])
}

// grabJSON: grabjson NAME FIELD — set $NAME to the top-level string
// FIELD of the JSON object the last command printed.
func grabJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: grabjson NAME FIELD")
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &m); err != nil {
		ts.Fatalf("stdout is not a JSON object: %v", err)
	}
	v, ok := m[args[1]].(string)
	if !ok {
		ts.Fatalf("no string field %q in %v", args[1], m)
	}
	ts.Setenv(args[0], v)
}

// waitFile: waitfile FILE — wait until FILE exists and is not empty (at
// most a minute).
func waitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(ts.MkAbs(args[0])); err == nil && fi.Size() > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear within a minute", args[0])
}

// qrDecode: qrdecode FILE — print the text of the QR code in the image
// FILE, read as the verifier page reads an upload.
func qrDecode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: qrdecode FILE")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	text, err := eidverify.DecodeQR(f)
	ts.Check(err)
	fmt.Fprintln(ts.Stdout(), text)
}

// lines: lines FILE LINE... — write the lines to FILE.
func lines(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: lines FILE LINE...")
	}
	var b bytes.Buffer
	for _, l := range args[1:] {
		b.WriteString(l + "\n")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b.Bytes(), 0o600))
}

// idNumber: idnumber NAME AGE SEQ — set $NAME to a valid resident ID
// number (area 110105) of a person born on 2 January AGE years ago, with
// sequence number SEQ (odd: a man).
func idNumber(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: idnumber NAME AGE SEQ")
	}
	age, err := strconv.Atoi(args[1])
	ts.Check(err)
	seq, err := strconv.Atoi(args[2])
	ts.Check(err)
	n, err := document.MakeNumber18("110105", document.Date{Year: time.Now().Year() - age, Month: 1, Day: 2}, seq)
	ts.Check(err)
	ts.Setenv(args[0], n)
}
