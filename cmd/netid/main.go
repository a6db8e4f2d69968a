// Command netid is the national network identity service in one binary:
// the platform (serve), a reference wallet (wallet), offline verification
// (verify), operator tools (admin) and development fixtures (dev). Run
// `netid help` for the commands. The demo and the load generator are
// binaries of their own (cmd/netid-demo, cmd/netid-load), which this one
// does not link.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/netid-project/netid/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
