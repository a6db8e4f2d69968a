package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/wallet"
)

// guardianAllow is "netid wallet guardian allow": a guardian consents
// ahead, with their password, to an under-14 ward's use of a relying
// party (or of offline in-person checks), so the ward can present to it
// offline and be checked in person.
func guardianAllow(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet guardian allow")
	dir := fs.String("wallet", walletDir(env), "the guardian's wallet directory (env NETID_WALLET)")
	pwFile := fs.String("password-file", "", "file holding the guardian's credential password")
	ward := fs.String("ward", "", "the under-14 ward (their person ID, from netid wallet wards)")
	audience := fs.String("audience", "", "the relying party's ID, or netid:eid for in-person checks without the network")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *ward == "" || *audience == "" {
		return errors.New("--ward and --audience are required")
	}
	t := newTerminal(env, *pwFile)
	u, err := wallet.UnlockWith(ctx, *dir, t)
	if err != nil {
		return err
	}
	pw, err := t.Secret(ctx, wallet.CredentialPassword)
	if err != nil {
		return err
	}
	if err := client(env, u.Wallet.Server).GuardianAllow(ctx, u, *ward, *audience, pw); err != nil {
		return err
	}
	env.println(env.Stdout, i18n.KeyCLIConsented, *audience)
	return nil
}

// walletConsents is "netid wallet consents": an under-14 holder's wallet
// fetches, while online, the consent statements of their guardian that its
// offline presentations and eID codes carry, and lists them.
func walletConsents(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet consents")
	dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
	pwFile := fs.String("password-file", "", "file holding the credential password")
	if err := parse(fs, args); err != nil {
		return err
	}
	u, err := wallet.UnlockWith(ctx, *dir, newTerminal(env, *pwFile))
	if err != nil {
		return err
	}
	list, err := wallet.FetchConsents(ctx, client(env, u.Wallet.Server), u)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		env.println(env.Stdout, i18n.KeyCLINoGuardianConsts)
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	env.println(tw, i18n.KeyCLIStatementHeader)
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\n", s.Audience, s.ExpiresAt.Local().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}
