// Command netid-load is netid's load generator (package loadgen):
//
//	netid-load [apply] [--db DSN [--crypto-suite es256|sm] | --server URL] [-n N] [-c C] [--limit-time D] [--cpuprofile F] [--memprofile F]
//	netid-load verify [--db DSN [--crypto-suite es256|sm] | --server URL[,URL…] --admin-token-file F] [-n N] [-c C]
//	                  [--level possession|password] [--auth client_secret_basic|private_key_jwt]
//	                  [--attack RATE --duration D --target poll|create] [--cpuprofile F] [--memprofile F]
//	netid-load floor [-n N] [-c C] [--whole [--db DSN]] [--cpuprofile F] [--memprofile F]
//
// It measures complete applications, or complete verifications, per
// second against a development platform, in-process or running on this
// machine; floor measures what a verification session costs on netid's
// stack (net/http, crypto/ecdsa, the pure-Go SQLite) without netid's
// code, in the unit verify reports a session in (with --whole, whole
// sessions through an HTTP server on that stack, with their throughput
// and latency, on SQLite or on the PostgreSQL --db names). It is a binary of its
// own so that the product, cmd/netid, does not link the load generator
// and its dependencies.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/devcmd"
	"github.com/netid-project/netid/internal/loadgen"
	"github.com/netid-project/netid/internal/storage"
)

func main() { devcmd.Main("netid-load", run) }

// run parses the command line and runs the measurement it names: "apply"
// (also without a subcommand), "verify" or "floor".
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "apply":
			return apply(ctx, args[1:], getenv, stdout, stderr)
		case "verify":
			return verify(ctx, args[1:], getenv, stdout, stderr)
		case "floor":
			return floor(ctx, args[1:], stdout, stderr)
		case "help":
			fmt.Fprintln(stderr, "usage: netid-load [apply|verify|floor] [flags]")
			return devcmd.ErrUsage
		}
		if !strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(stderr, "netid-load: unknown command %q (apply, verify or floor)\n", args[0])
			return devcmd.ErrUsage
		}
	}
	return apply(ctx, args, getenv, stdout, stderr)
}

// parse parses flags, refusing positional arguments. Every subcommand
// has --cpuprofile and --memprofile: with them, parse starts a CPU
// profile of the whole process (load generator and in-process platform)
// into that file, or samples its heap allocations, and stop, which the
// caller defers, writes them out.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) (stop func(), err error) {
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole process (with apply and verify: client and in-process platform) to this file, for go tool pprof")
	memProfile := fs.String("memprofile", "", "write a profile of the whole process's heap allocations (one sample per 64 KiB allocated) to this file, for go tool pprof -sample_index alloc_objects")
	if err := parseArgs(fs, args, stderr); err != nil {
		return nil, err
	}
	// stops run last first, as defers do: the CPU profile ends before the
	// allocation profile's collection and write, which it would count.
	var stops []func()
	stop = func() {
		for _, s := range slices.Backward(stops) {
			s()
		}
	}
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			return nil, err
		}
		runtime.MemProfileRate = 64 << 10
		stops = append(stops, func() {
			// The profile counts allocations as of the last collection.
			runtime.GC()
			err := pprof.Lookup("allocs").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				fmt.Fprintf(stderr, "%s: writing the allocation profile: %v\n", fs.Name(), err)
			}
		})
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			stop()
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			stop()
			return nil, err
		}
		stops = append(stops, func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				fmt.Fprintf(stderr, "%s: writing the CPU profile: %v\n", fs.Name(), err)
			}
		})
	}
	return stop, nil
}

func parseArgs(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return devcmd.ErrUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return devcmd.ErrUsage
	}
	return nil
}

func apply(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("netid-load apply", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := loadgen.ApplyOptions{Out: stdout, Log: stderr}
	fs.StringVar(&o.DB, "db", getenv("NETID_DB"), "database of the in-process platform: empty for SQLite in a temporary directory, or postgres://… (env NETID_DB)")
	fs.StringVar(&o.Server, "server", "", "load a running development server instead (netid serve --dev)")
	fs.StringVar(&o.CryptoSuite, "crypto-suite", "", "the in-process platform's crypto suite: es256 (default) or sm; the wallets' keys follow the platform's suite")
	fs.IntVar(&o.N, "n", 100, "number of applications")
	fs.IntVar(&o.Concurrency, "c", 4, "concurrent applications")
	fs.DurationVar(&o.LimitTime, "limit-time", 2*time.Second, "how long to measure the argon2id limit (hashes per second, one hasher per core, after half as long untimed to warm the heap) before the run and again after it; 0 skips it")
	stop, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	defer stop()
	return loadgen.Apply(ctx, o)
}

func verify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("netid-load verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := loadgen.VerifyOptions{Out: stdout, Log: stderr}
	fs.StringVar(&o.DB, "db", getenv("NETID_DB"), "database of the in-process platform: empty for SQLite in a temporary directory, or postgres://… (env NETID_DB)")
	fs.StringVar(&o.Server, "server", "", "load a running development server on this machine instead (netid serve --dev, with an admin token); several replicas of one platform (same database and --public-url, the first URL) as a comma-separated list, one per verification in turn")
	fs.StringVar(&o.AdminTokenFile, "admin-token-file", getenv("NETID_ADMIN_TOKEN_FILE"), "with --server: the admin API token file, to register the load's relying party (env NETID_ADMIN_TOKEN_FILE)")
	fs.StringVar(&o.CryptoSuite, "crypto-suite", "", "the in-process platform's crypto suite: es256 (default) or sm; the holders' and the relying party's keys follow the platform's suite")
	fs.IntVar(&o.N, "n", 200, "number of verifications")
	fs.IntVar(&o.Concurrency, "c", 4, "concurrent verifications")
	fs.StringVar(&o.Level, "level", "possession", "assurance level asked for: possession or password")
	fs.StringVar(&o.Auth, "auth", storage.AuthClientSecret, "relying-party authentication: client_secret_basic or private_key_jwt")
	fs.StringVar(&o.Attack, "attack", "", "instead: hit one relying-party endpoint at this fixed rate with vegeta, like 200/s")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "with --attack: how long")
	fs.StringVar(&o.Target, "target", "poll", "with --attack: poll (GET /v1/verifications/{id} of an approved session) or create (POST /v1/verifications)")
	stop, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	defer stop()
	return loadgen.Verify(ctx, o)
}

func floor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("netid-load floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := loadgen.FloorOptions{Out: stdout}
	fs.IntVar(&o.N, "n", 3000, "sessions (per part, without --whole)")
	fs.IntVar(&o.Concurrency, "c", 8, "concurrent sessions (in the HTTP and SQLite parts, without --whole; the signatures run one at a time)")
	whole := fs.Bool("whole", false, "run whole sessions, the parts together, and report their throughput and latency")
	db := fs.String("db", "", "with --whole: a postgres:// DSN to run the sessions' statements on (default: SQLite in a temporary directory)")
	stop, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	defer stop()
	if *whole {
		return loadgen.FloorSession(ctx, loadgen.FloorSessionOptions{N: o.N, Concurrency: o.Concurrency, DB: *db, Out: stdout})
	}
	if *db != "" {
		fmt.Fprintln(stderr, "netid-load floor: --db needs --whole (the parts run on SQLite)")
		return devcmd.ErrUsage
	}
	return loadgen.Floor(ctx, o)
}
