package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/wallet"
)

// The holder's self-service commands (package lifecycle through the
// platform's /v1/holder routes): wallet status, suspend, resume, password,
// phone, platforms, cancel and wards. Each unlocks the wallet (the
// credential password) to sign holder proofs with its device key.

// holderFlags are the flags every self-service command shares.
type holderFlags struct {
	dir, pwFile *string
}

func addHolderFlags(env Env, name string) (*flag.FlagSet, holderFlags) {
	fs := flags(env, name)
	return fs, holderFlags{
		dir:    fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)"),
		pwFile: fs.String("password-file", "", "file holding the credential password (else env NETID_PASSWORD, else a prompt)"),
	}
}

// unlocked opens the wallet with the terminal t (nil: one reading the
// password from the flags) and returns it, the password and a client of
// its platform.
func (h holderFlags) unlocked(ctx context.Context, env Env, t *terminal) (*wallet.Unlocked, string, *wallet.Client, error) {
	if t == nil {
		t = h.terminal(env)
	}
	u, err := wallet.UnlockWith(ctx, *h.dir, t)
	if err != nil {
		return nil, "", nil, err
	}
	pw, err := t.Secret(ctx, wallet.CredentialPassword)
	if err != nil {
		return nil, "", nil, err
	}
	return u, pw, client(env, u.Wallet.Server), nil
}

// terminal reads the credential password from the flags.
func (h holderFlags) terminal(env Env) *terminal { return newTerminal(env, *h.pwFile) }

func printAccount(env Env, a api.Account) error {
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\n", env.tr(i18n.KeyCLILabelWanghao), a.Wanghao)
	status := string(a.Status)
	if a.StatusBy != "" {
		status += " (by " + string(a.StatusBy)
		if a.StatusReason != "" {
			status += ": " + a.StatusReason
		}
		status += ")"
	}
	fmt.Fprintf(tw, "%s\t%s\n", env.tr(i18n.KeyCLILabelStatus), status)
	fmt.Fprintf(tw, "%s\t%s – %s\n", env.tr(i18n.KeyCLILabelValid), a.IssuedAt.Local().Format("2006-01-02"), a.ExpiresAt.Local().Format("2006-01-02 15:04"))
	if a.DocumentType != "" {
		doc := a.DocumentType.Title()
		if a.DocumentValidUntil != "" {
			doc += ", " + env.tr(i18n.KeyCLILabelValidUntil) + " " + a.DocumentValidUntil
		}
		fmt.Fprintf(tw, "%s\t%s\n", env.tr(i18n.KeyCLILabelDocument), doc)
	}
	if a.Phone != "" {
		fmt.Fprintf(tw, "%s\t%s\n", env.tr(i18n.KeyCLILabelPhone), a.Phone)
	}
	fmt.Fprintf(tw, "%s\t%s (%s)\n", env.tr(i18n.KeyCLILabelDeviceKey), a.DeviceKeyThumbprint, a.DeviceKeyIssuedAt.Local().Format("2006-01-02 15:04"))
	fmt.Fprintf(tw, "%s\t%s\n", env.tr(i18n.KeyCLILabelCredential), a.CredentialID)
	return tw.Flush()
}

// walletStatus is "netid wallet status [--full]": the platform's account
// view (wallet show reads the status list instead, without the platform's
// holder API).
func walletStatus(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet status")
	full := fs.Bool("full", false, "show the full 网号 (the platform checks the password)")
	if err := parse(fs, args); err != nil {
		return err
	}
	u, pw, c, err := hf.unlocked(ctx, env, nil)
	if err != nil {
		return err
	}
	var a api.Account
	if *full {
		a, err = c.RevealAccount(ctx, u, pw)
	} else {
		a, err = c.Account(ctx, u)
	}
	if err != nil {
		return err
	}
	return printAccount(env, a)
}

