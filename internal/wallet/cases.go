package wallet

import (
	"context"
	"net/http"
	"net/url"

	"github.com/netid-project/netid/internal/api"
)

// The holder's cases (申诉与投诉, /v1/holder/cases): disputing a record of
// their history, an operator's suspension, or complaining about a relying
// party. Each call carries a holder proof of u's device key; a suspended
// credential may still open and read cases.

// OpenCase opens a case, POST /v1/holder/cases.
func (c *Client) OpenCase(ctx context.Context, u *Unlocked, req api.CaseOpenRequest) (api.Case, error) {
	var out api.Case
	err := c.do(ctx, call{method: http.MethodPost, path: "/v1/holder/cases", holder: u, in: req, out: &out})
	return out, err
}

// Cases lists the holder's cases, oldest first, GET /v1/holder/cases.
func (c *Client) Cases(ctx context.Context, u *Unlocked) ([]api.Case, error) {
	var out api.CaseList
	err := c.do(ctx, call{method: http.MethodGet, path: "/v1/holder/cases", holder: u, out: &out})
	return out.Cases, err
}

// Case reads one of the holder's cases by its number, GET
// /v1/holder/cases/{number}.
func (c *Client) Case(ctx context.Context, u *Unlocked, number string) (api.Case, error) {
	var out api.Case
	err := c.do(ctx, call{method: http.MethodGet, path: "/v1/holder/cases/" + url.PathEscape(number), holder: u, out: &out})
	return out, err
}
