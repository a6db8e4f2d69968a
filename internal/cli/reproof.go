package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/wallet"
)

// proofingFlags are the flags of every command that runs a proofing
// application (apply and the re-proofing commands).
type proofingFlags struct {
	server, phone, dir, pwFile, code, livenessURL, livenessToken *string
	dev                                                          *bool
}

func addProofingFlags(env Env, fs *flag.FlagSet, phoneHelp, pwHelp string) proofingFlags {
	return proofingFlags{
		server:        fs.String("server", env.Getenv("NETID_SERVER"), "the platform's base URL"),
		phone:         fs.String("phone", "", phoneHelp),
		dir:           fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)"),
		pwFile:        fs.String("password-file", "", pwHelp+" (else env NETID_PASSWORD, else a prompt)"),
		code:          fs.String("code", "", "the SMS code (else a prompt, or the dev outbox with --dev)"),
		dev:           fs.Bool("dev", false, "use the dev server's outbox, liveness provider (and, applying for a minor, relationship authority)"),
		livenessURL:   fs.String("liveness-url", "", "liveness provider URL (a real provider's HTTP adapter)"),
		livenessToken: fs.String("liveness-token", "", "bearer token for the liveness provider"),
	}
}

// terminal is the prompter of a proofing run: the credential password
// from --password-file, $NETID_PASSWORD or the terminal (with prompt, or
// newPrompt and asked twice when the run sets a new one), the SMS code
// from --code, the development outbox (--dev) or the terminal.
func (f proofingFlags) terminal(env Env, c *wallet.Client, prompt, newPrompt string) *terminal {
	pw := func(prompt string, confirm bool) *secretSource {
		return &secretSource{env: env, file: *f.pwFile, envVar: "NETID_PASSWORD", prompt: prompt, confirm: confirm}
	}
	t := &terminal{env: env, secrets: map[wallet.Secret]*secretSource{
		wallet.CredentialPassword:    pw(prompt, false),
		wallet.NewCredentialPassword: pw(newPrompt, true),
	}}
	switch code := *f.code; {
	case code != "":
		t.code = func(context.Context, wallet.SMS) (string, error) { return code, nil }
	case *f.dev:
		t.code = wallet.DevCode(c)
	}
	return t
}

// liveness is the liveness provider the flags select: a provider's HTTP
// adapter, the development provider, or none (an error at the face step).
func (f proofingFlags) liveness(c *wallet.Client) liveness.Provider {
	switch {
	case *f.livenessURL != "":
		return &liveness.HTTPProvider{URL: *f.livenessURL, Token: *f.livenessToken}
	case *f.dev:
		return wallet.DevLiveness(c)
	}
	return noLiveness{}
}

// reproof runs a re-proofing application with the shared flags.
func reproof(ctx context.Context, env Env, f proofingFlags, o wallet.ReproofOptions) (*wallet.ReproofResult, error) {
	if *f.server == "" {
		return nil, errors.New("--server is required")
	}
	if *f.phone == "" {
		return nil, errors.New("--phone is required")
	}
	c := client(env, *f.server)
	o.Server, o.Dir, o.Phone = c.BaseURL, *f.dir, *f.phone
	o.Prompter = f.terminal(env, c, env.tr(i18n.KeyCLIPassword), env.tr(i18n.KeyCLINewPassword))
	o.Liveness = f.liveness(c)
	res, err := wallet.Reproof(ctx, c, o)
	if errors.Is(err, wallet.ErrCredentialExists) {
		return nil, fmt.Errorf("%w: give --replace to overwrite it", err)
	}
	return res, err
}

// wanghaoArg checks a --wanghao flag.
func wanghaoArg(s string) (string, error) {
	if s == "" {
		return "", errors.New("--wanghao is required: the 网号 of the credential")
	}
	wh, err := netnum.Parse(s)
	if err != nil {
		return "", fmt.Errorf("--wanghao: %w", err)
	}
	return wh, nil
}

func printIssued(env Env, res *wallet.Result) {
	env.println(env.Stdout, i18n.KeyCLIIssued, netnum.Mask(res.Wanghao), res.ExpiresAt.Format(time.DateOnly))
}