func walletSuspend(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet suspend")
	reason := fs.String("reason", "", "why (shown to you later; no personal data)")
	if err := parse(fs, args); err != nil {
		return err
	}
	u, pw, c, err := hf.unlocked(ctx, env, nil)
	if err != nil {
		return err
	}
	a, err := c.Suspend(ctx, u, pw, *reason)
	if err != nil {
		return err
	}
	env.println(env.Stdout, i18n.KeyCLISuspended)
	return printAccount(env, a)
}

func walletResume(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet resume")
	if err := parse(fs, args); err != nil {
		return err
	}
	u, pw, c, err := hf.unlocked(ctx, env, nil)
	if err != nil {
		return err
	}
	a, err := c.Resume(ctx, u, pw)
	if err != nil {
		return err
	}
	env.println(env.Stdout, i18n.KeyCLIResumed)
	return printAccount(env, a)
}

// walletPassword is "netid wallet password": a new credential password,
// with the old one; the wallet file is sealed again under the new one.
func walletPassword(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet password")
	newFile := fs.String("new-password-file", "", "file holding the new password (else env NETID_NEW_PASSWORD, else a prompt)")
	if err := parse(fs, args); err != nil {
		return err
	}
	t := hf.terminal(env)
	t.secrets[wallet.NewCredentialPassword] = &secretSource{env: env, file: *newFile, envVar: "NETID_NEW_PASSWORD", prompt: env.tr(i18n.KeyCLINewPassword), confirm: true}
	u, _, c, err := hf.unlocked(ctx, env, t)
	if err != nil {
		return err
	}
	if err := wallet.ChangePasswordWith(ctx, c, u, t, wallet.SaveOptions{}); err != nil {
		return err
	}
	env.println(env.Stdout, i18n.KeyCLIPasswordChanged)
	return nil
}

// walletPhone is "netid wallet phone --new N": a code to the linked number
// and one to the new number, both entered (or, with --dev, read from the
// development outbox, which needs the linked number: --old-phone).
func walletPhone(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet phone")
	newPhone := fs.String("new", "", "the new phone number (required)")
	oldCode := fs.String("old-code", "", "the code sent to the linked number (else a prompt)")
	newCode := fs.String("new-code", "", "the code sent to the new number (else a prompt)")
	dev := fs.Bool("dev", false, "read both codes from the dev server's outbox (needs --old-phone)")
	oldPhone := fs.String("old-phone", "", "with --dev: the linked number, to find its code in the outbox")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *newPhone == "" {
		return errors.New("--new is required")
	}
	if *dev && *oldPhone == "" && *oldCode == "" {
		return errors.New("--dev needs --old-phone (or --old-code)")
	}
	t := hf.terminal(env)
	u, _, c, err := hf.unlocked(ctx, env, t)
	if err != nil {
		return err
	}
	t.code = func(ctx context.Context, to wallet.SMS) (string, error) {
		given, phone, prompt := *newCode, to.Number, env.tr(i18n.KeyCLICodeNewNumber)
		if to.Linked {
			given, phone, prompt = *oldCode, *oldPhone, env.tr(i18n.KeyCLICodeOldNumber)
		}
		switch {
		case given != "":
			return given, nil
		case *dev:
			return wallet.DevCode(c)(ctx, wallet.SMS{Number: phone})
		}
		return promptLine(env, prompt)
	}
	a, err := wallet.ChangePhone(ctx, c, u, *newPhone, t)
	if err != nil {
		return err
	}
	env.println(env.Stdout, i18n.KeyCLIPhoneChanged, a.Phone)
	return nil
}

