// Command netid-demo runs netid's whole flow once (package demo):
//
//	netid-demo [--db DSN] [--keep]
//
// a development platform in-process, a test document, an application with
// the reference wallet, a presentation and its offline verification, and
// a replay refused. scripts/demo.sh does the same with the separate
// commands of cmd/netid.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/netid-project/netid/internal/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitStatus(err, os.Stderr))
}

// errUsage marks a usage error (exit status 2), already explained.
var errUsage = errors.New("usage")

// exitStatus reports err on stderr in one line and returns the exit
// status: 0, 2 for a usage error, 1 for any other failure.
func exitStatus(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "netid-demo: %s\n", strings.Join(strings.Fields(err.Error()), " "))
	return 1
}

// run parses the command line and runs the demo.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("netid-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := demo.Options{Out: stdout, Log: stderr}
	fs.StringVar(&o.DB, "db", getenv("NETID_DB"), "database: empty for SQLite in a temporary directory, or postgres://… (env NETID_DB)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary data and wallet directories")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "netid-demo: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	return demo.Run(ctx, o)
}
