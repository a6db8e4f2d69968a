package oidc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/netid-project/netid/internal/storage"
)

// userinfo is the UserInfo endpoint (Core §5.3): the subject and the
// claims the authorization asked for userinfo, for a valid access token
// in the Authorization header (RFC 6750 §2.1).
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	claims, err := p.userinfoClaims(r)
	if err != nil {
		p.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, claims)
}

func (p *Provider) userinfoClaims(r *http.Request) (map[string]any, error) {
	ctx := r.Context()
	if err := p.throttleBefore(r); err != nil {
		return nil, err
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		p.throttleFailed(r)
		return nil, oauthErr(CodeInvalidToken, ErrInvalidToken, "a Bearer access token is required")
	}
	g, err := p.Store.GetGrantByHash(ctx, p.MAC.MAC(macAccess, []byte(token)))
	if errors.Is(err, storage.ErrNotFound) || (err == nil && g.Kind != storage.GrantAccess) {
		p.throttleFailed(r)
		return nil, oauthErr(CodeInvalidToken, ErrInvalidToken, "unknown access token")
	}
	if err == nil && p.Throttle != nil {
		if err := p.Throttle.Client(g.RPID); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, fmt.Errorf("oidc: loading the access token: %w", err)
	}
	if !g.RevokedAt.IsZero() || !p.now().Before(g.ExpiresAt) {
		return nil, oauthErr(CodeInvalidToken, ErrInvalidToken, "the access token expired or was revoked")
	}
	var data accessData
	if err := json.Unmarshal(g.Data, &data); err != nil {
		return nil, fmt.Errorf("oidc: decoding the grant: %w", err)
	}
	sess, err := p.Store.GetSession(ctx, g.SessionID)
	if err != nil {
		return nil, fmt.Errorf("oidc: loading the session: %w", err)
	}
	if ok, err := p.holderUsable(ctx, sess, p.now()); err != nil {
		return nil, err
	} else if !ok {
		return nil, oauthErr(CodeInvalidToken, ErrInvalidToken, "the holder's credential is no longer active")
	}
	values, err := p.resultClaims(sess)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"sub": values["sub"]}
	for _, c := range data.Userinfo {
		if v, ok := values[c]; ok {
			out[c] = v
		}
	}
	return out, nil
}

func (p *Provider) throttleBefore(r *http.Request) error {
	if p.Throttle == nil {
		return nil
	}
	return p.Throttle.Before(r)
}

func (p *Provider) throttleFailed(r *http.Request) {
	if p.Throttle != nil {
		p.Throttle.Failed(r)
	}
}
