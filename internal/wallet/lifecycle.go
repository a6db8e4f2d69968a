package wallet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/netid-project/netid/internal/api"
)

// The holder's self-service (/v1/holder/…): the account
// view, suspending and resuming the credential, changing the password and
// the phone number, the authorized platforms, cancelling (注销), and a
// guardian's wards. Each call carries a holder proof of u's device key.

// ErrNotRelocked: the platform changed the credential password but the
// wallet file could not be sealed again under the new one; it still opens
// with the old password (Relock retries).
var ErrNotRelocked = errors.New("wallet: the credential password changed but the wallet is still locked with the old one")

// Account reads the holder's account view (网号 masked), GET
// /v1/holder/account. It works while the credential is suspended or
// expired.
func (c *Client) Account(ctx context.Context, u *Unlocked) (api.Account, error) {
	var out api.Account
	err := c.do(ctx, call{method: http.MethodGet, path: "/v1/holder/account", holder: u, out: &out})
	return out, err
}

// RevealAccount is Account with the full 网号, after the platform checked
// the credential password, POST /v1/holder/account/reveal.
func (c *Client) RevealAccount(ctx context.Context, u *Unlocked, password string) (api.Account, error) {
	var out api.Account
	err := c.do(ctx, call{method: http.MethodPost, path: "/v1/holder/account/reveal", holder: u, in: api.PasswordRequest{Password: password}, out: &out})
	return out, err
}

// Suspend suspends the holder's credential (reason optional), POST
// /v1/holder/suspend.
func (c *Client) Suspend(ctx context.Context, u *Unlocked, password, reason string) (api.Account, error) {
	var out api.Account
	err := c.do(ctx, call{method: http.MethodPost, path: "/v1/holder/suspend", holder: u, in: api.SuspendRequest{Password: password, Reason: reason}, out: &out})
	return out, err
}

// Resume lifts the holder's own suspension, POST /v1/holder/resume; an
// operator's suspension is refused (problem type operator-suspension).
func (c *Client) Resume(ctx context.Context, u *Unlocked, password string) (api.Account, error) {
	var out api.Account
	err := c.do(ctx, call{method: http.MethodPost, path: "/v1/holder/resume", holder: u, in: api.PasswordRequest{Password: password}, out: &out})
	return out, err
}

// ChangeCredentialPassword changes the credential password on the
// platform, PUT /v1/holder/password. ChangePassword also seals the wallet
// file again.
func (c *Client) ChangeCredentialPassword(ctx context.Context, u *Unlocked, oldPassword, newPassword string) error {
	return c.do(ctx, call{method: http.MethodPut, path: "/v1/holder/password", holder: u, in: api.ChangePasswordRequest{OldPassword: oldPassword, NewPassword: newPassword}})
}

// StartPhoneChange has a code sent to the linked number and one to phone,
// POST /v1/holder/phone.
func (c *Client) StartPhoneChange(ctx context.Context, u *Unlocked, password, phone string) error {
	return c.do(ctx, call{method: http.MethodPost, path: "/v1/holder/phone", holder: u, in: api.PhoneChangeRequest{Password: password, Phone: phone}})
}

// ConfirmPhoneChange links phone with the code sent to the linked number
// (oldCode) and the one sent to phone (newCode), POST
// /v1/holder/phone/verify. A failing code's *APIError names it in its
// "code" extension ("old" or "new").
func (c *Client) ConfirmPhoneChange(ctx context.Context, u *Unlocked, phone, oldCode, newCode string) error {
	return c.do(ctx, call{method: http.MethodPost, path: "/v1/holder/phone/verify", holder: u, in: api.PhoneConfirmRequest{Phone: phone, OldCode: oldCode, NewCode: newCode}})
}

// Platforms lists the relying parties the holder consented to, GET
// /v1/holder/platforms.
func (c *Client) Platforms(ctx context.Context, u *Unlocked) ([]api.Platform, error) {
	var out api.PlatformList
	err := c.do(ctx, call{method: http.MethodGet, path: "/v1/holder/platforms", holder: u, out: &out})
	return out.Platforms, err
}

// WithdrawConsent withdraws the consent for relying party rpID, DELETE
// /v1/holder/platforms/{rp}.
func (c *Client) WithdrawConsent(ctx context.Context, u *Unlocked, rpID string) error {
	return c.do(ctx, call{method: http.MethodDelete, path: "/v1/holder/platforms/" + url.PathEscape(rpID), holder: u})
}

// CancelIdentity cancels (注销) the holder's network identity, POST
// /v1/holder/cancel. CancelAndRemove also removes the wallet file.
func (c *Client) CancelIdentity(ctx context.Context, u *Unlocked, password string) error {
	return c.do(ctx, call{method: http.MethodPost, path: "/v1/holder/cancel", holder: u, in: api.PasswordRequest{Password: password}})
}

// Wards lists a guardian's wards under 18, GET /v1/holder/wards.
func (c *Client) Wards(ctx context.Context, u *Unlocked) ([]api.Ward, error) {
	var out api.WardList
	err := c.do(ctx, call{method: http.MethodGet, path: "/v1/holder/wards", holder: u, out: &out})
	return out.Wards, err
}

// Relock seals u's wallet file again under newPassword.
func Relock(u *Unlocked, newPassword string, o SaveOptions) (*Wallet, error) {
	if u == nil || u.Wallet == nil || u.DeviceKey == nil {
		return nil, fmt.Errorf("wallet: the wallet is not unlocked")
	}
	// The batch and its usage key go along, so batch.json stays valid.
	o.CredentialID, o.Batch, o.usageKey = u.Wallet.CredentialID, u.Batch, u.usageKey
	return Save(u.Wallet.Dir, u.Wallet.Server, u.Credential, u.DeviceKey, newPassword, o)
}

// ChangePassword changes the credential password on the platform and
// then seals the wallet file under the new one. If the second step fails
// the error wraps ErrNotRelocked: the platform has the new password, the
// wallet file still opens with the old one.
func ChangePassword(ctx context.Context, c *Client, u *Unlocked, oldPassword, newPassword string, o SaveOptions) error {
	if err := sameServer(c, u); err != nil {
		return err
	}
	if err := c.ChangeCredentialPassword(ctx, u, oldPassword, newPassword); err != nil {
		return err
	}
	if _, err := Relock(u, newPassword, o); err != nil {
		return fmt.Errorf("%w: %w", ErrNotRelocked, err)
	}
	return nil
}

// CancelAndRemove cancels the holder's network identity and removes the
// wallet file (wallet.json), whose credential is now revoked.
func CancelAndRemove(ctx context.Context, c *Client, u *Unlocked, password string) error {
	if err := sameServer(c, u); err != nil {
		return err
	}
	if err := c.CancelIdentity(ctx, u, password); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(u.Wallet.Dir, WalletFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("wallet: the identity is cancelled, but removing the wallet file failed: %w", err)
	}
	return nil
}
