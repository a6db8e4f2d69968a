package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/wallet"
)

// proofingSources are the SMS code and liveness sources of a proofing
// run: a given code, the dev outbox or a prompt; a liveness provider's
// HTTP adapter, the dev provider, or none (an error at the face step).
func proofingSources(env Env, c *wallet.Client, code string, dev bool, livenessURL, livenessToken string) (func(context.Context, string) (string, error), liveness.Provider) {
	var codeFn func(context.Context, string) (string, error)
	switch {
	case code != "":
		codeFn = func(context.Context, string) (string, error) { return code, nil }
	case dev:
		codeFn = wallet.DevCode(c)
	default:
		codeFn = func(context.Context, string) (string, error) {
			return promptLine(env, "SMS code sent to your phone: ")
		}
	}
	var lp liveness.Provider
	switch {
	case livenessURL != "":
		lp = &liveness.HTTPProvider{URL: livenessURL, Token: livenessToken}
	case dev:
		lp = wallet.DevLiveness(c)
	default:
		lp = noLiveness{}
	}
	return codeFn, lp
}

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

// sources are the SMS code and liveness sources the flags select.
func (f proofingFlags) sources(env Env, c *wallet.Client) (func(context.Context, string) (string, error), liveness.Provider) {
	return proofingSources(env, c, *f.code, *f.dev, *f.livenessURL, *f.livenessToken)
}

// reproof runs a re-proofing application with the shared flags.
func reproof(ctx context.Context, env Env, f proofingFlags, o wallet.ReproofOptions, newPassword bool) (*wallet.ReproofResult, error) {
	if *f.server == "" {
		return nil, errors.New("--server is required")
	}
	if *f.phone == "" {
		return nil, errors.New("--phone is required")
	}
	c := client(*f.server)
	prompt := "Credential password: "
	if newPassword {
		prompt = "New credential password (8 digits): "
	}
	pw := &secretSource{env: env, file: *f.pwFile, envVar: "NETID_PASSWORD", prompt: prompt, confirm: newPassword}
	o.Server, o.Dir, o.Phone, o.Password = c.BaseURL, *f.dir, *f.phone, pw.get
	o.Progress = func(step string) { fmt.Fprintln(env.Stderr, "  "+step) }
	o.Code, o.Liveness = f.sources(env, c)
	return wallet.Reproof(ctx, c, o)
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
	fmt.Fprintf(env.Stdout, "issued: 网号 %s, 网证 valid until %s\n", netnum.Mask(res.Wanghao), res.ExpiresAt.Format(time.DateOnly))
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
	if wallet.Exists(*f.dir) && !*replace {
		return fmt.Errorf("the wallet %s already holds a credential: give --replace to overwrite it", *f.dir)
	}
	res, err := reproof(ctx, env, f, wallet.ReproofOptions{Kind: api.KindDevice, Wanghao: wh}, false)
	if err != nil {
		return err
	}
	printIssued(env, res.Issued)
	fmt.Fprintln(env.Stdout, "the credential on the old device is revoked")
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
	if _, err := reproof(ctx, env, f, wallet.ReproofOptions{Kind: api.KindPassword, Wanghao: wh}, true); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "new credential password set")
	return nil
}

// walletNewPhone: netid wallet new-phone --wanghao W --phone NEW: link a
// new phone number when the old one is gone (password + face check + SMS
// to the new number).
func walletNewPhone(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet new-phone")
	whFlag := fs.String("wanghao", "", "the 网号 of the credential")
	f := addProofingFlags(env, fs, "the NEW phone number to link", "file holding the credential password")
	if err := parse(fs, args); err != nil {
		return err
	}
	wh, err := wanghaoArg(*whFlag)
	if err != nil {
		return err
	}
	if _, err := reproof(ctx, env, f, wallet.ReproofOptions{Kind: api.KindPhone, Wanghao: wh}, false); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "new phone number linked")
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
	if action == api.ActionReissue && wallet.Exists(*f.dir) && !*replace {
		return fmt.Errorf("the wallet %s already holds a credential: give --replace to overwrite it", *f.dir)
	}
	o := wallet.ReproofOptions{Kind: api.KindRecover, Action: action}
	o.DocumentPath = *doc
	res, err := reproof(ctx, env, f, o, false)
	if err != nil {
		return err
	}
	switch action {
	case api.ActionSuspend:
		fmt.Fprintln(env.Stdout, "credential suspended: no platform accepts it until you resume it or re-issue it")
	case api.ActionResume:
		fmt.Fprintln(env.Stdout, "credential resumed")
	default:
		printIssued(env, res.Issued)
		fmt.Fprintln(env.Stdout, "the credential on the lost device is revoked")
	}
	return nil
}
