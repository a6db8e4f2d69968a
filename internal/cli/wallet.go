package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/wallet"
)

func walletCmd(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "wallet", args, map[string]func(context.Context, Env, []string) error{
		"apply":    walletApply,
		"show":     walletShow,
		"present":  walletPresent,
		"guardian": walletGuardian,
		"approve":  walletApprove,
		"history":  walletHistory,
		"consents": walletConsents, // consent.go
		// Re-proofing (reproof.go).
		"device":          walletDevice,
		"forgot-password": walletForgotPassword,
		"new-phone":       walletNewPhone,
		"recover":         walletRecover,
		// The electronic ID card (walleteid.go).
		"eid": walletEID,
		// Self-service (lifecycle.go).
		"status":    walletStatus,
		"suspend":   walletSuspend,
		"resume":    walletResume,
		"password":  walletPassword,
		"phone":     walletPhone,
		"platforms": walletPlatforms,
		"cancel":    walletCancel,
		"wards":     walletWards,
		"refresh":   walletRefresh,
		// Recourse (cases.go).
		"case": walletCase,
	})
}

// noLiveness stands in when no liveness provider was given.
type noLiveness struct{}

func (noLiveness) Attest(context.Context, liveness.Request) (string, error) {
	return "", errors.New("the face check needs a liveness provider: give --liveness-url (or --dev against a development server)")
}

// walletDir is the --wallet flag's default.
func walletDir(env Env) string {
	if d := env.Getenv("NETID_WALLET"); d != "" {
		return d
	}
	d, err := wallet.DefaultDir()
	if err != nil {
		return ".netid-wallet"
	}
	return d
}

// client is a client of the platform at server whose problems come in
// the command's language.
func client(env Env, server string) *wallet.Client {
	return &wallet.Client{BaseURL: strings.TrimSuffix(server, "/"), HTTP: &http.Client{Timeout: 30 * time.Second},
		Language: i18n.Match(env.Lang).String()}
}

func walletApply(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet apply")
	doc := fs.String("document", "", "the document's chip data file (from the NFC read, or netid dev document)")
	f := addProofingFlags(env, fs, "the phone number to bind", "file holding the credential password")
	server, phone, dir, devMode := f.server, f.phone, f.dir, f.dev
	guardianWH := fs.String("guardian", "", "applicants aged 14 to 17: the guardian's 网号")
	evidence := fs.String("evidence", "", "file holding guardian relationship evidence (minors, without --dev)")
	onBehalf := fs.String("on-behalf-wallet", "", "a guardian applying for a child under 14: the guardian's wallet directory")
	guardianPW := fs.String("guardian-password-file", "", "the guardian's password file (else env NETID_GUARDIAN_PASSWORD, else a prompt)")
	wait := fs.Duration("wait", 0, "how long to wait for the guardian's confirmation (0: save and exit; resume with --resume)")
	resume := fs.Bool("resume", false, "continue the application saved in the wallet directory")
	replace := fs.Bool("replace", false, "apply again although the wallet holds a credential (a new device: the old credential is revoked)")
	handover := fs.String("handover", "", "finish an application a counter started: the hand-over link it gave (with --phone)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *handover != "" {
		return walletFinish(ctx, env, f, *handover, *replace)
	}
	if *server == "" {
		if p, err := wallet.LoadPending(*dir); err == nil && *resume {
			*server = p.Server
		} else {
			return errors.New("--server is required")
		}
	}
	if !*resume && (*doc == "" || *phone == "") {
		return errors.New("--document and --phone are required")
	}
	c := client(env, *server)
	t := f.terminal(env, c, env.tr(i18n.KeyCLIPassword), env.tr(i18n.KeyCLINewPassword))
	o := wallet.ApplyOptions{
		Server:       c.BaseURL,
		Dir:          *dir,
		DocumentPath: *doc,
		Phone:        *phone,
		Replace:      *replace,
		Prompter:     t,
		Liveness:     f.liveness(c),
		Guardian:     *guardianWH,
		Wait:         *wait,
	}
	switch {
	case *evidence != "":
		b, err := os.ReadFile(*evidence)
		if err != nil {
			return err
		}
		ev := strings.TrimSpace(string(b))
		o.Evidence = func(context.Context, string, string, string) (string, error) { return ev, nil }
	case *devMode:
		o.Evidence = wallet.DevEvidence(c)
	}
	if *onBehalf != "" {
		g := &terminal{env: env, secrets: map[wallet.Secret]*secretSource{
			wallet.CredentialPassword: {env: env, file: *guardianPW, envVar: "NETID_GUARDIAN_PASSWORD", prompt: env.tr(i18n.KeyCLIGuardianPass)},
		}}
		u, err := wallet.UnlockWith(ctx, *onBehalf, g)
		if err != nil {
			return fmt.Errorf("guardian's wallet: %w", err)
		}
		o.OnBehalfOf = u
	}
	var res *wallet.Result
	var err error
	if *resume {
		res, err = wallet.Resume(ctx, c, o)
	} else {
		res, err = wallet.Apply(ctx, c, o)
	}
	switch {
	case errors.Is(err, wallet.ErrWaitingForGuardian):
		env.println(env.Stdout, i18n.KeyCLIWaitingGuardian)
		return nil
	case errors.Is(err, wallet.ErrCredentialExists):
		return fmt.Errorf("%w: give --replace to apply again (the platform then revokes the old one)", err)
	case err != nil:
		return err
	}
	printIssued(env, res)
	return nil
}

