package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verifierdevice"
)

// adminVerifierDevice is "netid admin verifier-device add|list|revoke":
// the terminals of in-person relying parties (a hotel's front desk, a
// service counter), on the database and master key of an existing data
// directory. add prints the terminal's one-time enrolment code, which the
// terminal's page (/verify/eid) takes once; revoke ends a terminal for
// good (a running server refuses its next request).
func adminVerifierDevice(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "admin verifier-device", args, map[string]func(context.Context, Env, []string) error{
		"add":    verifierAdd,
		"list":   verifierList,
		"revoke": verifierRevoke,
	})
}

// openVerifiers opens the core of the platform for a verifier-device
// command.
func openVerifiers(ctx context.Context, env Env, d dbFlags, name string) (*verifierdevice.Service, func(), error) {
	cfg, err := config.Parse("netid "+name, []string{"--data", d.data, "--db", d.db}, env.Getenv, env.Stderr)
	if err != nil {
		return nil, nil, configError(err)
	}
	core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{})
	if err != nil {
		return nil, nil, err
	}
	return core.Verifiers, func() { core.Close() }, nil
}

func verifierAdd(ctx context.Context, env Env, args []string) error {
	const name = "admin verifier-device add"
	fs := flagsWithNote(env, name, "", existingData)
	var d dbFlags
	d.register(fs, env)
	rp := fs.String("rp", "", "the in-person relying party's client ID (required)")
	label := fs.String("name", "", "the terminal's name, e.g. \"前台 1\" (required; no personal data)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *rp == "" || *label == "" {
		return errors.New("--rp and --name are required")
	}
	svc, closeFn, err := openVerifiers(ctx, env, d, name)
	if err != nil {
		return err
	}
	defer closeFn()
	a, err := svc.Add(ctx, *rp, *label)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "terminal %s of %s\nenrolment code: %s\n", a.Device.ID, a.Device.RPID, a.Code)
	fmt.Fprintf(env.Stderr, "The code is shown only this once and works once, until %s: enter it on the terminal's page /verify/eid.\n",
		a.Device.CodeExpiresAt.Format(time.RFC3339))
	return nil
}

func verifierList(ctx context.Context, env Env, args []string) error {
	const name = "admin verifier-device list"
	fs := flagsWithNote(env, name, "", existingData)
	var d dbFlags
	d.register(fs, env)
	rp := fs.String("rp", "", "only this relying party's terminals")
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, closeFn, err := openVerifiers(ctx, env, d, name)
	if err != nil {
		return err
	}
	defer closeFn()
	list, err := svc.List(ctx, *rp)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRP\tNAME\tSTATE\tSINCE\tREVOKED BY\tREASON")
	for _, v := range list {
		since, by, reason := v.CreatedAt, "-", "-"
		switch v.State {
		case storage.VerifierDeviceActive:
			since = v.EnrolledAt
		case storage.VerifierDeviceRevoked:
			since, by, reason = v.RevokedAt, v.RevokedBy, v.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.RPID, v.Name, v.State, since.Format(time.RFC3339), by, reason)
	}
	return tw.Flush()
}

func verifierRevoke(ctx context.Context, env Env, args []string) error {
	const name = "admin verifier-device revoke"
	fs := flagsWithNote(env, name, "", existingData)
	var d dbFlags
	d.register(fs, env)
	id := fs.String("id", "", "the terminal's ID, from list (required)")
	reason := fs.String("reason", "", "why (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" || *reason == "" {
		return errors.New("--id and --reason are required")
	}
	svc, closeFn, err := openVerifiers(ctx, env, d, name)
	if err != nil {
		return err
	}
	defer closeFn()
	v, err := svc.Revoke(ctx, *id, "", verifierdevice.ByOperator, *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "terminal %s of %s revoked\n", v.ID, v.RPID)
	return nil
}
