package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/storage"
)

// adminCredential is "netid admin credential show|suspend|resume|revoke
// --wanghao W [--reason R]": an operator's view of a person's credentials
// and their status actions, on the database of a data directory (like
// admin rp). The actions are recorded in the record log (which needs the
// data directory's master key, to sign its heads).
//
// A running server notices the change at once for its online checks; the
// status list it publishes may show it only once its cached list expires,
// so relying parties verifying offline see it within twice the list's
// time-to-live. The admin API (POST /v1/admin/credentials/…) drops the
// server's cache: within one time-to-live.
func adminCredential(ctx context.Context, env Env, args []string) error {
	action := func(a lifecycle.Action) func(context.Context, Env, []string) error {
		return func(ctx context.Context, env Env, args []string) error { return credentialCmd(ctx, env, args, a) }
	}
	return sub(ctx, env, "admin credential", args, map[string]func(context.Context, Env, []string) error{
		"show":    action(""),
		"suspend": action(lifecycle.ActionSuspend),
		"resume":  action(lifecycle.ActionResume),
		"revoke":  action(lifecycle.ActionRevoke),
	})
}

func credentialCmd(ctx context.Context, env Env, args []string, action lifecycle.Action) error {
	name := "admin credential show"
	if action != "" {
		name = "admin credential " + string(action)
	}
	fs := flags(env, name)
	var d dbFlags
	d.register(fs, env)
	wanghao := fs.String("wanghao", "", "the person's 网号 (required)")
	reason := fs.String("reason", "", "why (required for an action; shown to the holder: no personal data)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *wanghao == "" {
		return errors.New("--wanghao is required")
	}
	if action != "" && *reason == "" {
		return errors.New("--reason is required")
	}
	cfg, err := config.Parse("netid "+name, []string{"--data", d.data, "--db", d.db}, env.Getenv, env.Stderr)
	if err != nil {
		return configError(err)
	}
	store, err := platform.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := &lifecycle.Service{Store: store}
	var v lifecycle.PersonView
	if action == "" {
		v, err = svc.OperatorView(ctx, *wanghao)
	} else {
		if svc.Records, err = recordLog(ctx, cfg, store); err != nil {
			return err
		}
		v, err = svc.Operator(ctx, *wanghao, action, *reason)
		if err != nil && len(v.Changed) > 0 {
			fmt.Fprintf(env.Stderr, "netid %s: done, but not recorded: %s\n", name, oneLine(err))
			err = nil
		}
	}
	if err != nil {
		return err
	}
	if action != "" {
		fmt.Fprintf(env.Stdout, "%s: %d credential(s)\n", action, len(v.Changed))
	}
	return printPersonView(env, v)
}

// recordLog is the record log of the data directory, with its signing
// keys (opened with the directory's master key).
func recordLog(ctx context.Context, cfg config.Config, store storage.Storage) (*audit.Log, error) {
	master, err := keys.LoadOrCreateMasterKey(cfg.MasterKeyFile, rand.Reader)
	if err != nil {
		return nil, err
	}
	sealer, err := keys.NewSealer(keys.Derive(master, keys.PurposeSealing), rand.Reader)
	if err != nil {
		return nil, err
	}
	ks := keys.NewKeySet(store, sealer, rand.Reader)
	if err := ks.Load(ctx, time.Now()); err != nil {
		return nil, fmt.Errorf("loading signing keys: %w", err)
	}
	return &audit.Log{Store: store, Keys: ks}, nil
}

func printPersonView(env Env, v lifecycle.PersonView) error {
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	state := v.State
	if v.CancelledAt != nil {
		state += " since " + v.CancelledAt.Format(time.RFC3339)
	}
	fmt.Fprintf(tw, "网号\t%s\n", v.Wanghao)
	fmt.Fprintf(tw, "person\t%s, since %s\n", state, v.CreatedAt.Format(time.RFC3339))
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(v.Credentials) == 0 {
		fmt.Fprintln(env.Stdout, "no credentials")
		return nil
	}
	fmt.Fprintln(env.Stdout)
	tw = tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CREDENTIAL\tSTATE\tBY\tREASON\tISSUED\tEXPIRES\tSTATUS LIST")
	for _, c := range v.Credentials {
		by, reason := c.StatusBy, c.StatusReason
		if by == "" {
			by = "-"
		}
		if reason == "" {
			reason = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s/%d\n", c.ID, c.State, by, reason,
			c.IssuedAt.Format(time.DateOnly), c.ExpiresAt.Format(time.DateOnly), c.StatusList, c.StatusIndex)
	}
	return tw.Flush()
}
