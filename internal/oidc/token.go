package oidc

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/strictjson"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/verification"
)

// TokenResponse is the token endpoint's answer (RFC 6749 §5.1, Core
// §3.1.3.3).
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	IDToken     string `json:"id_token"`
	Scope       string `json:"scope"`
}

// accessData is an access token grant's Data: what userinfo may return.
// Claim names only; the values are read from the session's sealed result.
type accessData struct {
	Scopes   []string `json:"scopes"`
	Userinfo []string `json:"userinfo_claims,omitempty"`
}

// errReplay aborts the consuming update of a used code.
var errReplay = errors.New("code already used")

// token is the token endpoint: the authorization code grant.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	resp, err := p.exchange(w, r)
	if err != nil {
		p.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

func (p *Provider) exchange(w http.ResponseWriter, r *http.Request) (TokenResponse, error) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, p.maxBody())
	if err := r.ParseForm(); err != nil {
		return TokenResponse{}, oauthErr(CodeInvalidRequest, ErrInvalidRequest, "the body must be a form")
	}
	for name, vs := range r.PostForm {
		if len(vs) > 1 {
			return TokenResponse{}, oauthErr(CodeInvalidRequest, ErrInvalidRequest, "parameter "+truncate(name, 40)+" repeated")
		}
	}
	rp, err := p.Clients.Authenticate(r, true)
	if limited, ok := errors.AsType[*relyingparty.RateLimitError](err); ok {
		return TokenResponse{}, rateLimited(limited.RetryAfter)
	}
	if err != nil {
		p.log().InfoContext(ctx, "oidc: client authentication failed", "err", err)
		return TokenResponse{}, oauthErr(CodeInvalidClient, fmt.Errorf("%w: %w", ErrInvalidClient, err), "client authentication failed")
	}
	if gt := r.PostForm.Get("grant_type"); gt != "authorization_code" {
		return TokenResponse{}, oauthErr(CodeUnsupportedGrantType, ErrInvalidRequest, "only grant_type=authorization_code is supported")
	}
	code := r.PostForm.Get("code")
	if code == "" {
		return TokenResponse{}, oauthErr(CodeInvalidRequest, ErrInvalidRequest, "code is required")
	}
	now := p.now()
	g, err := p.Store.GetGrantByHash(ctx, p.MAC.MAC(macCode, []byte(code)))
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (g.Kind != storage.GrantCode || g.RPID != rp.ID)) {
		return TokenResponse{}, oauthErr(CodeInvalidGrant, ErrInvalidGrant, "unknown authorization code")
	}
	if err != nil {
		return TokenResponse{}, fmt.Errorf("oidc: loading the code: %w", err)
	}
	if !g.ConsumedAt.IsZero() {
		return TokenResponse{}, p.replayed(ctx, g, now)
	}
	if !g.RevokedAt.IsZero() || !now.Before(g.ExpiresAt) {
		return TokenResponse{}, oauthErr(CodeInvalidGrant, ErrInvalidGrant, "the authorization code expired or was revoked")
	}
	sess, err := p.Store.GetSession(ctx, g.SessionID)
	if err != nil {
		return TokenResponse{}, fmt.Errorf("oidc: loading the session: %w", err)
	}
	var ar authRequest
	if err := json.Unmarshal(sess.Data, &ar); err != nil {
		return TokenResponse{}, fmt.Errorf("oidc: decoding the request: %w", err)
	}
	if r.PostForm.Get("redirect_uri") != ar.RedirectURI {
		return TokenResponse{}, oauthErr(CodeInvalidGrant, ErrInvalidGrant, "redirect_uri differs from the authorization request's")
	}
	if err := checkVerifier(ar.CodeChallenge, r.PostForm.Get("code_verifier")); err != nil {
		return TokenResponse{}, err
	}
	if ok, err := p.holderUsable(ctx, sess, now); err != nil {
		return TokenResponse{}, err
	} else if !ok {
		return TokenResponse{}, oauthErr(CodeInvalidGrant, ErrInvalidGrant, "the holder's credential is no longer active")
	}
	// Consume the code atomically: of two racing exchanges one wins, the
	// other is a replay.
	_, err = p.Store.UpdateGrant(ctx, g.ID, func(x storage.Grant) (storage.Grant, error) {
		if !x.ConsumedAt.IsZero() {
			return x, errReplay
		}
		if !x.RevokedAt.IsZero() {
			return x, oauthErr(CodeInvalidGrant, ErrInvalidGrant, "the authorization code was revoked")
		}
		x.ConsumedAt = now
		return x, nil
	})
	if errors.Is(err, errReplay) {
		return TokenResponse{}, p.replayed(ctx, g, now)
	}
	if err != nil {
		return TokenResponse{}, fmt.Errorf("oidc: consuming the code: %w", err)
	}
	values, err := p.resultClaims(sess)
	if err != nil {
		return TokenResponse{}, err
	}
	access, err := p.random(32)
	if err != nil {
		return TokenResponse{}, err
	}
	data, err := json.Marshal(accessData{Scopes: ar.Scopes, Userinfo: ar.Userinfo})
	if err != nil {
		return TokenResponse{}, fmt.Errorf("oidc: encoding the grant: %w", err)
	}
	ttl := p.tokenTTL()
	if err := p.Store.CreateGrant(ctx, storage.Grant{
		ID: uuid.NewString(), Kind: storage.GrantAccess, Hash: p.MAC.MAC(macAccess, []byte(access)),
		SessionID: sess.ID, RPID: rp.ID, Data: data, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}); err != nil {
		return TokenResponse{}, fmt.Errorf("oidc: storing the access token: %w", err)
	}
	idToken, err := p.idToken(rp, sess, ar, values, access, now, ttl)
	if err != nil {
		return TokenResponse{}, err
	}
	return TokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(ttl / time.Second), IDToken: idToken, Scope: strings.Join(ar.Scopes, " ")}, nil
}

