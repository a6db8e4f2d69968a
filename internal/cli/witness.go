package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/audit/treeproof"
	"github.com/netid-project/netid/internal/witness"
)

// auditCmd is `netid audit witness`: checks of a platform's record log by
// someone other than its operator.
func auditCmd(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "audit", args, map[string]func(context.Context, Env, []string) error{
		"witness": auditWitness,
	})
}

// auditWitness fetches the platform's newest tree head, checks it extends
// the last one this witness saw, co-signs it and keeps it in the state
// directory; once, or every --interval until interrupted.
func auditWitness(ctx context.Context, env Env, args []string) error {
	fs := flagsWithNote(env, "audit witness", "", "Fetches the newest signed tree head of the platform's record log, checks that it\n"+
		"extends the last head this witness saw (an RFC 9162 consistency proof), co-signs it\n"+
		"with the witness's own key and appends it to "+witness.CosignedFile+" in the state\n"+
		"directory. `netid admin audit verify --against DIR/"+witness.HeadFile+"` checks a\n"+
		"database against it. Run it from cron, or with --interval.")
	server := fs.String("server", "", "the platform's base URL")
	state := fs.String("state", "", "the witness's state directory (its key and the heads it co-signed)")
	interval := fs.Duration("interval", 0, "run again after this long, until interrupted (0: once)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *server == "" || *state == "" || fs.NArg() > 0 || *interval < 0 {
		fmt.Fprintln(env.Stderr, "usage: netid audit witness --server URL --state DIR [--interval D]")
		return errUsage
	}
	w := &witness.Witness{Dir: *state, Source: witness.HTTPSource{Server: *server}}
	for {
		res, err := w.Run(ctx)
		switch {
		case errors.Is(err, treeproof.ErrRewound), errors.Is(err, treeproof.ErrForked):
			fmt.Fprintln(env.Stdout, "witness: 警告：平台的核验记录日志不再延续本见证人上次见到的日志头（记录被删除或改写）。请保存状态目录并举报。")
			fmt.Fprintln(env.Stdout, "witness: WARNING: the platform's record log no longer extends the last head this witness saw (records were removed or rewritten). Keep the state directory and report it.")
			fmt.Fprintf(env.Stdout, "witness: %s\n", oneLine(err))
			return verdictError{err}
		case err != nil:
			return err
		case res.New:
			fmt.Fprintf(env.Stdout, "witness: co-signed tree head %d %s (last seen %d)\n", res.Head.Size, res.Head.Root, res.Previous)
		default:
			fmt.Fprintf(env.Stdout, "witness: tree head %d unchanged\n", res.Head.Size)
		}
		if *interval == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*interval):
		}
	}
}
