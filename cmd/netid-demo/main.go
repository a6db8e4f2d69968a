// Command netid-demo runs netid's whole flow once (package demo):
//
//	netid-demo [--db DSN] [--crypto-suite es256|sm] [--keep]
//
// a development platform in-process, a test document, an application with
// the reference wallet, a presentation and its offline verification, a
// replay refused, an online verification through the rp SDK, an OpenID
// Connect login and the electronic ID card's checks, on either crypto
// suite. scripts/demo.sh does the first steps with the separate commands
// of cmd/netid.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/netid-project/netid/internal/demo"
	"github.com/netid-project/netid/internal/devcmd"
)

func main() { devcmd.Main("netid-demo", run) }

// run parses the command line and runs the demo.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("netid-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := demo.Options{Out: stdout, Log: stderr}
	fs.StringVar(&o.DB, "db", getenv("NETID_DB"), "database: empty for SQLite in a temporary directory, or postgres://… (env NETID_DB)")
	fs.StringVar(&o.CryptoSuite, "crypto-suite", getenv("NETID_CRYPTO_SUITE"), "the platform's crypto suite: es256 (default) or sm, the national algorithms (env NETID_CRYPTO_SUITE)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary data and wallet directories")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return devcmd.ErrUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "netid-demo: unexpected argument %q\n", fs.Arg(0))
		return devcmd.ErrUsage
	}
	return demo.Run(ctx, o)
}
