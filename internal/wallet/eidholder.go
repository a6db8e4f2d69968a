package wallet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/eid"
)

// The holder's flows of the electronic ID card: add it from the
// document's chip data, open it, and show its codes to a verifier.

// EIDRefresh is how often ShowEIDCodes renews the code: half the code's
// window, so a code on screen always has at least half of it left.
const EIDRefresh = eid.Window / 2

// ErrCredentialExpired: the credential has expired; a code made with it
// would be refused.
var ErrCredentialExpired = errors.New("wallet: the credential has expired")

// AddEID adds the electronic ID card to the wallet in dir from the
// document's chip data at documentPath: the chip data is read (and, with
// trust, authenticated at now; see ReadEIDDocument), the wallet unlocked
// with the CredentialPassword from p to check that the card is its
// holder's (ErrEIDMismatch), and the card sealed under the
// NewUsagePassword from p.
func AddEID(ctx context.Context, dir, documentPath string, trust *chip.TrustList, now time.Time, p Prompter, o SaveOptions) (EIDCard, error) {
	card, err := ReadEIDDocument(documentPath, trust, now)
	if err != nil {
		return EIDCard{}, err
	}
	u, err := UnlockWith(ctx, dir, p)
	if err != nil {
		return EIDCard{}, err
	}
	if err := CheckEIDHolder(u, card); err != nil {
		return EIDCard{}, err
	}
	pw, err := p.Secret(ctx, NewUsagePassword)
	if err != nil {
		return EIDCard{}, fmt.Errorf("wallet: reading the usage password: %w", err)
	}
	if err := SaveEID(dir, card, pw, o); err != nil {
		return EIDCard{}, err
	}
	return card, nil
}

// OpenEIDWith opens the electronic ID card in dir with the UsagePassword
// from p (ErrNoEID if there is none, asking nothing).
func OpenEIDWith(ctx context.Context, dir string, p Prompter) (*EIDCard, error) {
	if !HasEID(dir) {
		return nil, ErrNoEID
	}
	pw, err := p.Secret(ctx, UsagePassword)
	if err != nil {
		return nil, fmt.Errorf("wallet: reading the usage password: %w", err)
	}
	return OpenEID(dir, pw)
}

// EIDCodeOptions configure ShowEIDCodes.
type EIDCodeOptions struct {
	// Offline shows offline codes: presentations disclosing Disclose (nil:
	// eid.DefaultDisclose) that a verifier checks without the platform.
	// Online codes disclose nothing themselves: Disclose needs Offline.
	Offline  bool
	Disclose []string
	// Once shows one code and returns. Otherwise a new code replaces the
	// last every EIDRefresh until ctx ends.
	Once bool
	// Now is the clock (nil: time.Now); Rand the randomness of the codes
	// (nil: crypto/rand).
	Now  func() time.Time
	Rand io.Reader
	// Ticks, if set, replaces the renewal ticker: each time received
	// renews the code (tests).
	Ticks <-chan time.Time
}

// ShowEIDCodes shows u's electronic ID card codes through p, for a
// verifier in person: one (Once), or a fresh one every EIDRefresh until ctx
// ends, so that a code photographed from the screen is soon useless. It
// refuses an expired credential (ErrCredentialExpired). It returns nil when
// ctx ends, or the first error of p or of making a code.
func ShowEIDCodes(ctx context.Context, u *Unlocked, o EIDCodeOptions, p Prompter) error {
	if len(o.Disclose) > 0 && !o.Offline {
		return fmt.Errorf("%w: disclosing claims needs an offline code (an online code discloses nothing itself)", ErrOptions)
	}
	if _, err := unlockedKey(u); err != nil {
		return err
	}
	clock := o.Now
	if clock == nil {
		clock = time.Now
	}
	ticks := o.Ticks
	if ticks == nil && !o.Once {
		t := time.NewTicker(EIDRefresh)
		defer t.Stop()
		ticks = t.C
	}
	now := clock()
	for seq := 0; ; seq++ {
		if u.Wallet.Expired(now) {
			return fmt.Errorf("%w: renew it before showing the eID", ErrCredentialExpired)
		}
		code := EIDCode{Offline: o.Offline, ValidUntil: now.Add(eid.Window), Seq: seq}
		var err error
		if o.Offline {
			code.Payload, err = EIDOfflinePayload(u, o.Disclose, now, o.Rand)
		} else {
			code.Payload, err = EIDOnlinePayload(u, now, o.Rand)
		}
		if err != nil {
			return err
		}
		if !o.Once {
			code.Next = now.Add(EIDRefresh)
		}
		if err := p.ShowEIDCode(ctx, code); err != nil {
			return err
		}
		if o.Once {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case now = <-ticks:
		}
	}
}
