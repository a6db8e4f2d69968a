package wallet

import (
	"context"
	"net/url"
	"strconv"

	"github.com/netid-project/netid/internal/api"
)

// The holder's side of verifications: opening a session code,
// answering it, the holder's history, offline presentations reported for
// that history, and a guardian's consents for an under-14 ward.

// OpenVerification opens a session code: the platform binds the session to
// this wallet and returns what to show the holder.
func (c *Client) OpenVerification(ctx context.Context, u *Unlocked, code string) (api.Prompt, error) {
	var p api.Prompt
	err := c.do(ctx, call{method: "POST", path: "/v1/wallet/verifications/open", in: api.SessionCodeRequest{Code: code}, out: &p, holder: u})
	return p, err
}

// AnswerVerification approves or declines an opened session.
func (c *Client) AnswerVerification(ctx context.Context, u *Unlocked, a api.AnswerRequest) (api.AnswerResult, error) {
	var r api.AnswerResult
	err := c.do(ctx, call{method: "POST", path: "/v1/wallet/verifications/answer", in: a, out: &r, holder: u})
	return r, err
}

func pageQuery(before int64, limit int) url.Values {
	q := url.Values{}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

// History returns the holder's verification records, newest first.
func (c *Client) History(ctx context.Context, u *Unlocked, before int64, limit int) ([]api.Record, error) {
	var out api.History
	err := c.do(ctx, call{method: "GET", path: "/v1/wallet/history", query: pageQuery(before, limit), out: &out, holder: u})
	return out.Records, err
}

// WardHistory returns an under-14 ward's records to their guardian.
func (c *Client) WardHistory(ctx context.Context, u *Unlocked, wardID string, before int64, limit int) ([]api.Record, error) {
	var out api.History
	err := c.do(ctx, call{method: "GET", path: "/v1/guardian/wards/" + url.PathEscape(wardID) + "/history", query: pageQuery(before, limit), out: &out, holder: u})
	return out.Records, err
}

// ReportPresentation records an offline presentation in the holder's
// history.
func (c *Client) ReportPresentation(ctx context.Context, u *Unlocked, audience string, disclosed []string) error {
	return c.do(ctx, call{method: "POST", path: "/v1/wallet/presentations", in: api.PresentationReport{Audience: audience, Disclosed: disclosed}, holder: u})
}

// GuardianConsents lists an under-14 ward's verifications waiting for the
// guardian's consent.
func (c *Client) GuardianConsents(ctx context.Context, u *Unlocked) ([]api.ConsentRequest, error) {
	var out api.ConsentRequestList
	err := c.do(ctx, call{method: "GET", path: "/v1/guardian/consents", out: &out, holder: u})
	return out.Requests, err
}

// DecideGuardianConsent gives or refuses the guardian's consent.
func (c *Client) DecideGuardianConsent(ctx context.Context, u *Unlocked, sessionID string, approve bool, password string) (api.AnswerResult, error) {
	var r api.AnswerResult
	err := c.do(ctx, call{method: "POST", path: "/v1/guardian/consents/" + url.PathEscape(sessionID), in: api.DecisionRequest{Decision: decision(approve), Password: password}, out: &r, holder: u})
	return r, err
}
