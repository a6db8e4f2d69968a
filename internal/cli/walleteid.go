package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/qr"
	"github.com/netid-project/netid/internal/wallet"
)

// eidRefresh is how often `netid wallet eid qr` renews the payload: half
// the payload's window, so a code on screen always has at least half of
// it left.
const eidRefresh = eid.Window / 2

// walletEID is `netid wallet eid`: the electronic ID card (电子身份证).
func walletEID(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "wallet eid", args, map[string]func(context.Context, Env, []string) error{
		"add":  walletEIDAdd,
		"show": walletEIDShow,
		"qr":   walletEIDQR,
	})
}

// usagePassword is the usage password's source: a file, $NETID_USAGE_PASSWORD
// or the terminal.
func usagePassword(env Env, file string, confirm bool) *secretSource {
	return &secretSource{env: env, file: file, envVar: "NETID_USAGE_PASSWORD", prompt: "eID usage password (6 digits): ", confirm: confirm}
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
	now := time.Now()
	card, err := wallet.ReadEIDDocument(*doc, trust, now)
	if err != nil {
		return err
	}
	// The card must be the document the credential was issued for.
	u, err := unlock(*dir, &secretSource{env: env, file: *pwFile, envVar: "NETID_PASSWORD", prompt: "Credential password: "})
	if err != nil {
		return err
	}
	if err := wallet.CheckEIDHolder(u, card); err != nil {
		return err
	}
	pw, err := usagePassword(env, *usageFile, true).get()
	if err != nil {
		return err
	}
	if err := wallet.SaveEID(*dir, card, pw, wallet.SaveOptions{}); err != nil {
		return err
	}
	how := "structure checked; the platform authenticated it when the credential was issued"
	if card.Authenticated {
		how = "chip data authenticated against the trust list"
	}
	fmt.Fprintf(env.Stdout, "eID card added (%s; %s)\n", card.Identity.Type.Title(), how)
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
	if !wallet.HasEID(*dir) {
		return fmt.Errorf("%w: add it with netid wallet eid add --document FILE", wallet.ErrNoEID)
	}
	pw, err := usagePassword(env, *usageFile, false).get()
	if err != nil {
		return err
	}
	card, err := wallet.OpenEID(*dir, pw)
	if err != nil {
		return err
	}
	id := card.Identity
	validity := id.ValidFrom.String() + " – "
	if id.ValidUntil.IsZero() {
		validity += "长期"
	} else {
		validity += id.ValidUntil.String()
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	row := func(label, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", label, v)
		}
	}
	row("证件 document", id.Type.Title())
	row("姓名 name", id.Name)
	row("name (Latin)", id.NameLatin)
	row("性别 sex", sexTitle(id.Sex))
	row("民族 ethnicity", id.Ethnicity)
	row("国籍 nationality", id.Nationality)
	row("出生 birth date", id.Birth.String())
	row("住址 address", id.Address)
	row("号码 number", id.Number)
	row("签发机关 authority", id.IssuingAuthority)
	row("有效期限 validity", validity)
	row("photo", fmt.Sprintf("%d bytes", len(card.Photo)))
	if !card.Authenticated {
		row("note", "chip data not authenticated by the wallet (checked by the platform at issuance)")
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

func sexTitle(s document.Sex) string {
	switch s {
	case document.Male:
		return "男 M"
	case document.Female:
		return "女 F"
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
	u, err := unlock(*dir, &secretSource{env: env, file: *pwFile, envVar: "NETID_PASSWORD", prompt: "Credential password: "})
	if err != nil {
		return err
	}
	if u.Wallet.Expired(time.Now()) {
		return errors.New("the credential has expired: renew it before showing the eID")
	}
	r, px := qr.Standard, 8
	if *offline {
		r, px = qr.Dense, 4
	}
	if *scale != 0 {
		px = *scale
	}
	var chosen []string
	if len(disclose) > 0 {
		chosen = disclose
	}
	show := func(now time.Time) error {
		var payload string
		var err error
		if *offline {
			payload, err = wallet.EIDOfflinePayload(u, chosen, now, nil)
		} else {
			payload, err = wallet.EIDOnlinePayload(u, now, nil)
		}
		if err != nil {
			return err
		}
		render := r.Terminal
		if *ascii {
			render = r.TerminalASCII
		}
		text, err := render(payload)
		if err != nil {
			return err
		}
		if *pngFile != "" {
			b, err := r.PNG(payload, px)
			if err != nil {
				return err
			}
			if err := os.WriteFile(*pngFile, b, 0o600); err != nil {
				return fmt.Errorf("writing the PNG: %w", err)
			}
		}
		fmt.Fprint(env.Stdout, text)
		fmt.Fprintln(env.Stdout, payload)
		fmt.Fprintf(env.Stderr, "valid until %s\n", now.Add(eid.Window).Local().Format("15:04:05"))
		return nil
	}
	if err := show(time.Now()); err != nil {
		return err
	}
	if *once {
		return nil
	}
	fmt.Fprintf(env.Stderr, "renewing every %v; interrupt (Ctrl-C) to stop\n", eidRefresh)
	tick := time.NewTicker(eidRefresh)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			if f, ok := env.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				fmt.Fprint(env.Stdout, "\x1b[H\x1b[2J") // clear: the old code must not stay on screen
			} else {
				fmt.Fprintln(env.Stdout, strings.Repeat("─", 20))
			}
			if err := show(now); err != nil {
				return err
			}
		}
	}
}
