package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
)

func admin(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "admin", args, map[string]func(context.Context, Env, []string) error{
		"keys":  adminKeys,
		"audit": adminAudit,
		"rp":    adminRP,
		// Credential status actions (admincredential.go).
		"credential": adminCredential,
		// The register of counters (counter.go).
		"counter": adminCounter,
		// Recourse (cases.go).
		"cases": adminCases,
		// In-person verifiers' terminals (adminverifier.go).
		"verifier-device": adminVerifierDevice,
	})
}

func adminKeys(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "admin keys", args, map[string]func(context.Context, Env, []string) error{
		"rotate": func(ctx context.Context, env Env, args []string) error { return keysCmd(ctx, env, args, true) },
		"list":   func(ctx context.Context, env Env, args []string) error { return keysCmd(ctx, env, args, false) },
	})
}

// keysCmd lists the signing keys or rotates them, on the database and
// master key of an existing data directory (netid serve creates them on
// its first start; this command refuses a directory without them). Running
// servers publish a rotated key within platform.KeyReloadInterval and sign
// with it once every replica publishes it (platform.KeyPropagationFactor
// intervals after the rotation).
func keysCmd(ctx context.Context, env Env, args []string, rotate bool) error {
	noteOnHelp(env, args, existingData)
	cfg, err := config.Parse("netid admin keys", args, env.Getenv, env.Stderr)
	if err != nil {
		return configError(err)
	}
	core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{})
	if err != nil {
		return err
	}
	defer core.Close()
	store, ks, now := core.Store, core.Keys, time.Now()
	if rotate {
		kid, err := ks.Rotate(ctx, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "new signing key %s; running servers publish it within %s and sign with it from %s on; the old key stays published until the credentials it signed expire\n",
			kid, platform.KeyReloadInterval, now.Add(platform.KeyPropagationFactor*platform.KeyReloadInterval).Format(time.RFC3339))
	}
	list, err := store.ListSigningKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tCREATED\tSTATE\tPUBLISHED UNTIL")
	for _, k := range list {
		state, until := "signing", "-"
		if !k.RetiredAt.IsZero() {
			state, until = "retired", k.PublishUntil.Format(time.RFC3339)
			if !k.PublishUntil.After(now) {
				state = "unpublished"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, k.CreatedAt.Format(time.RFC3339), state, until)
	}
	return tw.Flush()
}
