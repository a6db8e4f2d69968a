package wallet

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/i18n"
	"github.com/netid-project/netid/internal/liveness"
)

// ReproofOptions configure Reproof. The embedded ApplyOptions give the
// platform, wallet directory, phone number (the linked one; for kind phone
// the new one), the prompter (which is asked for the CredentialPassword;
// for kind password a NewCredentialPassword), the liveness provider, and
// Replace (kinds that issue a credential); DocumentPath is needed for the
// kinds that start from the document (phone and recover).
type ReproofOptions struct {
	ApplyOptions
	// Kind is the re-proofing kind: device, password, phone or recover.
	Kind api.ApplicationKind
	// Wanghao names the holder (kinds device and password).
	Wanghao string
	// Action is what a recover application does: api.ActionSuspend,
	// ActionResume or ActionReissue.
	Action api.RecoverAction
}

// Reproof runs a re-proofing application to its end: for kinds device and
// recover with ActionReissue, a new credential bound to a new device key,
// saved in o.Dir (the platform revokes the old device's); for the others
// the change is made on the platform and Result carries no credential.
// Nothing is saved for resuming: a failed run starts again.
func Reproof(ctx context.Context, c *Client, o ReproofOptions) (*ReproofResult, error) {
	if err := o.check(c); err != nil {
		return nil, err
	}
	if o.Kind == api.KindDevice || (o.Kind == api.KindRecover && o.Action == api.ActionReissue) {
		if err := o.checkReplace(); err != nil {
			return nil, err
		}
	}
	r := &run{c: c, o: o.ApplyOptions, action: o.Action, secret: CredentialPassword}
	if o.Kind == api.KindPassword {
		r.secret = NewCredentialPassword
	}
	var docType document.Type
	if fromDocument(o.Kind) {
		doc, err := readDocument(o.DocumentPath)
		if err != nil {
			return nil, err
		}
		r.doc, docType = doc, doc.Identity.Type
	}
	started, err := c.StartReproof(ctx, o.Kind, o.Wanghao, docType)
	if err != nil {
		return nil, fmt.Errorf("wallet: starting the application: %w", err)
	}
	r.p = Pending{Server: c.base(), ApplicationID: started.ID, Token: started.Token}
	r.reproof = true
	r.progress(stepOf(i18n.KeyStepStarted))
	res, err := r.loop(ctx, &started.Application)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return &ReproofResult{}, nil
	}
	return &ReproofResult{Issued: res}, nil
}

// ReproofResult is the end of a re-proofing application: Issued is the new
// credential (kinds device and recover with reissue), nil otherwise.
type ReproofResult struct {
	Issued *Result
}

// fromDocument reports whether kind starts from the document (whose chip
// is the first factor) rather than from the 网号 (the SMS code to the linked
// phone).
func fromDocument(kind api.ApplicationKind) bool {
	return kind == api.KindPhone || kind == api.KindRecover
}

func (o *ReproofOptions) check(c *Client) error {
	switch o.Kind {
	case api.KindDevice, api.KindPassword:
		if o.Wanghao == "" {
			return fmt.Errorf("%w: no 网号", ErrOptions)
		}
	case api.KindPhone:
		if o.Wanghao != "" {
			return fmt.Errorf("%w: a phone change starts from the document, not the 网号", ErrOptions)
		}
	case api.KindRecover:
		if !o.Action.Valid() {
			return fmt.Errorf("%w: the action must be suspend, resume or reissue", ErrOptions)
		}
	default:
		return fmt.Errorf("%w: unknown kind %q", ErrOptions, o.Kind)
	}
	return o.ApplyOptions.checkFor(c, fromDocument(o.Kind))
}

// faceHash is the face image hash a liveness attestation names: the one
// the platform gives for a re-proofing application, else the chip's.
func (r *run) faceHash(v api.Application) ([32]byte, error) {
	var h [32]byte
	if v.FaceImageHash == "" {
		if r.reproof && len(r.doc.Data.DG2) == 0 {
			return h, fmt.Errorf("%w: no face image hash", ErrResponse)
		}
		return liveness.FaceHash(r.doc.Data.DG2), nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v.FaceImageHash)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("%w: malformed face image hash", ErrResponse)
	}
	copy(h[:], b)
	return h, nil
}

// act carries out the recover application's action.
func (r *run) act(ctx context.Context) (api.Application, error) {
	var pw string
	if r.action != api.ActionSuspend {
		var err error
		if pw, err = r.askPassword(ctx); err != nil {
			return api.Application{}, err
		}
	}
	next, err := r.c.Act(ctx, r.p.ApplicationID, r.p.Token, r.action, pw)
	if err != nil {
		if hasSlug(err, "wrong-password") {
			r.haveP = false
		}
		return api.Application{}, err
	}
	if pw != "" {
		r.pwConfirmed = true
	}
	r.progress(stepOf(map[api.RecoverAction]i18n.Key{
		api.ActionSuspend: i18n.KeyStepSuspended, api.ActionResume: i18n.KeyStepResumed, api.ActionReissue: i18n.KeyStepReissue,
	}[r.action]))
	return next, nil
}

// StartReproof starts a re-proofing application, POST /v1/applications
// with a kind: the holder named by wanghao, or for kinds phone and recover
// by the document of type t.
func (c *Client) StartReproof(ctx context.Context, kind api.ApplicationKind, wanghao string, t document.Type) (api.StartedApplication, error) {
	var out api.StartedApplication
	in := api.StartRequest{Kind: kind, Wanghao: wanghao, DocumentType: t}
	err := c.do(ctx, call{method: http.MethodPost, path: "/v1/applications", in: in, out: &out})
	if err == nil && (out.ID == "" || out.Token == "") {
		err = fmt.Errorf("%w: started application lacks id or token", ErrResponse)
	}
	return out, err
}

// Act chooses a recover application's action,
// POST /v1/applications/{id}/action.
func (c *Client) Act(ctx context.Context, id, token string, action api.RecoverAction, password string) (api.Application, error) {
	var out api.Application
	err := c.do(ctx, call{method: http.MethodPost, path: appPath(id, "/action"), token: token,
		in: api.ActionRequest{Action: action, Password: password}, out: &out})
	return out, err
}