// replayed handles a second use of a code: every grant of the session is
// revoked (RFC 6749 §4.1.2, RFC 9700 §4.5.3.1).
func (p *Provider) replayed(ctx context.Context, g storage.Grant, now time.Time) error {
	if err := p.Store.RevokeGrants(ctx, g.SessionID, now); err != nil {
		return fmt.Errorf("oidc: revoking the grants of a replayed code: %w", err)
	}
	p.log().WarnContext(ctx, "oidc: authorization code replayed; the session's tokens are revoked", "session", g.SessionID, "rp", g.RPID)
	return oauthErr(CodeInvalidGrant, ErrCodeReplayed, "the authorization code was already used")
}

// checkVerifier checks the PKCE code_verifier against the challenge (RFC
// 7636 §4.6). Without a challenge, a verifier is refused (RFC 9700
// §2.1.1).
func checkVerifier(challenge, verifier string) error {
	if challenge == "" {
		if verifier != "" {
			return oauthErr(CodeInvalidGrant, ErrPKCE, "code_verifier without a code_challenge")
		}
		return nil
	}
	if n := len(verifier); n < 43 || n > 128 || !pkceChars(verifier) {
		return oauthErr(CodeInvalidGrant, ErrPKCE, "code_verifier is missing or malformed")
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) != 1 {
		return oauthErr(CodeInvalidGrant, ErrPKCE, "code_verifier does not match the code_challenge")
	}
	return nil
}

