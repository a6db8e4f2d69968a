package wallet

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
)

// HandoverPath is the web wallet's Apply page, where a hand-over link
// (#app=<id>&token=<token>) opens an application started elsewhere: by a
// guardian, or at a counter.
const HandoverPath = "/wallet/apply"

// CounterApply submits a counter's signed submission (a counter's
// terminal), POST /v1/counter/applications.
func (c *Client) CounterApply(ctx context.Context, submission string) (api.CounterApplication, error) {
	var out api.CounterApplication
	err := c.do(ctx, call{
		method: http.MethodPost, path: "/v1/counter/applications",
		in: api.CounterSubmissionRequest{Submission: submission}, out: &out,
	})
	if err == nil && out.ID == "" {
		err = fmt.Errorf("%w: the counter application lacks its id", ErrResponse)
	}
	return out, err
}

// ParseHandover reads a hand-over link, <server>/wallet/apply#app=<id>&token=<token>,
// into the platform's base URL, the application's ID and its token.
func ParseHandover(link string) (server, id, token string, err error) {
	u, perr := url.Parse(strings.TrimSpace(link))
	bad := func(why string) (string, string, string, error) {
		return "", "", "", fmt.Errorf("%w: the hand-over link %s", ErrOptions, why)
	}
	if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("is not an http(s) link")
	}
	base, ok := strings.CutSuffix(u.Path, HandoverPath)
	if !ok {
		return bad("does not open the wallet's Apply page")
	}
	f, ferr := url.ParseQuery(u.EscapedFragment())
	id, token = f.Get("app"), f.Get("token")
	if ferr != nil || id == "" || token == "" || len(id) > 200 || len(token) > 200 {
		return bad("lacks the application or its token")
	}
	server = u.Scheme + "://" + u.Host + base
	if err := checkServer(server); err != nil {
		return "", "", "", err
	}
	return server, id, token, nil
}

// Finish drives an application another party started and handed over
// (a counter, which read the chip and checked the face) from where it
// stands (the phone step) to issuance: the SMS code to o.Phone, a new
// credential password, the device key; the credential is saved in o.Dir.
// o.DocumentPath is not needed. The wallet directory's pending.json, if
// any, is left alone.
func Finish(ctx context.Context, c *Client, o ApplyOptions, id, token string) (*Result, error) {
	if err := o.checkFor(c, false); err != nil {
		return nil, err
	}
	if err := o.checkReplace(); err != nil {
		return nil, err
	}
	v, err := c.GetApplication(ctx, id, token)
	if err != nil {
		return nil, err
	}
	switch v.State {
	case api.StatePhone, api.StatePassword, api.StateDevice:
	default:
		return nil, fmt.Errorf("%w: a handed-over application goes on from the phone step, not %q", ErrUnexpectedState, v.State)
	}
	r := &run{c: c, o: o, secret: NewCredentialPassword, handover: true,
		p: Pending{Server: c.base(), ApplicationID: id, Token: token, Phone: o.Phone}}
	r.progress(stepOf(i18n.KeyStepResuming))
	return r.loop(ctx, &v)
}
