package wallet

import (
	"context"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/credential/statuslist"
)

// Present makes a presentation of u's credential for one relying party:
// only the claims named in disclose are revealed, and a key-binding JWT
// signed by the device key covers audience, nonce and now. A wallet with
// a batch presents the batch credential it gave this audience before, or
// one it never presented (see UnusedBatch), with that credential's key. A
// holder under 14 (the credential says so) presents the guardian consent
// statement kept for audience and the key presented (FetchConsents) inside
// the key-binding JWT; without one Present fails with ErrNoGuardianConsent,
// as any verifier would refuse the presentation. Nothing is sent to the
// platform.
func Present(u *Unlocked, audience, nonce string, disclose []string, now time.Time) (string, error) {
	if u == nil || u.DeviceKey == nil {
		return "", fmt.Errorf("wallet: presenting needs an unlocked wallet")
	}
	cred, key, err := u.forAudience(audience)
	if err != nil {
		return "", err
	}
	consent, err := consentFor(u, cred, key, audience, now)
	if err != nil {
		return "", err
	}
	p, err := credential.PresentWithConsent(cred, disclose, key, audience, nonce, consent, now)
	if err != nil {
		return "", fmt.Errorf("wallet: presenting: %w", err)
	}
	return p, nil
}

// Credential statuses as StatusInfo reports them.
const (
	StatusValid     = "valid"
	StatusSuspended = "suspended"
	StatusRevoked   = "revoked"
)

// StatusInfo is a credential's status as published in its status list.
type StatusInfo struct {
	// Status is StatusValid, StatusSuspended or StatusRevoked.
	Status       string
	Wanghao      string
	CredentialID string
	ExpiresAt    time.Time
	// Expired reports whether ExpiresAt has passed at CheckedAt.
	Expired   bool
	CheckedAt time.Time
}

// Usable reports whether the credential can be presented: valid and not
// expired.
func (s StatusInfo) Usable() bool { return s.Status == StatusValid && !s.Expired }

// Status reads w's credential status: it fetches the status list token
// that the credential's status reference names, verifies it against the
// platform's keys (and that it is the list of that URI), and reads the
// credential's entry. No password is needed. The client's clock is used.
func Status(ctx context.Context, c *Client, w *Wallet) (StatusInfo, error) {
	if c.base() != w.Server {
		return StatusInfo{}, fmt.Errorf("%w: the wallet's credential is from another server", ErrServerMismatch)
	}
	keys, err := c.JWKS(ctx)
	if err != nil {
		return StatusInfo{}, fmt.Errorf("wallet: fetching the platform's keys: %w", err)
	}
	tok, err := c.StatusListToken(ctx, w.statusURI)
	if err != nil {
		return StatusInfo{}, fmt.Errorf("wallet: fetching the status list: %w", err)
	}
	// The clock is read after the fetch, and a little skew between this
	// device and the platform is tolerated: a list signed a moment ago
	// by a platform whose clock runs ahead is not "not yet valid".
	now := c.now()
	list, _, err := statuslist.VerifyWithLeeway(tok, keys, w.statusURI, now, 30*time.Second)
	if err != nil {
		return StatusInfo{}, fmt.Errorf("wallet: status list: %w", err)
	}
	v, err := list.Get(w.statusIdx)
	if err != nil {
		return StatusInfo{}, fmt.Errorf("wallet: status list entry: %w", err)
	}
	info := StatusInfo{
		Wanghao: w.Wanghao, CredentialID: w.CredentialID, ExpiresAt: w.ExpiresAt,
		Expired: w.Expired(now), CheckedAt: now,
	}
	switch v {
	case statuslist.Valid:
		info.Status = StatusValid
	case statuslist.Suspended:
		info.Status = StatusSuspended
	case statuslist.Invalid:
		info.Status = StatusRevoked
	default:
		return StatusInfo{}, fmt.Errorf("%w: unknown status value %d", ErrResponse, v)
	}
	return info, nil
}

// GuardianRequests lists the minors' applications waiting for u's holder
// to confirm as their guardian.
func GuardianRequests(ctx context.Context, c *Client, u *Unlocked) ([]api.GuardianRequest, error) {
	if err := sameServer(c, u); err != nil {
		return nil, err
	}
	return c.GuardianRequests(ctx, u)
}

// DecideGuardian approves or declines a minor's application as u's holder,
// confirmed with their credential password (failures count towards the
// platform's lockout; the *APIError tells the attempts left).
func DecideGuardian(ctx context.Context, c *Client, u *Unlocked, applicationID string, approve bool, password string) error {
	if err := sameServer(c, u); err != nil {
		return err
	}
	return c.DecideGuardianRequest(ctx, u, applicationID, approve, password)
}

func sameServer(c *Client, u *Unlocked) error {
	if u == nil || u.Wallet == nil || u.DeviceKey == nil {
		return fmt.Errorf("wallet: the wallet is not unlocked")
	}
	if c.base() != u.Wallet.Server {
		return fmt.Errorf("%w: the wallet's credential is from another server", ErrServerMismatch)
	}
	return nil
}
