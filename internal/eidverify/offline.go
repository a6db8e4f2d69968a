package eidverify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/rp"
)

// VerifyOffline verifies an offline payload (eid.PrefixOffline: an SD-JWT
// presentation for the audience eid.AudienceOffline) without asking the
// platform about this payload: v, a relying-party verifier for the
// platform, fetches only the issuer keys and the status list, and only
// when its cache does not hold them; its clock must agree with now. The
// key-binding JWT must be at most eid.Window old, and v accepts its nonce
// once (a second scan is ErrReplay). The presentation gives the claims the
// holder chose to disclose (age_over_18 by default); there is no category
// policy offline, and no record in the holder's history.
//
// Errors wrap this package's sentinels (ErrMalformed, ErrWindow, ErrReplay,
// ErrSuspended, ErrRevoked, ErrExpired, ErrGuardianConsent (a holder under
// 14 without their guardian's consent to offline in-person checks: the
// code carries it), ErrSignature for any other
// verification failure) together with the cause from eid or rp; a status
// list that cannot be fetched is rp.ErrStatusUnavailable alone.
func VerifyOffline(ctx context.Context, v *rp.Verifier, payload string, now time.Time) (*rp.Presentation, error) {
	p, err := eid.VerifyOffline(ctx, v, payload, now)
	if err == nil {
		return p, nil
	}
	for _, m := range []struct{ cause, sentinel error }{
		{eid.ErrMalformed, ErrMalformed},
		{eid.ErrExpired, ErrWindow},
		{eid.ErrNotYetValid, ErrWindow},
		{rp.ErrStale, ErrWindow},
		{rp.ErrReplay, ErrReplay},
		{rp.ErrSuspended, ErrSuspended},
		{rp.ErrRevoked, ErrRevoked},
		{rp.ErrExpired, ErrExpired},
		{rp.ErrGuardianConsent, ErrGuardianConsent},
		{rp.ErrStatusUnavailable, nil},
		{rp.ErrInvalid, ErrSignature},
	} {
		if errors.Is(err, m.cause) {
			if m.sentinel == nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", m.sentinel, err)
		}
	}
	return nil, err
}
