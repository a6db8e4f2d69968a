package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"golang.org/x/text/language"

	"github.com/netid-project/netid/internal/i18n"
)

// Env is the process environment a command runs in.
type Env struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Lang is the language of what a person reads (prompts, outcomes,
	// errors to act on): Main sets it from --lang, else NETID_LANG, else
	// the POSIX locale (LC_ALL, LC_MESSAGES, LANG). The zero Tag is
	// Chinese, the catalogue's default.
	Lang language.Tag
}

// tr returns the catalogue's message key in the command's language.
func (env Env) tr(key i18n.Key, args ...any) string { return i18n.Lookup(env.Lang, key, args...) }

// println writes the message key, in the command's language, and a
// newline to w.
func (env Env) println(w io.Writer, key i18n.Key, args ...any) {
	fmt.Fprintln(w, env.tr(key, args...))
}

type command struct {
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

// errUsage marks a usage error (exit status 2); flag already printed why.
var errUsage = errors.New("usage")

func commands() map[string]command {
	return map[string]command{
		"serve":   {"run the platform", serve},
		"dev":     {"development fixtures: dev document", dev},
		"wallet":  {"the reference wallet: apply, show, present, guardian", walletCmd},
		"verify":  {"verify a presentation offline", verify},
		"admin":   {"operator tools: admin keys, admin rp, admin audit", admin},
		"rp":      {"an organisation's side: rp apply (become a relying party), rp stats (daily counts)", rpCmd},
		"audit":   {"independent checks of a platform's record log: audit witness", auditCmd},
		"counter": {"a counter's terminal: counter keygen, counter apply", counterCmd},
	}
}

// Main runs the command line and returns the exit status.
func Main(ctx context.Context, env Env) int {
	args, lang, err := globalFlags(env.Args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "netid: %s\n", err)
		return 2
	}
	env.Args = args
	env.Lang = chooseLanguage(lang, env.Getenv)
	if len(env.Args) == 0 || env.Args[0] == "help" || env.Args[0] == "-h" || env.Args[0] == "--help" {
		usage(env.Stdout)
		return 0
	}
	cmd, ok := commands()[env.Args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "netid: unknown command %q (see netid help)\n", env.Args[0])
		return 2
	}
	if err := cmd.run(ctx, env, env.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		var v verdictError
		if errors.As(err, &v) {
			return 1
		}
		fmt.Fprintf(env.Stderr, "netid %s: %s\n", env.Args[0], personMessage(env, err))
		if h, ok := problemHelp(err); ok {
			printHelp(env, env.Stderr, "  ", h)
		}
		return 1
	}
	return 0
}

// verdictError is a failure already reported on stdout (a negative
// verification verdict): exit 1 without another message.
type verdictError struct{ error }

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "netid: the national network identity service (网号 and 网证)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: netid [--lang zh|en] <command> [flags]")
	fmt.Fprintln(w)
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run netid <command> -h for a command's flags.")
	fmt.Fprintln(w, "Messages are in Chinese, or English with --lang en (else NETID_LANG, LC_ALL, LC_MESSAGES, LANG).")
}

// flags returns a flag set that reports errors on stderr and usage errors as
// errUsage.
func flags(env Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("netid "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// parseInterspersed parses flags that may come before or after the
// positional arguments, which it returns.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// Notes printed under a command group's usage.
const (
	// existingData says how the operator's commands treat the data
	// directory: they work on what netid serve made and create nothing.
	existingData = "Works on the database and master key of an existing data directory (--data, --db):\n" +
		"a directory without them is refused and nothing is created; netid serve creates them\n" +
		"on its first start."
	// existingDatabase is existingData for a command that needs only the
	// database.
	existingDatabase = "Works on the database of an existing data directory (--data, --db); the master key is\n" +
		"not needed. A directory without a database is refused and nothing is created."
)

var groupNotes = map[string]string{
	"admin":                 "The admin commands work on an existing data directory and create nothing: netid serve\ncreates the database and master key on its first start.",
	"admin keys":            existingData,
	"admin rp":              existingData,
	"admin rp applications": existingData,
	"admin credential":      existingData,
	"admin counter":         existingData,
	"admin cases":           existingData,
	"admin audit":           existingDatabase,
}

// flagsWithNote is flags whose -h prints the synopsis (the positional
// arguments after the name, if any) and note before the flags.
func flagsWithNote(env Env, name, synopsis, note string) *flag.FlagSet {
	fs := flags(env, name)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: netid %s%s [flags]\n\n%s\n\nflags:\n", name, synopsis, note)
		fs.PrintDefaults()
	}
	return fs
}

// noteOnHelp prints note when args ask for help, for commands whose flags
// config.Parse prints.
func noteOnHelp(env Env, args []string, note string) {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprintf(env.Stderr, "%s\n\n", note)
			return
		}
	}
}

// sub dispatches to a subcommand of a command group.
func sub(ctx context.Context, env Env, group string, args []string, cmds map[string]func(context.Context, Env, []string) error) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" {
		names := make([]string, 0, len(cmds))
		for n := range cmds {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(env.Stderr, "usage: netid %s <%s> [flags]\n", group, strings.Join(names, "|"))
		if note := groupNotes[group]; note != "" {
			fmt.Fprintf(env.Stderr, "\n%s\n", note)
		}
		return errUsage
	}
	run, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "netid %s: unknown command %q\n", group, args[0])
		return errUsage
	}
	return run(ctx, env, args[1:])
}
