package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/wallet"
)

// walletEIDRequests is "netid wallet eid requests": the full-data checks
// (实名登记) waiting for the holder, each with exactly what the verifier
// would receive.
func walletEIDRequests(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet eid requests")
	dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
	pwFile := fs.String("password-file", "", "file holding the credential password")
	if err := parse(fs, args); err != nil {
		return err
	}
	u, err := wallet.UnlockWith(ctx, *dir, newTerminal(env, *pwFile))
	if err != nil {
		return err
	}
	list, err := client(env, u.Wallet.Server).FullDataRequests(ctx, u)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		env.println(env.Stdout, "cli.eid.full.none")
		return nil
	}
	for _, p := range list {
		printFullDataPrompt(env, p)
	}
	return nil
}

func printFullDataPrompt(env Env, p api.EIDFullDataPrompt) {
	who := p.RPName
	if p.Device != "" {
		who += " · " + p.Device
	}
	env.println(env.Stdout, "cli.eid.full.request", p.ID, who)
	env.println(env.Stdout, "cli.eid.full.law", p.LegalBasis)
	env.println(env.Stdout, "cli.eid.full.gets", p.Name, p.DocumentNumber)
	env.println(env.Stdout, "cli.eid.full.until", p.ExpiresAt.Local().Format("15:04:05"))
	fmt.Fprintln(env.Stdout)
}

// walletEIDApprove is "netid wallet eid approve [ID] [--decline]": the
// holder's separate consent to one full-data check, with the credential
// password, or its refusal. Without ID, the one request waiting.
func walletEIDApprove(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet eid approve")
	dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
	pwFile := fs.String("password-file", "", "file holding the credential password")
	decline := fs.Bool("decline", false, "refuse: the verifier keeps only the masked check")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return errors.New("give at most one request ID")
	}
	t := newTerminal(env, *pwFile)
	u, err := wallet.UnlockWith(ctx, *dir, t)
	if err != nil {
		return err
	}
	c := client(env, u.Wallet.Server)
	list, err := c.FullDataRequests(ctx, u)
	if err != nil {
		return err
	}
	var p *api.EIDFullDataPrompt
	for i := range list {
		if fs.NArg() == 0 || list[i].ID == fs.Arg(0) {
			p = &list[i]
			break
		}
	}
	switch {
	case len(list) == 0 || (p == nil && fs.NArg() == 1):
		return errors.New(env.tr("cli.eid.full.nothing"))
	case fs.NArg() == 0 && len(list) > 1:
		for _, q := range list {
			printFullDataPrompt(env, q)
		}
		return errors.New(env.tr("cli.eid.full.which"))
	}
	// What the verifier receives, before the holder decides.
	printFullDataPrompt(env, *p)
	pw := ""
	if !*decline {
		if pw, err = t.Secret(ctx, wallet.CredentialPassword); err != nil {
			return err
		}
	}
	if err := c.AnswerFullData(ctx, u, p.ID, !*decline, pw); err != nil {
		return err
	}
	if *decline {
		env.println(env.Stdout, "cli.eid.full.declined", p.RPName)
	} else {
		env.println(env.Stdout, "cli.eid.full.approved", p.RPName)
	}
	return nil
}