// walletDevice: netid wallet device --wanghao W --phone N: move the
// credential to this device (face + SMS to the linked phone + password);
// the platform revokes the old device's credential.
func walletDevice(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet device")
	whFlag := fs.String("wanghao", "", "the 网号 of the credential to move to this device")
	f := addProofingFlags(env, fs, "the phone number linked to the 网号", "file holding the credential password")
	replace := fs.Bool("replace", false, "overwrite a credential already in this wallet directory")
	if err := parse(fs, args); err != nil {
		return err
	}
	wh, err := wanghaoArg(*whFlag)
	if err != nil {
		return err
	}
	o := wallet.ReproofOptions{Kind: api.KindDevice, Wanghao: wh}
	o.Replace = *replace
	res, err := reproof(ctx, env, f, o)
	if err != nil {
		return err
	}
	printIssued(env, res.Issued)
	env.println(env.Stdout, i18n.KeyCLIOldRevoked)
	return nil
}

// walletForgotPassword: netid wallet forgot-password --wanghao W --phone N:
// a new credential password after a face check and an SMS code to the
// linked phone. A wallet on this device stays locked under the old
// password until unlocked with it once more (or re-issued).
func walletForgotPassword(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet forgot-password")
	whFlag := fs.String("wanghao", "", "the 网号 of the credential")
	f := addProofingFlags(env, fs, "the phone number linked to the 网号", "file holding the NEW credential password")
	if err := parse(fs, args); err != nil {
		return err
	}
	wh, err := wanghaoArg(*whFlag)
	if err != nil {
		return err
	}
	if _, err := reproof(ctx, env, f, wallet.ReproofOptions{Kind: api.KindPassword, Wanghao: wh}); err != nil {
		return err
	}
	env.println(env.Stdout, i18n.KeyCLINewPasswordSet)
	return nil
}

// walletNewPhone: netid wallet new-phone --document F --phone NEW: link a
// new phone number when the old one is gone (chip + face check + password
// + SMS to the new number).
func walletNewPhone(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet new-phone")
	doc := fs.String("document", "", "the document's chip data file")
	f := addProofingFlags(env, fs, "the NEW phone number to link", "file holding the credential password")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *doc == "" {
		return errors.New("--document is required")
	}
	o := wallet.ReproofOptions{Kind: api.KindPhone}
	o.DocumentPath = *doc
	if _, err := reproof(ctx, env, f, o); err != nil {
		return err
	}
	env.println(env.Stdout, i18n.KeyCLINewPhoneLinked)
	return nil
}

// walletRecover: netid wallet recover --document F --phone N --action A:
// from the identity document (chip + face + SMS to the linked phone), when
// the device is lost: suspend the credential, resume it, or re-issue it to
// this device.
func walletRecover(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet recover")
	doc := fs.String("document", "", "the document's chip data file")
	actionName := fs.String("action", "", "suspend (the device is lost), resume (it was found) or reissue (to this device)")
	f := addProofingFlags(env, fs, "the phone number linked to the 网号", "file holding the credential password (resume, reissue)")
	replace := fs.Bool("replace", false, "reissue: overwrite a credential already in this wallet directory")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *doc == "" {
		return errors.New("--document is required")
	}
	action := api.RecoverAction(*actionName)
	if !action.Valid() {
		return errors.New("--action must be suspend, resume or reissue")
	}
	o := wallet.ReproofOptions{Kind: api.KindRecover, Action: action}
	o.DocumentPath, o.Replace = *doc, *replace
	res, err := reproof(ctx, env, f, o)
	if err != nil {
		return err
	}
	switch action {
	case api.ActionSuspend:
		env.println(env.Stdout, i18n.KeyCLICredSuspended)
	case api.ActionResume:
		env.println(env.Stdout, i18n.KeyCLICredResumed)
	default:
		printIssued(env, res.Issued)
		env.println(env.Stdout, i18n.KeyCLILostRevoked)
	}
	return nil
}
