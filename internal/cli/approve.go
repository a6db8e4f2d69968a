package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/wallet"
)

// walletApprove answers a verification: the netid:// link (or its https
// form, or the bare code) from a relying party's QR code or page.
func walletApprove(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet approve")
	dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
	pwFile := fs.String("password-file", "", "file holding the credential password (else env NETID_PASSWORD, else a prompt)")
	decline := fs.Bool("decline", false, "decline instead of approving")
	yes := fs.Bool("yes", false, "approve without asking (non-interactive use)")
	plaintext := fs.String("plaintext", "ask", "plaintext fields asked for: ask, share or withhold (separate consent)")
	devMode := fs.Bool("dev", false, "face check with the dev server's liveness provider")
	livenessURL := fs.String("liveness-url", "", "liveness provider URL (face level)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("give the link from the relying party (netid://verify?…)")
	}
	if *plaintext != "ask" && *plaintext != "share" && *plaintext != "withhold" {
		return errors.New("--plaintext must be ask, share or withhold")
	}
	t := newTerminal(env, *pwFile)
	t.answers, t.hints = map[wallet.QuestionKind]bool{}, map[wallet.QuestionKind]string{
		wallet.QuestionVerification: "give --yes to approve non-interactively",
		wallet.QuestionPlaintext:    "give --plaintext share or withhold",
	}
	switch {
	case *decline:
		t.answers[wallet.QuestionVerification] = false
	case *yes:
		t.answers[wallet.QuestionVerification] = true
	}
	switch *plaintext {
	case "share":
		t.answers[wallet.QuestionPlaintext] = true
	case "withhold":
		t.answers[wallet.QuestionPlaintext] = false
	}
	u, err := wallet.UnlockWith(ctx, *dir, t)
	if err != nil {
		return err
	}
	c := client(env, u.Wallet.Server)
	var face liveness.Provider
	switch {
	case *livenessURL != "":
		face = &liveness.HTTPProvider{URL: *livenessURL}
	case *devMode:
		face = wallet.DevLiveness(c)
	}
	r, err := wallet.Approve(ctx, c, u, pos[0], t, face)
	if errors.Is(err, wallet.ErrNoLiveness) {
		return fmt.Errorf("%w: give --liveness-url (or --dev against a development server)", err)
	}
	if err != nil {
		return err
	}
	out := env.Stdout
	switch r.State {
	case api.SessionApproved:
		env.println(out, i18n.KeyCLIApproved, string(r.Level), strings.Join(r.Provided, ", "))
	case api.SessionAwaitingGuardian:
		env.println(out, i18n.KeyCLIAwaitingConsent)
	case api.SessionDeclined:
		env.println(out, i18n.KeyCLIDeclined)
	default:
		fmt.Fprintln(out, r.State)
	}
	return nil
}

func walletHistory(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet history")
	dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
	pwFile := fs.String("password-file", "", "file holding the credential password")
	ward := fs.String("ward", "", "a guardian: show this under-14 ward's records (their person ID, from the guardian's list)")
	limit := fs.Int("n", 50, "number of records")
	before := fs.Int64("before", 0, "show records before this sequence number (paging)")
	if err := parse(fs, args); err != nil {
		return err
	}
	u, err := wallet.UnlockWith(ctx, *dir, newTerminal(env, *pwFile))
	if err != nil {
		return err
	}
	c := client(env, u.Wallet.Server)
	// Each page proves its records are in the platform's record log, and
	// the log must extend the newest head this wallet kept.
	recs, err := c.CheckedHistory(ctx, *dir, u, *ward, *before, *limit)
	if msg := wallet.LogMessage(err, env.Lang); msg != "" {
		fmt.Fprintln(env.Stderr, msg)
		fmt.Fprintf(env.Stderr, "(%s)\n", oneLine(err))
		return verdictError{err}
	}
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		env.println(env.Stdout, i18n.KeyCLINoRecords)
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	env.println(tw, i18n.KeyCLIHistoryHeader)
	for _, r := range recs {
		who, outcome := r.RelyingParty, string(r.Outcome)
		if r.Guardian {
			outcome += env.tr(i18n.KeyCLIByGuardian)
		}
		if r.ReportedBy == api.ReportedByHolder {
			// The holder's own statement: never shown as the relying
			// party's act.
			who, outcome = env.tr(i18n.KeyCLIReportedByYou), env.tr(i18n.KeyCLIYouPresented, strconv.Quote(r.Audience))
		}
		if r.Case != "" {
			outcome += " " + r.Case
		}
		if r.DisputedBy != "" {
			outcome += " " + env.tr(i18n.KeyCLICaseDisputed, r.DisputedBy)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time.Local().Format(time.DateTime), who, r.Channel, r.Level, strings.Join(r.Provided, ","), outcome)
	}
	return tw.Flush()
}

// guardianConsents lists, approves or declines an under-14 ward's
// verifications waiting for the guardian.
func guardianConsents(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet guardian consents")
	dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
	pwFile := fs.String("password-file", "", "file holding the credential password")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	t := newTerminal(env, *pwFile)
	u, err := wallet.UnlockWith(ctx, *dir, t)
	if err != nil {
		return err
	}
	c := client(env, u.Wallet.Server)
	if len(pos) == 0 {
		reqs, err := c.GuardianConsents(ctx, u)
		if err != nil {
			return err
		}
		if len(reqs) == 0 {
			env.println(env.Stdout, i18n.KeyCLINoConsents)
			return nil
		}
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		env.println(tw, i18n.KeyCLIConsentsHeader)
		for _, r := range reqs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.SessionID, r.Ward, r.RelyingParty, r.Purpose, strings.Join(r.Claims, ","))
		}
		return tw.Flush()
	}
	if len(pos) != 2 || (pos[0] != "approve" && pos[0] != "decline") {
		return errors.New("usage: netid wallet guardian consents [approve|decline SESSION]")
	}
	pw, err := t.Secret(ctx, wallet.CredentialPassword)
	if err != nil {
		return err
	}
	r, err := c.DecideGuardianConsent(ctx, u, pos[1], pos[0] == "approve", pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s\n", r.State)
	return nil
}
