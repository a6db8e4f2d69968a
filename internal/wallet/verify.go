package wallet

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/netid-project/netid/internal/verification"
)

// The holder's side of verifications (issue 3): opening a session code,
// answering it, the holder's history, offline presentations reported for
// that history, and a guardian's consents for an under-14 ward.

// AnswerRequest is the holder's decision on a verification.
type AnswerRequest struct {
	Code             string `json:"code"`
	Decision         string `json:"decision"`
	Password         string `json:"password,omitempty"`
	FaceAttestation  string `json:"face_attestation,omitempty"`
	PlaintextConsent bool   `json:"plaintext_consent,omitempty"`
}

// AnswerResult is how the session ended, or that it waits for the guardian.
type AnswerResult struct {
	State    string   `json:"state"`
	Level    string   `json:"level_reached,omitempty"`
	Provided []string `json:"provided,omitempty"`
}

// Record is one verification record as the holder sees it.
type Record struct {
	Seq          int64     `json:"seq"`
	Time         time.Time `json:"time"`
	RelyingParty string    `json:"relying_party"`
	RPID         string    `json:"rp_id,omitempty"`
	Channel      string    `json:"channel"`
	Level        string    `json:"level"`
	Provided     []string  `json:"provided"`
	Outcome      string    `json:"outcome"`
	Guardian     bool      `json:"guardian_consent,omitempty"`
}

// OpenVerification opens a session code: the platform binds the session to
// this wallet and returns what to show the holder.
func (c *Client) OpenVerification(ctx context.Context, u *Unlocked, code string) (verification.Prompt, error) {
	var p verification.Prompt
	err := c.do(ctx, call{method: "POST", path: "/v1/wallet/verifications/open", in: map[string]string{"code": code}, out: &p, holder: u})
	return p, err
}

// AnswerVerification approves or declines an opened session.
func (c *Client) AnswerVerification(ctx context.Context, u *Unlocked, a AnswerRequest) (AnswerResult, error) {
	var r AnswerResult
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
func (c *Client) History(ctx context.Context, u *Unlocked, before int64, limit int) ([]Record, error) {
	var out struct {
		Records []Record `json:"records"`
	}
	err := c.do(ctx, call{method: "GET", path: "/v1/wallet/history", query: pageQuery(before, limit), out: &out, holder: u})
	return out.Records, err
}

// WardHistory returns an under-14 ward's records to their guardian.
func (c *Client) WardHistory(ctx context.Context, u *Unlocked, wardID string, before int64, limit int) ([]Record, error) {
	var out struct {
		Records []Record `json:"records"`
	}
	err := c.do(ctx, call{method: "GET", path: "/v1/guardian/wards/" + url.PathEscape(wardID) + "/history", query: pageQuery(before, limit), out: &out, holder: u})
	return out.Records, err
}

// ReportPresentation records an offline presentation in the holder's
// history.
func (c *Client) ReportPresentation(ctx context.Context, u *Unlocked, audience string, disclosed []string) error {
	return c.do(ctx, call{method: "POST", path: "/v1/wallet/presentations", in: map[string]any{"audience": audience, "disclosed": disclosed}, holder: u})
}

// GuardianConsents lists an under-14 ward's verifications waiting for the
// guardian's consent.
func (c *Client) GuardianConsents(ctx context.Context, u *Unlocked) ([]verification.GuardianRequest, error) {
	var out struct {
		Requests []verification.GuardianRequest `json:"requests"`
	}
	err := c.do(ctx, call{method: "GET", path: "/v1/guardian/consents", out: &out, holder: u})
	return out.Requests, err
}

// DecideGuardianConsent gives or refuses the guardian's consent.
func (c *Client) DecideGuardianConsent(ctx context.Context, u *Unlocked, sessionID string, approve bool, password string) (AnswerResult, error) {
	d := "decline"
	if approve {
		d = "approve"
	}
	var r AnswerResult
	err := c.do(ctx, call{method: "POST", path: "/v1/guardian/consents/" + url.PathEscape(sessionID), in: map[string]string{"decision": d, "password": password}, out: &r, holder: u})
	return r, err
}
