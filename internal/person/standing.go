package person

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// Errors that say why a person's credential cannot change as asked. Each
// may be wrapped with detail that carries no personal data.
var (
	// ErrNoCredential: the person holds no usable credential for the
	// change (none at all, revoked, expired, or not theirs).
	ErrNoCredential = errors.New("no active network credential")
	// ErrOperatorHold: an operator suspended the credential; only an
	// operator can lift it, and no new credential is issued meanwhile.
	ErrOperatorHold = errors.New("the network credential is suspended by an operator")
	// ErrNothingToResume: there is no suspension the holder may lift.
	ErrNothingToResume = errors.New("no credential suspended by its holder")
	// ErrAlreadySuspended: the holder asked to suspend a credential they
	// already suspended.
	ErrAlreadySuspended = errors.New("the network credential is already suspended")
	// ErrSamePhone: the new phone number is the one already linked.
	ErrSamePhone = errors.New("the new phone number is the one already linked")
)

// CredentialLister is what OperatorHoldOn needs of the storage layer.
type CredentialLister interface {
	ListCredentials(ctx context.Context, personID string) ([]storage.Credential, error)
}

var _ CredentialLister = storage.Storage(nil)

// OperatorHoldOn is ErrOperatorHold while an operator's suspension of one
// of person personID's credentials stands, nil otherwise.
func OperatorHoldOn(ctx context.Context, store CredentialLister, personID string) error {
	creds, err := store.ListCredentials(ctx, personID)
	if err != nil {
		return fmt.Errorf("person: listing credentials: %w", err)
	}
	for _, c := range creds {
		if storage.OperatorHold(c) {
			return ErrOperatorHold
		}
	}
	return nil
}

// heldBy reports whether credential c belongs to personID and can still
// change status at now: not revoked, not expired.
func heldBy(c storage.Credential, personID string, now time.Time) error {
	if c.PersonID != personID || c.Status == storage.CredentialRevoked || !now.Before(c.ExpiresAt) {
		return ErrNoCredential
	}
	return nil
}

// HolderMaySuspend is nil if holder personID may suspend credential c at
// now from their device, or the reason they may not.
func HolderMaySuspend(c storage.Credential, personID string, now time.Time) error {
	if err := heldBy(c, personID, now); err != nil {
		return err
	}
	if c.Status == storage.CredentialSuspended {
		if storage.OperatorHold(c) {
			return ErrOperatorHold
		}
		return ErrAlreadySuspended
	}
	return nil
}

// HolderMayResume is nil if holder personID may lift the suspension of
// credential c at now from their device, or the reason they may not. Only
// the holder's own suspension is theirs to lift: a recovery's suspension
// (the device was reported lost) is lifted by a new recover application,
// never by the device, and an operator's by an operator.
func HolderMayResume(c storage.Credential, personID string, now time.Time) error {
	if err := heldBy(c, personID, now); err != nil {
		return err
	}
	switch {
	case c.Status != storage.CredentialSuspended:
		return ErrNothingToResume
	case storage.OperatorHold(c):
		return ErrOperatorHold
	case c.StatusBy != storage.StatusByHolder:
		return ErrNothingToResume
	}
	return nil
}

// LiftableAfterReproof reports whether a suspension set by by may be
// lifted once the person proved themself again (a recover application):
// their own, or one set by an earlier recovery; never an operator's.
func LiftableAfterReproof(by string) bool {
	return by == storage.StatusByHolder || by == storage.StatusByRecovery
}