// walletPlatforms is "netid wallet platforms [withdraw RP]".
func walletPlatforms(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet platforms")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	withdraw := ""
	switch {
	case len(pos) == 0:
	case len(pos) == 2 && pos[0] == "withdraw":
		withdraw = pos[1]
	default:
		fmt.Fprintln(env.Stderr, "usage: netid wallet platforms [withdraw RP] [flags]")
		return errUsage
	}
	u, _, c, err := hf.unlocked(ctx, env, nil)
	if err != nil {
		return err
	}
	if withdraw != "" {
		if err := c.WithdrawConsent(ctx, u, withdraw); err != nil {
			return err
		}
		env.println(env.Stdout, i18n.KeyCLIWithdrawn, withdraw)
		return nil
	}
	list, err := c.Platforms(ctx, u)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		env.println(env.Stdout, i18n.KeyCLINoPlatforms)
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	env.println(tw, i18n.KeyCLIPlatformsHeader)
	for _, p := range list {
		shared := strings.Join(append(append([]string{}, p.Claims...), p.Plaintext...), ",")
		if p.GuardianConsent {
			shared += env.tr(i18n.KeyCLIGuardianGave)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.RPID, p.Name, strings.Join(p.Domains, ","), shared, p.GrantedAt.Local().Format(time.DateOnly))
	}
	return tw.Flush()
}

// walletCancel is "netid wallet cancel": cancel (注销) the network
// identity, after a confirmation (or --yes).
func walletCancel(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet cancel")
	yes := fs.Bool("yes", false, "do not ask for confirmation (scripts)")
	if err := parse(fs, args); err != nil {
		return err
	}
	t := hf.terminal(env)
	t.hints = map[wallet.QuestionKind]string{wallet.QuestionCancel: "or give --yes"}
	if *yes {
		t.answers = map[wallet.QuestionKind]bool{wallet.QuestionCancel: true}
	}
	u, _, c, err := hf.unlocked(ctx, env, t)
	if err != nil {
		return err
	}
	if err := wallet.Cancel(ctx, c, u, t); err != nil {
		if errors.Is(err, wallet.ErrNotConfirmed) {
			return errors.New(env.tr(i18n.KeyCLINotCancelled))
		}
		return err
	}
	env.println(env.Stdout, i18n.KeyCLICancelled)
	if wallet.HasEID(*hf.dir) {
		env.println(env.Stdout, i18n.KeyCLIEIDLeft)
	}
	return nil
}

// walletWards is "netid wallet wards": a guardian's wards under 18.
func walletWards(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet wards")
	if err := parse(fs, args); err != nil {
		return err
	}
	u, _, c, err := hf.unlocked(ctx, env, nil)
	if err != nil {
		return err
	}
	wards, err := c.Wards(ctx, u)
	if err != nil {
		return err
	}
	if len(wards) == 0 {
		env.println(env.Stdout, i18n.KeyCLINoWards)
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	env.println(tw, i18n.KeyCLIWardsHeader)
	for _, w := range wards {
		sup := env.tr(i18n.KeyCLIWardInformed)
		if w.ConsentNeeded {
			sup = env.tr(i18n.KeyCLIWardConsent, w.PersonID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", w.PersonID, w.Name, w.Age, sup)
	}
	return tw.Flush()
}

// walletRefresh is "netid wallet refresh": a new batch of credentials,
// each with a new key, to present one per relying party.
func walletRefresh(ctx context.Context, env Env, args []string) error {
	fs, hf := addHolderFlags(env, "wallet refresh")
	if err := parse(fs, args); err != nil {
		return err
	}
	u, pw, c, err := hf.unlocked(ctx, env, nil)
	if err != nil {
		return err
	}
	n, err := wallet.RefreshBatch(ctx, c, u, pw, wallet.SaveOptions{})
	if err != nil {
		return err
	}
	env.println(env.Stdout, i18n.KeyCLIBatchRefreshed, n)
	return nil
}

// warnLowBatch tells the holder, after a presentation, when few batch
// credentials are left unused: once none is, relying parties that compare
// what they received can link the holder.
func warnLowBatch(env Env, u *wallet.Unlocked) {
	if len(u.Batch) == 0 {
		return
	}
	n, err := u.UnusedBatch()
	if err != nil || n > wallet.LowBatch {
		return
	}
	fmt.Fprintf(env.Stderr, "netid wallet present: %s\n", env.tr(i18n.KeyCLILowBatch, n))
}
