package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/deeplink"
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
	src := &secretSource{env: env, file: *pwFile, envVar: "NETID_PASSWORD", prompt: "Credential password: "}
	u, err := unlock(*dir, src)
	if err != nil {
		return err
	}
	code := pos[0]
	if strings.Contains(code, ":") {
		link, err := deeplink.Parse(code)
		if err != nil {
			return err
		}
		if strings.TrimSuffix(link.Platform, "/") != strings.TrimSuffix(u.Wallet.Server, "/") {
			return fmt.Errorf("the link is for the platform %s, this wallet's is %s", link.Platform, u.Wallet.Server)
		}
		code = link.Code
	}
	c := client(u.Wallet.Server)
	p, err := c.OpenVerification(ctx, u, code)
	if err != nil {
		return err
	}
	out := env.Stdout
	fmt.Fprintf(out, "%s (%s) asks to verify you\n", p.RelyingParty.Name, strings.Join(p.RelyingParty.Domains, ", "))
	fmt.Fprintf(out, "  purpose: %s\n  level:   %s\n  shares:  %s\n", p.Purpose, p.Level, strings.Join(p.Claims, ", "))
	if len(p.Plaintext) > 0 {
		fmt.Fprintf(out, "  and asks SEPARATELY for plaintext identity data: %s\n", strings.Join(p.Plaintext, ", "))
		fmt.Fprintf(out, "  (legal basis: %s; you may decline these and still be verified)\n", p.RelyingParty.LegalBasis)
	}
	if p.GuardianConsent {
		fmt.Fprintln(out, "  your guardian must consent before the result is given")
	}
	a := api.AnswerRequest{Code: code, Decision: api.DecisionApprove}
	if *decline {
		a.Decision = api.DecisionDecline
	} else {
		if !*yes {
			ok, err := confirm(env, "Approve? [y/N] ")
			if err != nil {
				return fmt.Errorf("%w (give --yes to approve non-interactively)", err)
			}
			if !ok {
				a.Decision = api.DecisionDecline
			}
		}
		if a.Decision == api.DecisionApprove && len(p.Plaintext) > 0 {
			switch *plaintext {
			case "share":
				a.PlaintextConsent = true
			case "ask":
				ok, err := confirm(env, "Share the plaintext fields ("+strings.Join(p.Plaintext, ", ")+")? [y/N] ")
				if err != nil {
					return fmt.Errorf("%w (give --plaintext share or withhold)", err)
				}
				a.PlaintextConsent = ok
			}
		}
	}
	if a.Decision == api.DecisionApprove {
		if p.Level.AtLeast(api.LevelPassword) {
			a.Password, _ = src.get()
		}
		if p.Level == api.LevelFace {
			var provider liveness.Provider
			switch {
			case *livenessURL != "":
				provider = &liveness.HTTPProvider{URL: *livenessURL}
			case *devMode:
				provider = wallet.DevLiveness(c)
			default:
				return errors.New("this verification needs a live face check: give --liveness-url (or --dev against a development server)")
			}
			hash, err := base64.RawURLEncoding.DecodeString(p.FaceImageHash)
			if err != nil || len(hash) != 32 {
				return errors.New("the platform sent no usable face image hash")
			}
			req := liveness.Request{Challenge: p.FaceChallenge, ApplicationID: p.SessionID}
			copy(req.FaceImageHash[:], hash)
			if a.FaceAttestation, err = provider.Attest(ctx, req); err != nil {
				return fmt.Errorf("face check: %w", err)
			}
		}
	}
	r, err := c.AnswerVerification(ctx, u, a)
	if err != nil {
		return err
	}
	switch r.State {
	case api.SessionApproved:
		fmt.Fprintf(out, "approved at level %s: shared %s\n", r.Level, strings.Join(r.Provided, ", "))
	case api.SessionAwaitingGuardian:
		fmt.Fprintln(out, "waiting for your guardian's consent (netid wallet guardian consents, in their wallet)")
	default:
		fmt.Fprintln(out, r.State)
	}
	return nil
}

// confirm asks a yes/no question on the terminal.
func confirm(env Env, q string) (bool, error) {
	ans, err := promptLine(env, q)
	if err != nil {
		return false, err
	}
	ans = strings.ToLower(ans)
	return ans == "y" || ans == "yes", nil
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
	u, err := unlock(*dir, &secretSource{env: env, file: *pwFile, envVar: "NETID_PASSWORD", prompt: "Credential password: "})
	if err != nil {
		return err
	}
	c := client(u.Wallet.Server)
	var recs []api.Record
	if *ward != "" {
		recs, err = c.WardHistory(ctx, u, *ward, *before, *limit)
	} else {
		recs, err = c.History(ctx, u, *before, *limit)
	}
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		fmt.Fprintln(env.Stdout, "no verification records")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tTIME\tWHO\tHOW\tLEVEL\tPROVIDED\tOUTCOME")
	for _, r := range recs {
		outcome := r.Outcome
		if r.Guardian {
			outcome += " (guardian)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time.Local().Format(time.DateTime), r.RelyingParty, r.Channel, r.Level, strings.Join(r.Provided, ","), outcome)
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
	src := &secretSource{env: env, file: *pwFile, envVar: "NETID_PASSWORD", prompt: "Credential password: "}
	u, err := unlock(*dir, src)
	if err != nil {
		return err
	}
	c := client(u.Wallet.Server)
	if len(pos) == 0 {
		reqs, err := c.GuardianConsents(ctx, u)
		if err != nil {
			return err
		}
		if len(reqs) == 0 {
			fmt.Fprintln(env.Stdout, "no consents waiting")
			return nil
		}
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SESSION\tWARD\tRELYING PARTY\tPURPOSE\tSHARES")
		for _, r := range reqs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.SessionID, r.Ward, r.RelyingParty, r.Purpose, strings.Join(r.Claims, ","))
		}
		return tw.Flush()
	}
	if len(pos) != 2 || (pos[0] != "approve" && pos[0] != "decline") {
		return errors.New("usage: netid wallet guardian consents [approve|decline SESSION]")
	}
	pw, _ := src.get()
	r, err := c.DecideGuardianConsent(ctx, u, pos[1], pos[0] == "approve", pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s\n", r.State)
	return nil
}