func walletShow(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet show")
	dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
	full := fs.Bool("full", false, "show the full 网号 (asks for the password)")
	pwFile := fs.String("password-file", "", "file holding the credential password (with --full)")
	if err := parse(fs, args); err != nil {
		return err
	}
	w, err := wallet.Open(*dir)
	if err != nil {
		return err
	}
	wh := w.MaskedWanghao()
	if *full {
		pw, err := newTerminal(env, *pwFile).Secret(ctx, wallet.CredentialPassword)
		if err != nil {
			return err
		}
		if _, err := w.Unlock(pw); err != nil {
			return err
		}
		wh = netnum.Format(w.Wanghao)
	}
	st, err := wallet.Status(ctx, client(env, w.Server), w)
	status := ""
	if err != nil {
		status = env.tr(i18n.KeyCLIStatusUnknown, personMessage(env, err))
	} else {
		status = st.Status
		if st.Expired {
			status += env.tr(i18n.KeyCLIStatusExpired)
		}
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\n", env.tr(i18n.KeyCLILabelWanghao), wh)
	fmt.Fprintf(tw, "%s\t%s\n", env.tr(i18n.KeyCLILabelStatus), status)
	fmt.Fprintf(tw, "%s\t%s\n", env.tr(i18n.KeyCLILabelValidUntil), w.ExpiresAt.Local().Format("2006-01-02 15:04"))
	fmt.Fprintf(tw, "%s\t%s\n", env.tr(i18n.KeyCLILabelPlatform), w.Server)
	fmt.Fprintf(tw, "%s\t%s\n", env.tr(i18n.KeyCLILabelCredential), w.CredentialID)
	return tw.Flush()
}

// listFlag collects repeated flag values, also comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func walletPresent(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet present")
	dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
	audience := fs.String("audience", "", "the relying party's identifier")
	nonce := fs.String("nonce", "", "the relying party's nonce")
	pwFile := fs.String("password-file", "", "file holding the credential password (else env NETID_PASSWORD, else a prompt)")
	var disclose listFlag
	fs.Var(&disclose, "disclose", "a claim to disclose (repeatable): age_over_14, age_over_16, age_over_18, age_over_60, name, …")
	report := fs.Bool("report", false, "tell the platform about this presentation, for your own history (本人申报: shown as reported by you; off by default: the relying party verifies offline and the platform learns nothing)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *audience == "" || *nonce == "" {
		return errors.New("--audience and --nonce are required")
	}
	u, err := wallet.UnlockWith(ctx, *dir, newTerminal(env, *pwFile))
	if err != nil {
		return err
	}
	p, err := wallet.Present(u, *audience, *nonce, disclose, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, p)
	warnLowBatch(env, u)
	if *report {
		// The relying party verifies offline and tells the platform
		// nothing; only the holder's own request reports it, as their
		// statement.
		if err := client(env, u.Wallet.Server).ReportPresentation(ctx, u, *audience, disclose); err != nil {
			fmt.Fprintf(env.Stderr, "netid wallet present: %s\n", env.tr(i18n.KeyCLINotReported, personMessage(env, err)))
		}
	}
	return nil
}

func walletGuardian(ctx context.Context, env Env, args []string) error {
	decide := func(approve bool) func(context.Context, Env, []string) error {
		return func(ctx context.Context, env Env, args []string) error {
			fs := flags(env, "wallet guardian")
			dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
			pwFile := fs.String("password-file", "", "file holding the credential password")
			pos, err := parseInterspersed(fs, args)
			if err != nil {
				return err
			}
			if len(pos) != 1 {
				return errors.New("give one application ID (from netid wallet guardian list)")
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
			if err := wallet.DecideGuardian(ctx, client(env, u.Wallet.Server), u, pos[0], approve, pw); err != nil {
				return err
			}
			key := i18n.KeyCLIAppApproved
			if !approve {
				key = i18n.KeyCLIAppDeclined
			}
			env.println(env.Stdout, key, pos[0])
			return nil
		}
	}
	return sub(ctx, env, "wallet guardian", args, map[string]func(context.Context, Env, []string) error{
		"list": func(ctx context.Context, env Env, args []string) error {
			fs := flags(env, "wallet guardian list")
			dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
			pwFile := fs.String("password-file", "", "file holding the credential password")
			if err := parse(fs, args); err != nil {
				return err
			}
			u, err := wallet.UnlockWith(ctx, *dir, newTerminal(env, *pwFile))
			if err != nil {
				return err
			}
			reqs, err := wallet.GuardianRequests(ctx, client(env, u.Wallet.Server), u)
			if err != nil {
				return err
			}
			if len(reqs) == 0 {
				env.println(env.Stdout, i18n.KeyCLINoRequests)
				return nil
			}
			tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
			env.println(tw, i18n.KeyCLIRequestsHeader)
			for _, r := range reqs {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", r.ApplicationID, r.Name, r.Age, r.DocumentType.Title(), r.ExpiresAt.Local().Format("15:04"))
			}
			return tw.Flush()
		},
		"approve":  decide(true),
		"decline":  decide(false),
		"consents": guardianConsents,
		"allow":    guardianAllow, // consent.go
	})
}
