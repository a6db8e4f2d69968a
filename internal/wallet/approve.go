package wallet

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/deeplink"
	"github.com/netid-project/netid/internal/liveness"
)

// ErrNoLiveness: the verification asks for the face level and the flow
// was given no liveness provider.
var ErrNoLiveness = errors.New("wallet: this verification needs a live face check")

// VerificationCode returns the session code of a relying party's link
// (netid://verify?…, its https form, or the bare code), checking that a
// link names this wallet's platform, server.
func VerificationCode(link, server string) (string, error) {
	if !strings.Contains(link, ":") {
		return link, nil
	}
	l, err := deeplink.Parse(link)
	if err != nil {
		return "", err
	}
	if strings.TrimSuffix(l.Platform, "/") != strings.TrimSuffix(server, "/") {
		return "", fmt.Errorf("%w: the link is for the platform %s, this wallet's is %s", ErrServerMismatch, l.Platform, server)
	}
	return l.Code, nil
}

// Approve answers a relying party's verification request, the link from
// its QR code or page (see VerificationCode), as u's holder. It opens the
// session and asks p to confirm it (QuestionVerification: who asks, why,
// at what level, for which claims); declined, it answers so and asks
// nothing more. Approved, it asks separately for the plaintext fields the
// request asks for apart (QuestionPlaintext: declining them still
// approves, result only), the credential password at the password level
// and above, and at the face level a liveness attestation from face bound
// to the session and the proofed face image (nil face: ErrNoLiveness).
// The result says how the session ended, or that it waits for the
// holder's guardian.
func Approve(ctx context.Context, c *Client, u *Unlocked, link string, p Prompter, face liveness.Provider) (api.AnswerResult, error) {
	if err := sameServer(c, u); err != nil {
		return api.AnswerResult{}, err
	}
	code, err := VerificationCode(link, u.Wallet.Server)
	if err != nil {
		return api.AnswerResult{}, err
	}
	req, err := c.OpenVerification(ctx, u, code)
	if err != nil {
		return api.AnswerResult{}, err
	}
	a := api.AnswerRequest{Code: code, Decision: api.DecisionDecline}
	ok, err := p.Confirm(ctx, Question{Kind: QuestionVerification, Verification: req})
	if err != nil {
		return api.AnswerResult{}, fmt.Errorf("wallet: asking to approve: %w", err)
	}
	if ok {
		a.Decision = api.DecisionApprove
		if err := approval(ctx, &a, req, p, face); err != nil {
			return api.AnswerResult{}, err
		}
	}
	return c.AnswerVerification(ctx, u, a)
}

// approval completes an approving answer with what req's level and
// plaintext fields need.
func approval(ctx context.Context, a *api.AnswerRequest, req api.Prompt, p Prompter, face liveness.Provider) error {
	if len(req.Plaintext) > 0 {
		ok, err := p.Confirm(ctx, Question{Kind: QuestionPlaintext, Verification: req})
		if err != nil {
			return fmt.Errorf("wallet: asking to share plaintext fields: %w", err)
		}
		a.PlaintextConsent = ok
	}
	if req.Level.AtLeast(api.LevelPassword) {
		pw, err := p.Secret(ctx, CredentialPassword)
		if err != nil {
			return fmt.Errorf("wallet: reading the password: %w", err)
		}
		a.Password = pw
	}
	if req.Level == api.LevelFace {
		if face == nil {
			return ErrNoLiveness
		}
		hash, err := base64.RawURLEncoding.DecodeString(req.FaceImageHash)
		if err != nil || len(hash) != 32 {
			return fmt.Errorf("%w: no usable face image hash", ErrResponse)
		}
		lr := liveness.Request{Challenge: req.FaceChallenge, ApplicationID: req.SessionID}
		copy(lr.FaceImageHash[:], hash)
		if a.FaceAttestation, err = face.Attest(ctx, lr); err != nil {
			return fmt.Errorf("wallet: face check: %w", err)
		}
	}
	return nil
}
