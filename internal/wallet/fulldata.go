package wallet

import (
	"context"
	"net/url"

	"github.com/netid-project/netid/internal/api"
)

// Full-data checks (实名登记): a hotel or a service counter that checked
// the holder's eID code asks for the full name and document number; the
// holder sees exactly what it will receive and approves with the
// credential password, or declines.

// FullDataRequests lists the full-data requests waiting for the holder.
func (c *Client) FullDataRequests(ctx context.Context, u *Unlocked) ([]api.EIDFullDataPrompt, error) {
	var out api.EIDFullDataPrompts
	err := c.do(ctx, call{method: "GET", path: "/v1/wallet/eid/full-data", out: &out, holder: u})
	return out.Requests, err
}

// AnswerFullData approves (with the credential password) or declines a
// full-data request.
func (c *Client) AnswerFullData(ctx context.Context, u *Unlocked, id string, approve bool, password string) error {
	a := api.EIDFullDataAnswer{Decision: decision(approve)}
	if approve {
		a.Password = password
	}
	return c.do(ctx, call{method: "POST", path: "/v1/wallet/eid/full-data/" + url.PathEscape(id), in: a, holder: u})
}
