// Package devcmd is the main function the development binaries share
// (cmd/netid-demo, cmd/netid-load): signals, exit statuses and the one-line
// error message, as cmd/netid has them through package cli.
package devcmd

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
)

// ErrUsage marks a usage error (exit status 2) that the command has
// already explained on stderr.
var ErrUsage = errors.New("usage")

// Run is a command: its arguments (without the program name), the
// environment, and where it writes.
type Run func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// Main runs run with the process's arguments and environment until it
// returns or an interrupt cancels its context, and exits with its status.
func Main(name string, run Run) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(ExitStatus(name, err, os.Stderr))
}

// ExitStatus reports err on stderr in one line, prefixed with name, and
// returns the exit status: 0 (also for -h), 2 for ErrUsage, 1 otherwise.
func ExitStatus(name string, err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, strings.Join(strings.Fields(err.Error()), " "))
	return 1
}
