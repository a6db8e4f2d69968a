package wallet

import (
	"context"
	"fmt"

	"github.com/netid-project/netid/internal/liveness"
)

// The helpers below wire Apply to a development server (`netid serve
// --dev`), whose /dev/ routes stand in for the SMS gateway, the liveness
// provider and the relationship authority. A production platform has no
// such routes.

// DevCode returns a PromptFuncs.CodeFunc that reads the code from the
// development SMS outbox. The outbox is looked up by number: a code sent
// to the linked number, which the wallet does not know, needs it given
// (SMS.Number).
func DevCode(c *Client) func(ctx context.Context, to SMS) (string, error) {
	return func(ctx context.Context, to SMS) (string, error) {
		if to.Number == "" {
			return "", fmt.Errorf("%w: the development outbox needs the phone number", ErrOptions)
		}
		m, err := c.DevLatestSMS(ctx, to.Number)
		if err != nil {
			return "", err
		}
		if m.Code == "" {
			return "", fmt.Errorf("%w: the outbox message holds no code", ErrResponse)
		}
		return m.Code, nil
	}
}

// DevEvidence returns an ApplyOptions.Evidence that asks the development
// relationship authority.
func DevEvidence(c *Client) func(ctx context.Context, applicationID, childRef, guardianWanghao string) (string, error) {
	return func(ctx context.Context, _, childRef, guardianWanghao string) (string, error) {
		return c.DevRelationship(ctx, guardianWanghao, childRef)
	}
}

// DevLiveness returns the development liveness provider of c's server.
func DevLiveness(c *Client) liveness.Provider {
	return &liveness.HTTPProvider{URL: c.base() + "/dev/liveness", Client: c.HTTP}
}
