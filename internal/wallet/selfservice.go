package wallet

import (
	"context"
	"errors"
	"fmt"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
)

// The holder's self-service flows that ask the person something: unlock
// the wallet, change the password or the phone number, cancel (注销). The
// single calls (account, suspend, resume, platforms, wards) are Client
// methods.

// ErrNotConfirmed: the person did not confirm; nothing was done.
var ErrNotConfirmed = errors.New("wallet: not confirmed: nothing was done")

// UnlockWith opens the wallet in dir and unlocks it with the
// CredentialPassword p gives.
func UnlockWith(ctx context.Context, dir string, p Prompter) (*Unlocked, error) {
	w, err := Open(dir)
	if err != nil {
		return nil, err
	}
	pw, err := p.Secret(ctx, CredentialPassword)
	if err != nil {
		return nil, fmt.Errorf("wallet: reading the password: %w", err)
	}
	return w.Unlock(pw)
}

// ChangePasswordWith changes the credential password: the current
// CredentialPassword and the NewCredentialPassword come from p; see
// ChangePassword.
func ChangePasswordWith(ctx context.Context, c *Client, u *Unlocked, p Prompter, o SaveOptions) error {
	old, err := p.Secret(ctx, CredentialPassword)
	if err != nil {
		return fmt.Errorf("wallet: reading the password: %w", err)
	}
	pw, err := p.Secret(ctx, NewCredentialPassword)
	if err != nil {
		return fmt.Errorf("wallet: reading the new password: %w", err)
	}
	return ChangePassword(ctx, c, u, old, pw, o)
}

// ChangePhone links newPhone to u's holder: with the CredentialPassword
// from p the platform sends a code to the linked number and one to
// newPhone; p gives both codes (SMS{Linked: true}, then newPhone's). It
// returns the account with the new (masked) number.
func ChangePhone(ctx context.Context, c *Client, u *Unlocked, newPhone string, p Prompter) (api.Account, error) {
	if err := sameServer(c, u); err != nil {
		return api.Account{}, err
	}
	if newPhone == "" {
		return api.Account{}, fmt.Errorf("%w: no new phone number", ErrOptions)
	}
	pw, err := p.Secret(ctx, CredentialPassword)
	if err != nil {
		return api.Account{}, fmt.Errorf("wallet: reading the password: %w", err)
	}
	if err := c.StartPhoneChange(ctx, u, pw, newPhone); err != nil {
		return api.Account{}, err
	}
	p.Progress(stepOf(i18n.KeyStepPhoneCodes))
	oldCode, err := p.Code(ctx, SMS{Linked: true})
	if err != nil {
		return api.Account{}, fmt.Errorf("wallet: reading the code sent to the linked number: %w", err)
	}
	newCode, err := p.Code(ctx, SMS{Number: newPhone})
	if err != nil {
		return api.Account{}, fmt.Errorf("wallet: reading the code sent to the new number: %w", err)
	}
	if err := c.ConfirmPhoneChange(ctx, u, newPhone, oldCode, newCode); err != nil {
		return api.Account{}, err
	}
	return c.Account(ctx, u)
}

// Cancel cancels (注销) u's holder's network identity once p confirms it
// (QuestionCancel; else ErrNotConfirmed and nothing is done), with the
// CredentialPassword from p, and removes the wallet file (see
// CancelAndRemove).
func Cancel(ctx context.Context, c *Client, u *Unlocked, p Prompter) error {
	if err := sameServer(c, u); err != nil {
		return err
	}
	ok, err := p.Confirm(ctx, Question{Kind: QuestionCancel})
	if err != nil {
		return fmt.Errorf("wallet: asking to confirm: %w", err)
	}
	if !ok {
		return ErrNotConfirmed
	}
	pw, err := p.Secret(ctx, CredentialPassword)
	if err != nil {
		return fmt.Errorf("wallet: reading the password: %w", err)
	}
	return CancelAndRemove(ctx, c, u, pw)
}