// pkceChars reports whether s uses only the unreserved characters of RFC
// 7636 §4.1.
func pkceChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// resultClaims reads the claims of an approved session's signed result.
// The result is the platform's own JWT, sealed at rest (the sealing
// authenticates it), so its payload is read without verifying the
// signature again.
func (p *Provider) resultClaims(sess storage.Session) (map[string]any, error) {
	if sess.State != storage.SessionApproved {
		return nil, oauthErr(CodeInvalidGrant, ErrInvalidGrant, "the verification is not approved")
	}
	jwt, err := p.Verification.ResultJWT(sess)
	if err != nil {
		return nil, fmt.Errorf("oidc: opening the result: %w", err)
	}
	tok, err := jws.Parse(jwt, jws.Expect{Typ: verification.ResultType})
	if err != nil {
		return nil, fmt.Errorf("oidc: parsing the result: %w", err)
	}
	var values map[string]any
	if err := strictjson.Unmarshal(tok.Payload, &values); err != nil {
		return nil, fmt.Errorf("oidc: decoding the result: %w", err)
	}
	if s, _ := values["sub"].(string); s == "" {
		return nil, fmt.Errorf("oidc: the result has no subject")
	}
	return values, nil
}

// amr lists the authentication methods of a level (RFC 8176): possession
// of the 网证's device key, the credential password, a live face check.
func amr(l verification.Level) []string {
	switch l {
	case verification.LevelPassword:
		return []string{"pop", "pwd", "mfa"}
	case verification.LevelFace:
		return []string{"pop", "pwd", "face", "mfa"}
	}
	return []string{"pop"}
}

// idToken signs the ID token (Core §2) with the platform's key of the
// algorithm the relying party registered: its suite's (ES256, or SM2 on a
// platform of the SM suite) unless it chose RS256.
func (p *Provider) idToken(rp storage.RelyingParty, sess storage.Session, ar authRequest, values map[string]any, access string, now time.Time, ttl time.Duration) (string, error) {
	reached := verification.Level(sess.LevelReached)
	if reached.Rank() == 0 {
		reached = verification.Level(sess.Level)
	}
	authTime := sess.UpdatedAt.Unix()
	if iat, ok := values["iat"].(float64); ok {
		authTime = int64(iat)
	}
	claims := map[string]any{}
	for _, c := range ar.IDToken {
		if v, ok := values[c]; ok {
			claims[c] = v
		}
	}
	offered := p.idTokenAlgs()
	alg := jose.SignatureAlgorithm(rp.IDTokenAlg)
	if alg == "" && len(offered) > 0 {
		alg = offered[0]
	}
	if !slices.Contains(offered, alg) {
		return "", fmt.Errorf("oidc: relying party %s registered the ID token algorithm %q, which this platform keeps no key for", rp.ID, alg)
	}
	claims["iss"] = p.Issuer
	claims["sub"] = values["sub"]
	claims["aud"] = rp.ID
	claims["azp"] = rp.ID
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(ttl).Unix()
	claims["auth_time"] = authTime
	claims["acr"] = reached.ACR()
	claims["amr"] = amr(reached)
	claims["at_hash"] = atHash(alg, access)
	if ar.Nonce != "" {
		claims["nonce"] = ar.Nonce
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("oidc: encoding the ID token: %w", err)
	}
	key, kid := p.Keys.SignerFor(alg)
	if key == nil {
		return "", fmt.Errorf("oidc: no %s signing key", alg)
	}
	if alg == jose.SignatureAlgorithm(jws.SM2) {
		// go-jose knows no SM2; package jws signs it (docs/sm-profile.md §2).
		tok, err := jws.Sign(key, "JWT", kid, payload)
		if err != nil {
			return "", fmt.Errorf("oidc: signing the ID token: %w", err)
		}
		return tok, nil
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), kid))
	if err != nil {
		return "", fmt.Errorf("oidc: ID token signer: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("oidc: signing the ID token: %w", err)
	}
	return obj.CompactSerialize()
}

// atHash is the ID token's at_hash (Core §3.1.3.6): the left half of the
// access token's hash under the hash of the ID token's alg, base64url.
// SM2 signs over SM3, so an SM2 ID token's at_hash is SM3's; ES256 and
// RS256 use SHA-256.
func atHash(alg jose.SignatureAlgorithm, access string) string {
	var sum [32]byte
	if st, ok := suite.ForAlgorithm(jws.Algorithm(alg)); ok {
		sum = st.SumString(access)
	} else {
		sum = sha256.Sum256([]byte(access))
	}
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
