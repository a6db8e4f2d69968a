package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/wallet"
)

// walletEID is `netid wallet eid`: the electronic ID card (电子身份证).
func walletEID(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "wallet eid", args, map[string]func(context.Context, Env, []string) error{
		"add":  walletEIDAdd,
		"show": walletEIDShow,
		"qr":   walletEIDQR,
		// Full-data checks (walletfulldata.go).
		"requests": walletEIDRequests,
		"approve":  walletEIDApprove,
	})
}

// usagePassword is the usage password's source: a file, $NETID_USAGE_PASSWORD
// or the terminal.
func usagePassword(env Env, file string, confirm bool) *secretSource {
	return &secretSource{env: env, file: file, envVar: "NETID_USAGE_PASSWORD", prompt: env.tr(i18n.KeyCLIUsagePassword), confirm: confirm}
}

func walletEIDAdd(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet eid add")
	dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
	doc := fs.String("document", "", "the document's chip data file (from the NFC read, or netid dev document)")
	trustDir := fs.String("trust", "", "directory of trusted document CA certificates (PEM): authenticate the chip data against them (else its structure is checked; the platform authenticated it at issuance)")
	usageFile := fs.String("usage-password-file", "", "file holding the new six-digit usage password (else env NETID_USAGE_PASSWORD, else a prompt)")
	pwFile := fs.String("password-file", "", "file holding the credential password (else env NETID_PASSWORD, else a prompt)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *doc == "" {
		return errors.New("--document is required")
	}
	var trust *chip.TrustList
	if *trustDir != "" {
		t, err := chip.LoadTrustList(*trustDir)
		if err != nil {
			return err
		}
		if t.Len() == 0 {
			return fmt.Errorf("the trust directory %s holds no CA certificate", *trustDir)
		}
		trust = t
	}
	// The card must be the document the credential was issued for.
	t := newTerminal(env, *pwFile)
	t.secrets[wallet.NewUsagePassword] = usagePassword(env, *usageFile, true)
	card, err := wallet.AddEID(ctx, *dir, *doc, trust, time.Now(), t, wallet.SaveOptions{})
	if err != nil {
		return err
	}
	how := env.tr(i18n.KeyCLIEIDChecked)
	if card.Authenticated {
		how = env.tr(i18n.KeyCLIEIDAuthenticated)
	}
	env.println(env.Stdout, i18n.KeyCLIEIDAdded, card.Identity.Type.Title(), how)
	return nil
}

func walletEIDShow(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet eid show")
	dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
	usageFile := fs.String("usage-password-file", "", "file holding the usage password (else env NETID_USAGE_PASSWORD, else a prompt)")
	photo := fs.String("photo", "", "write the face image to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	t := &terminal{env: env, secrets: map[wallet.Secret]*secretSource{wallet.UsagePassword: usagePassword(env, *usageFile, false)}}
	card, err := wallet.OpenEIDWith(ctx, *dir, t)
	if errors.Is(err, wallet.ErrNoEID) {
		return fmt.Errorf("%w: add it with netid wallet eid add --document FILE", err)
	}
	if err != nil {
		return err
	}
	id := card.Identity
	validity := id.ValidFrom.String() + " – "
	if id.ValidUntil.IsZero() {
		validity += env.tr(i18n.KeyEIDForLife)
	} else {
		validity += id.ValidUntil.String()
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	row := func(label i18n.Key, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", env.tr(label), v)
		}
	}
	row(i18n.KeyEIDDocument, id.Type.Title())
	row(i18n.KeyEIDName, id.Name)
	row(i18n.KeyEIDNameLatin, id.NameLatin)
	row(i18n.KeyEIDSex, sexTitle(env, id.Sex))
	row(i18n.KeyEIDEthnicity, id.Ethnicity)
	row(i18n.KeyEIDNationality, id.Nationality)
	row(i18n.KeyEIDBirth, id.Birth.String())
	row(i18n.KeyEIDAddress, id.Address)
	row(i18n.KeyEIDNumber, id.Number)
	row(i18n.KeyEIDAuthority, id.IssuingAuthority)
	row(i18n.KeyEIDValidity, validity)
	row(i18n.KeyEIDPhoto, env.tr(i18n.KeyEIDPhotoBytes, len(card.Photo)))
	if !card.Authenticated {
		row(i18n.KeyEIDNote, env.tr(i18n.KeyEIDNotChecked))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if *photo != "" {
		if err := os.WriteFile(*photo, card.Photo, 0o600); err != nil {
			return fmt.Errorf("writing the photo: %w", err)
		}
	}
	return nil
}

func sexTitle(env Env, s document.Sex) string {
	switch s {
	case document.Male:
		return env.tr(i18n.KeyEIDMale)
	case document.Female:
		return env.tr(i18n.KeyEIDFemale)
	}
	return string(s)
}

func walletEIDQR(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "wallet eid qr")
	dir := fs.String("wallet", walletDir(env), "wallet directory (env NETID_WALLET)")
	pwFile := fs.String("password-file", "", "file holding the credential password (else env NETID_PASSWORD, else a prompt)")
	pngFile := fs.String("png", "", "also write the QR code to this PNG file (rewritten at every renewal)")
	scale := fs.Int("scale", 0, "PNG pixels per module (default 8 online, 4 offline)")
	ascii := fs.Bool("ascii", false, "draw the QR code with ## for terminals without Unicode or colour")
	offline := fs.Bool("offline", false, "an offline payload: an SD-JWT presentation a verifier checks without the platform")
	var disclose listFlag
	fs.Var(&disclose, "disclose", "with --offline: a claim to disclose (repeatable; default age_over_18)")
	once := fs.Bool("once", false, "print one payload and exit (else renew every 30 s until interrupted)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(disclose) > 0 && !*offline {
		return errors.New("--disclose needs --offline (an online payload discloses nothing itself)")
	}
	t := newTerminal(env, *pwFile)
	t.qr = qrDisplay{png: *pngFile, scale: *scale, ascii: *ascii}
	u, err := wallet.UnlockWith(ctx, *dir, t)
	if err != nil {
		return err
	}
	return wallet.ShowEIDCodes(ctx, u, wallet.EIDCodeOptions{Offline: *offline, Disclose: disclose, Once: *once}, t)
}
