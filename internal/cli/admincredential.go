package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/platform"
)

// adminCredential is "netid admin credential show|suspend|resume|revoke
// --wanghao W [--reason R]": an operator's view of a person's credentials
// and their status actions, on the database and master key of an existing
// data directory (like admin rp; it refuses a directory without them). The
// actions are recorded in the record log, whose heads the master key's
// signing keys sign.
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
	fs := flagsWithNote(env, name, "", existingData)
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
	core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{})
	if err != nil {
		return err
	}
	defer core.Close()
	var v lifecycle.PersonView
	if action == "" {
		v, err = core.Lifecycle.OperatorView(ctx, *wanghao)
	} else {
		// The change and its record commit together: an error means
		// neither happened.
		v, err = core.Lifecycle.Operator(ctx, *wanghao, action, *reason)
	}
	if err != nil {
		return err
	}
	if action != "" {
		fmt.Fprintf(env.Stdout, "%s: %d credential(s)\n", action, len(v.Changed))
	}
	return printPersonView(env, v)
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
